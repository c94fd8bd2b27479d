"""cohorts and scheduler

Revision ID: 0003_cohorts
Revises: 0002_courses
Create Date: 2026-11-23 11:53:00.761749
"""
from alembic import op
import sqlalchemy as sa
import lms.db


revision = '0003_cohorts'
down_revision = '0002_courses'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('apscheduler_jobs',
    sa.Column('id', sa.Unicode(length=191), nullable=False),
    sa.Column('next_run_time', sa.Float(precision=25), nullable=True),
    sa.Column('job_state', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_apscheduler_jobs'))
    )
    with op.batch_alter_table('apscheduler_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_apscheduler_jobs_next_run_time'), ['next_run_time'], unique=False)

    op.create_table('cohorts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('session_weekday', sa.SmallInteger(), nullable=False),
    sa.Column('session_time', sa.Time(), nullable=False),
    sa.Column('session_minutes', sa.Integer(), nullable=False),
    sa.Column('weeks', sa.SmallInteger(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_cohorts_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohorts')),
    sa.UniqueConstraint('org_id', 'name', name=op.f('uq_cohorts_org_id_name'))
    )
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohorts_org_id'), ['org_id'], unique=False)

    op.create_table('cohort_courses',
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_cohort_courses_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_cohort_courses_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_cohort_courses_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('cohort_id', 'course_id', name=op.f('pk_cohort_courses'))
    )
    with op.batch_alter_table('cohort_courses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohort_courses_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cohort_courses_org_id'), ['org_id'], unique=False)

    op.create_table('cohort_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('joined_week', sa.SmallInteger(), nullable=False),
    sa.Column('added_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_cohort_members_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_cohort_members_org_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_cohort_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_members')),
    sa.UniqueConstraint('cohort_id', 'user_id', name=op.f('uq_cohort_members_cohort_id_user_id'))
    )
    with op.batch_alter_table('cohort_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohort_members_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cohort_members_user_id'), ['user_id'], unique=False)

    op.create_table('cohort_trainers',
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('trainer_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_cohort_trainers_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['trainer_id'], ['users.id'], name=op.f('fk_cohort_trainers_trainer_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('cohort_id', 'trainer_id', name=op.f('pk_cohort_trainers'))
    )
    with op.batch_alter_table('cohort_trainers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohort_trainers_trainer_id'), ['trainer_id'], unique=False)

    op.create_table('module_openings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('opened_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_module_openings_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['module_id'], ['course_modules.id'], name=op.f('fk_module_openings_module_id_course_modules'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['opened_by_id'], ['users.id'], name=op.f('fk_module_openings_opened_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_module_openings_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_module_openings')),
    sa.UniqueConstraint('cohort_id', 'module_id', name=op.f('uq_module_openings_cohort_id_module_id'))
    )
    with op.batch_alter_table('module_openings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_module_openings_module_id'), ['module_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_module_openings_org_id'), ['org_id'], unique=False)

    with op.batch_alter_table('email_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_html', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('unsubscribe_url', sa.String(length=500), nullable=True))

    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_enabled', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('reminder_weekday', sa.SmallInteger(), server_default='3', nullable=False))
        batch_op.add_column(sa.Column('reminder_hour', sa.SmallInteger(), server_default='9', nullable=False))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notify_module_open', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('notify_reminder', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('notify_digest', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('calendar_token_hash', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_users_calendar_token_hash'), ['calendar_token_hash'])



def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_calendar_token_hash'), type_='unique')
        batch_op.drop_column('calendar_token_hash')
        batch_op.drop_column('notify_digest')
        batch_op.drop_column('notify_reminder')
        batch_op.drop_column('notify_module_open')

    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_column('reminder_hour')
        batch_op.drop_column('reminder_weekday')
        batch_op.drop_column('reminder_enabled')

    with op.batch_alter_table('email_messages', schema=None) as batch_op:
        batch_op.drop_column('unsubscribe_url')
        batch_op.drop_column('body_html')

    with op.batch_alter_table('module_openings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_module_openings_org_id'))
        batch_op.drop_index(batch_op.f('ix_module_openings_module_id'))

    op.drop_table('module_openings')
    with op.batch_alter_table('cohort_trainers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohort_trainers_trainer_id'))

    op.drop_table('cohort_trainers')
    with op.batch_alter_table('cohort_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohort_members_user_id'))
        batch_op.drop_index(batch_op.f('ix_cohort_members_org_id'))

    op.drop_table('cohort_members')
    with op.batch_alter_table('cohort_courses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohort_courses_org_id'))
        batch_op.drop_index(batch_op.f('ix_cohort_courses_course_id'))

    op.drop_table('cohort_courses')
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohorts_org_id'))

    op.drop_table('cohorts')
    with op.batch_alter_table('apscheduler_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_apscheduler_jobs_next_run_time'))

    op.drop_table('apscheduler_jobs')
