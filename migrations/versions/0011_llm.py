"""The optional AI model: requests and answers (llm_requests), monthly counts (llm_usage), per-company switch and budget

Revision ID: 0011_llm
Revises: 0010_exercise_attempts
Create Date: 2026-12-01 13:17:50
"""
from alembic import op
import sqlalchemy as sa
import lms.db


revision = '0011_llm'
down_revision = '0010_exercise_attempts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('llm_usage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('requests', sa.Integer(), server_default='0', nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_llm_usage_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_llm_usage')),
    sa.UniqueConstraint('org_id', 'month', name=op.f('uq_llm_usage_org_id_month'))
    )
    with op.batch_alter_table('llm_usage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_llm_usage_org_id'), ['org_id'], unique=False)

    op.create_table('llm_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=40), nullable=False),
    sa.Column('ref_id', sa.Integer(), nullable=False),
    sa.Column('messages', sa.JSON(), nullable=False),
    sa.Column('model', sa.String(length=200), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('refused', sa.String(length=32), nullable=True),
    sa.Column('text', sa.Text(), server_default='', nullable=False),
    sa.Column('answer_model', sa.String(length=200), nullable=True),
    sa.Column('finish_reason', sa.String(length=40), nullable=True),
    sa.Column('prompt_tokens', sa.Integer(), nullable=True),
    sa.Column('completion_tokens', sa.Integer(), nullable=True),
    sa.Column('total_tokens', sa.Integer(), nullable=True),
    sa.Column('updated_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_llm_requests_org_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['outbox_id'], ['email_messages.id'], name=op.f('fk_llm_requests_outbox_id_email_messages'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_llm_requests')),
    sa.UniqueConstraint('org_id', 'purpose', 'ref_id', name=op.f('uq_llm_requests_org_id_purpose_ref_id')),
    sa.UniqueConstraint('outbox_id', name=op.f('uq_llm_requests_outbox_id'))
    )
    with op.batch_alter_table('llm_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_llm_requests_org_id'), ['org_id'], unique=False)

    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('llm_enabled', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('llm_monthly_budget', sa.Integer(), server_default='200', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_column('llm_monthly_budget')
        batch_op.drop_column('llm_enabled')

    with op.batch_alter_table('llm_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_llm_requests_org_id'))

    op.drop_table('llm_requests')
    with op.batch_alter_table('llm_usage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_llm_usage_org_id'))

    op.drop_table('llm_usage')
