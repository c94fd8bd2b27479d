"""The catalog's version token: processes cache search documents and facet counts under it

One row (id 1) with a random token that lms/usecases/search.py replaces
whenever the search index changes.

Revision ID: 0017_catalog_version
Revises: 0016_usecase_aliases
Create Date: 2026-12-01 19:45:00
"""
from datetime import datetime, timezone
import secrets

from alembic import op
import sqlalchemy as sa
import lms.db


revision = '0017_catalog_version'
down_revision = '0016_usecase_aliases'
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table('usecase_catalog_version',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('changed_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_usecase_catalog_version'))
    )
    op.bulk_insert(table, [{'id': 1, 'token': secrets.token_hex(16), 'changed_at': datetime.now(timezone.utc)}])


def downgrade() -> None:
    op.drop_table('usecase_catalog_version')
