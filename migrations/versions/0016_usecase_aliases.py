"""Use-case aliases as tag rows: an old id finds its case with one indexed query

Widens usecase_tags.code to 64 characters (an old id is up to 64) and writes
one `alias` row per old id already stored in usecases.aliases.

Revision ID: 0016_usecase_aliases
Revises: 0015_catalog_imports
Create Date: 2026-12-01 16:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0016_usecase_aliases'
down_revision = '0015_catalog_imports'
branch_labels = None
depends_on = None

usecases = sa.table('usecases', sa.column('id', sa.Integer()), sa.column('aliases', sa.JSON()))
usecase_tags = sa.table('usecase_tags', sa.column('usecase_id', sa.Integer()), sa.column('kind', sa.String()),
                        sa.column('code', sa.String()))


def upgrade() -> None:
    with op.batch_alter_table('usecase_tags', schema=None) as batch_op:
        batch_op.alter_column('code', existing_type=sa.String(length=32), type_=sa.String(length=64),
                              existing_nullable=False)
    conn = op.get_bind()
    rows = [{'usecase_id': case_id, 'kind': 'alias', 'code': alias}
            for case_id, aliases in conn.execute(sa.select(usecases.c.id, usecases.c.aliases))
            for alias in sorted(set(aliases or []))]
    if rows:
        op.bulk_insert(usecase_tags, rows)


def downgrade() -> None:
    op.execute(usecase_tags.delete().where(usecase_tags.c.kind == 'alias'))
    with op.batch_alter_table('usecase_tags', schema=None) as batch_op:
        batch_op.alter_column('code', existing_type=sa.String(length=64), type_=sa.String(length=32),
                              existing_nullable=False)
