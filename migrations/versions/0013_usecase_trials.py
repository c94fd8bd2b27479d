"""Use-case trials and the catalog origin

Revision ID: 0013_usecase_trials
Revises: 0012_usecases
Create Date: 2026-12-01 16:24:44.685170
"""
from alembic import op
import sqlalchemy as sa
import lms.db


revision = '0013_usecase_trials'
down_revision = '0012_usecases'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('usecase_trials',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('usecase_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('cohort_id', sa.Integer(), nullable=True),
    sa.Column('lesson_id', sa.Integer(), nullable=True),
    sa.Column('shared_from_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('current_way', sa.Text(), nullable=False),
    sa.Column('minutes_before', sa.Integer(), nullable=False),
    sa.Column('picked_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tried_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('report_due_on', sa.Date(), nullable=False),
    sa.Column('reminded_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('outcome_reason', sa.Text(), nullable=False),
    sa.Column('minutes_after', sa.Integer(), nullable=True),
    sa.Column('reported_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('adapted_prompt', sa.Text(), nullable=False),
    sa.Column('share', sa.String(length=16), nullable=False),
    sa.Column('shared_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_usecase_trials_cohort_id_cohorts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_usecase_trials_department_id_departments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lesson_id'], ['lessons.id'], name=op.f('fk_usecase_trials_lesson_id_lessons'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_usecase_trials_org_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shared_from_id'], ['usecase_trials.id'], name=op.f('fk_usecase_trials_shared_from_id_usecase_trials'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['usecase_id'], ['usecases.id'], name=op.f('fk_usecase_trials_usecase_id_usecases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_usecase_trials_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_usecase_trials')),
    sa.UniqueConstraint('user_id', 'usecase_id', name=op.f('uq_usecase_trials_user_id_usecase_id'))
    )
    with op.batch_alter_table('usecase_trials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_usecase_trials_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_usecase_trials_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_usecase_trials_org_id_usecase_id', ['org_id', 'usecase_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_usecase_trials_shared_from_id'), ['shared_from_id'], unique=False)
        batch_op.create_index('ix_usecase_trials_status_report_due_on', ['status', 'report_due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_usecase_trials_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('usecases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin', sa.String(length=16), server_default='file', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('usecases', schema=None) as batch_op:
        batch_op.drop_column('origin')

    with op.batch_alter_table('usecase_trials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_usecase_trials_user_id'))
        batch_op.drop_index('ix_usecase_trials_status_report_due_on')
        batch_op.drop_index(batch_op.f('ix_usecase_trials_shared_from_id'))
        batch_op.drop_index('ix_usecase_trials_org_id_usecase_id')
        batch_op.drop_index(batch_op.f('ix_usecase_trials_org_id'))
        batch_op.drop_index(batch_op.f('ix_usecase_trials_cohort_id'))

    op.drop_table('usecase_trials')
