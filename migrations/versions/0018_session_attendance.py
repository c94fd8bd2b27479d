"""Session attendance: who attended which of a cohort's weekly sessions, and for how long

Revision ID: 0018_session_attendance
Revises: 0017_catalog_version
Create Date: 2026-12-01 19:50:00
"""
from alembic import op
import sqlalchemy as sa
import lms.db


revision = '0018_session_attendance'
down_revision = '0017_catalog_version'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('session_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('session_date', sa.Date(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('recorded_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_session_attendance_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_session_attendance_org_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_session_attendance_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_session_attendance_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_attendance')),
    sa.UniqueConstraint('cohort_id', 'session_date', 'user_id', name=op.f('uq_session_attendance_cohort_id_session_date_user_id'))
    )
    with op.batch_alter_table('session_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_attendance_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_session_attendance_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('session_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_attendance_user_id'))
        batch_op.drop_index(batch_op.f('ix_session_attendance_org_id'))

    op.drop_table('session_attendance')
