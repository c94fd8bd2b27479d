"""Vendor usage imports: staged files with their raw rows, saved column mappings, and telemetry active days per person per week

Revision ID: 0019_usage_imports
Revises: 0018_session_attendance
Create Date: 2026-12-01 20:30:45.452541
"""
from alembic import op
import sqlalchemy as sa
import lms.db


revision = '0019_usage_imports'
down_revision = '0018_session_attendance'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('usage_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('encoding', sa.String(length=16), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('raw_rows', sa.JSON(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('applied_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_usage_imports_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_usage_imports_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_usage_imports'))
    )
    with op.batch_alter_table('usage_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_usage_imports_org_id'), ['org_id'], unique=False)

    op.create_table('usage_mappings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('email_column', sa.String(length=200), nullable=False),
    sa.Column('date_column', sa.String(length=200), nullable=False),
    sa.Column('activity_column', sa.String(length=200), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_usage_mappings_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_usage_mappings_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_usage_mappings')),
    sa.UniqueConstraint('org_id', 'email_column', 'date_column', 'activity_column', name='uq_usage_mappings_org_id_columns')
    )
    with op.batch_alter_table('usage_mappings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_usage_mappings_org_id'), ['org_id'], unique=False)

    op.create_table('usage_telemetry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('active_days', sa.SmallInteger(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['usage_imports.id'], name=op.f('fk_usage_telemetry_import_id_usage_imports'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_usage_telemetry_org_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_usage_telemetry_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_usage_telemetry')),
    sa.UniqueConstraint('org_id', 'user_id', 'week_start', 'source', name=op.f('uq_usage_telemetry_org_id_user_id_week_start_source'))
    )
    with op.batch_alter_table('usage_telemetry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_usage_telemetry_import_id'), ['import_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_usage_telemetry_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_usage_telemetry_org_id_week_start', ['org_id', 'week_start'], unique=False)
        batch_op.create_index(batch_op.f('ix_usage_telemetry_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('usage_telemetry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_usage_telemetry_user_id'))
        batch_op.drop_index('ix_usage_telemetry_org_id_week_start')
        batch_op.drop_index(batch_op.f('ix_usage_telemetry_org_id'))
        batch_op.drop_index(batch_op.f('ix_usage_telemetry_import_id'))

    op.drop_table('usage_telemetry')
    with op.batch_alter_table('usage_mappings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_usage_mappings_org_id'))

    op.drop_table('usage_mappings')
    with op.batch_alter_table('usage_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_usage_imports_org_id'))

    op.drop_table('usage_imports')
