"""xAPI: the statements table, the people's opaque xAPI ids and the cohorts' registration UUIDs

Revision ID: 0021_xapi
Revises: 0020_api_tokens
Create Date: 2026-12-01 20:45:00
"""
from alembic import op
import sqlalchemy as sa
import lms.db


revision = '0021_xapi'
down_revision = '0020_api_tokens'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('xapi_statements',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('verb', sa.String(length=20), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('sent_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_xapi_statements_org_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['outbox_id'], ['email_messages.id'], name=op.f('fk_xapi_statements_outbox_id_email_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_xapi_statements_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_xapi_statements')),
    sa.UniqueConstraint('outbox_id', name=op.f('uq_xapi_statements_outbox_id'))
    )
    with op.batch_alter_table('xapi_statements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_xapi_statements_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_xapi_statements_user_id'), ['user_id'], unique=False)
        batch_op.create_index('ix_xapi_statements_org_id_created_at', ['org_id', 'created_at'], unique=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('xapi_id', sa.String(length=36), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_users_xapi_id'), ['xapi_id'])
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('uuid', sa.String(length=36), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_cohorts_uuid'), ['uuid'])


def downgrade() -> None:
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_cohorts_uuid'), type_='unique')
        batch_op.drop_column('uuid')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_xapi_id'), type_='unique')
        batch_op.drop_column('xapi_id')
    with op.batch_alter_table('xapi_statements', schema=None) as batch_op:
        batch_op.drop_index('ix_xapi_statements_org_id_created_at')
        batch_op.drop_index(batch_op.f('ix_xapi_statements_user_id'))
        batch_op.drop_index(batch_op.f('ix_xapi_statements_org_id'))

    op.drop_table('xapi_statements')
