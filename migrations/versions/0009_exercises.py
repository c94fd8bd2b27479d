"""Prompt-practice exercises and their revisions

Revision ID: 0009_exercises
Revises: 0008_outbox_worker
Create Date: 2026-12-01 13:40:00
"""
from alembic import op
import sqlalchemy as sa
import lms.db


revision = '0009_exercises'
down_revision = '0008_outbox_worker'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('exercises',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('industries', sa.JSON(), nullable=False),
    sa.Column('department', sa.String(length=32), nullable=False),
    sa.Column('usecases', sa.JSON(), nullable=False),
    sa.Column('pass_score', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('is_archived', sa.Boolean(), nullable=False),
    sa.Column('updated_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('current_revision_id', sa.Integer(), nullable=True),
    sa.Column('created_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exercises')),
    sa.UniqueConstraint('slug', name=op.f('uq_exercises_slug'))
    )
    op.create_table('exercise_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exercise_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('raw', sa.Text(), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('task_html', sa.Text(), nullable=False),
    sa.Column('material_html', sa.Text(), nullable=False),
    sa.Column('explanation_html', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('created_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_label', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_exercise_revisions_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'], name=op.f('fk_exercise_revisions_exercise_id_exercises'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exercise_revisions')),
    sa.UniqueConstraint('exercise_id', 'number', name=op.f('uq_exercise_revisions_exercise_id_number'))
    )
    with op.batch_alter_table('exercise_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exercise_revisions_exercise_id'), ['exercise_id'], unique=False)

    # exercises and exercise_revisions point at each other: this key can only follow both tables.
    with op.batch_alter_table('exercises', schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f('fk_exercises_current_revision_id_exercise_revisions'), 'exercise_revisions',
            ['current_revision_id'], ['id'], ondelete='SET NULL',
        )


def downgrade() -> None:
    with op.batch_alter_table('exercises', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_exercises_current_revision_id_exercise_revisions'), type_='foreignkey')
    with op.batch_alter_table('exercise_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exercise_revisions_exercise_id'))
    op.drop_table('exercise_revisions')
    op.drop_table('exercises')
