"""Prompt-practice attempts and their prompt revisions

Revision ID: 0010_exercise_attempts
Revises: 0009_exercises
Create Date: 2026-12-01 13:38:02.087541
"""
from alembic import op
import sqlalchemy as sa
import lms.db


revision = '0010_exercise_attempts'
down_revision = '0009_exercises'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('exercise_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('exercise_id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('revisions_count', sa.Integer(), nullable=False),
    sa.Column('best_score', sa.Integer(), nullable=True),
    sa.Column('passed_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('blocked_count', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('answer_source', sa.String(length=16), nullable=True),
    sa.Column('llm_request_id', sa.Integer(), nullable=True),
    sa.Column('self_check', sa.JSON(), nullable=False),
    sa.Column('submitted_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('trainer_comment', sa.Text(), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', lms.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('good_example', sa.Boolean(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'], name=op.f('fk_exercise_attempts_exercise_id_exercises'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lesson_id'], ['lessons.id'], name=op.f('fk_exercise_attempts_lesson_id_lessons'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_exercise_attempts_org_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_exercise_attempts_reviewed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_exercise_attempts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exercise_attempts')),
    sa.UniqueConstraint('user_id', 'exercise_id', name=op.f('uq_exercise_attempts_user_id_exercise_id'))
    )
    with op.batch_alter_table('exercise_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exercise_attempts_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_exercise_attempts_org_id_exercise_id', ['org_id', 'exercise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exercise_attempts_user_id'), ['user_id'], unique=False)

    op.create_table('exercise_attempt_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('exercise_revision_id', sa.Integer(), nullable=False),
    sa.Column('prompt', sa.Text(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('blocked', sa.Boolean(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('created_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['exercise_attempts.id'], name=op.f('fk_exercise_attempt_revisions_attempt_id_exercise_attempts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['exercise_revision_id'], ['exercise_revisions.id'], name='fk_attempt_revisions_exercise_revision', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_exercise_attempt_revisions_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exercise_attempt_revisions')),
    sa.UniqueConstraint('attempt_id', 'number', name=op.f('uq_exercise_attempt_revisions_attempt_id_number'))
    )
    with op.batch_alter_table('exercise_attempt_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exercise_attempt_revisions_org_id'), ['org_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('exercise_attempt_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exercise_attempt_revisions_org_id'))

    op.drop_table('exercise_attempt_revisions')
    with op.batch_alter_table('exercise_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exercise_attempts_user_id'))
        batch_op.drop_index('ix_exercise_attempts_org_id_exercise_id')
        batch_op.drop_index(batch_op.f('ix_exercise_attempts_org_id'))

    op.drop_table('exercise_attempts')
