"""Outbox worker bookkeeping on email_messages; per-slot scheduler claims replace APScheduler's shared job table

Revision ID: 0008_outbox_worker
Revises: 0007_cohort_sessions_names
Create Date: 2026-12-01 11:20:00
"""
from alembic import op
import sqlalchemy as sa
import lms.db


revision = '0008_outbox_worker'
down_revision = '0007_cohort_sessions_names'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('scheduler_slots',
    sa.Column('job', sa.String(length=80), nullable=False),
    sa.Column('slot_start', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('job', 'slot_start', name=op.f('pk_scheduler_slots'))
    )
    with op.batch_alter_table('email_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=20), server_default='mail', nullable=False))
        batch_op.add_column(sa.Column('next_attempt_at', lms.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', lms.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('claim_token', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_email_messages_claim_token'), ['claim_token'], unique=False)
    with op.batch_alter_table('apscheduler_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_apscheduler_jobs_next_run_time'))
    op.drop_table('apscheduler_jobs')


def downgrade() -> None:
    op.create_table('apscheduler_jobs',
    sa.Column('id', sa.Unicode(length=191), nullable=False),
    sa.Column('next_run_time', sa.Float(precision=25), nullable=True),
    sa.Column('job_state', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_apscheduler_jobs'))
    )
    with op.batch_alter_table('apscheduler_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_apscheduler_jobs_next_run_time'), ['next_run_time'], unique=False)
    with op.batch_alter_table('email_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_email_messages_claim_token'))
        batch_op.drop_column('claim_token')
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('channel')
    op.drop_table('scheduler_slots')
