"""Usage events: what a company's own system posts through POST /api/v1/usage-events

Revision ID: 0022_usage_events
Revises: 0021_xapi
Create Date: 2026-12-01 23:00:00
"""
from alembic import op
import sqlalchemy as sa
import lms.db


revision = '0022_usage_events'
down_revision = '0021_xapi'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('usage_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=100), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('tool', sa.String(length=100), nullable=False),
    sa.Column('token_id', sa.Integer(), nullable=True),
    sa.Column('received_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_usage_events_org_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['token_id'], ['api_tokens.id'], name=op.f('fk_usage_events_token_id_api_tokens'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_usage_events_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_usage_events')),
    sa.UniqueConstraint('org_id', 'client_id', name=op.f('uq_usage_events_org_id_client_id'))
    )
    with op.batch_alter_table('usage_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_usage_events_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_usage_events_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_usage_events_token_id'), ['token_id'], unique=False)
        batch_op.create_index('ix_usage_events_org_id_user_id_week_start', ['org_id', 'user_id', 'week_start'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('usage_events', schema=None) as batch_op:
        batch_op.drop_index('ix_usage_events_org_id_user_id_week_start')
        batch_op.drop_index(batch_op.f('ix_usage_events_token_id'))
        batch_op.drop_index(batch_op.f('ix_usage_events_user_id'))
        batch_op.drop_index(batch_op.f('ix_usage_events_org_id'))

    op.drop_table('usage_events')
