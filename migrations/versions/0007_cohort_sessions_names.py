"""Cohort meeting URL; people's 五十音 sort key

Revision ID: 0007_cohort_sessions_names
Revises: 0006_quiz_order_audience
Create Date: 2026-12-01 10:40:00
"""
from alembic import op
import sqlalchemy as sa

from lms.accounts.names import name_key


revision = '0007_cohort_sessions_names'
down_revision = '0006_quiz_order_audience'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('cohorts', sa.Column('meeting_url', sa.String(length=500), nullable=True))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_key', sa.String(length=200), server_default='', nullable=False))
        batch_op.create_index('ix_users_org_id_name_key', ['org_id', 'name_key'], unique=False)
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('display_name', sa.String),
                     sa.column('furigana', sa.String), sa.column('name_key', sa.String))
    bind = op.get_bind()
    rows = bind.execute(sa.select(users.c.id, users.c.display_name, users.c.furigana)).all()
    for user_id, display_name, furigana in rows:
        bind.execute(users.update().where(users.c.id == user_id).values(name_key=name_key(display_name, furigana)))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_org_id_name_key')
        batch_op.drop_column('name_key')
    op.drop_column('cohorts', 'meeting_url')
