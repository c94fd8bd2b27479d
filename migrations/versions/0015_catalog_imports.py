"""The provider's spreadsheet catalog: uploads kept between preview and confirm

Revision ID: 0015_catalog_imports
Revises: 0014_usecase_search
Create Date: 2026-12-01 16:50:00.000000
"""
from alembic import op
import sqlalchemy as sa
import lms.db


revision = '0015_catalog_imports'
down_revision = '0014_usecase_search'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('catalog_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('encoding', sa.String(length=16), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('applied_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_catalog_imports_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_imports'))
    )


def downgrade() -> None:
    op.drop_table('catalog_imports')
