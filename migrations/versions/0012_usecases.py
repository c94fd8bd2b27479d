"""The use-case catalog: usecases, their revisions and tags

Revision ID: 0012_usecases
Revises: 0011_llm
Create Date: 2026-12-01 14:51:12.111745
"""
from alembic import op
import sqlalchemy as sa
import lms.db


revision = '0012_usecases'
down_revision = '0011_llm'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('usecases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('industries', sa.JSON(), nullable=False),
    sa.Column('departments', sa.JSON(), nullable=False),
    sa.Column('task_type', sa.String(length=16), nullable=False),
    sa.Column('tools', sa.JSON(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('data_class', sa.String(length=16), nullable=False),
    sa.Column('checkin_task', sa.String(length=16), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('basis', sa.String(length=16), nullable=False),
    sa.Column('aliases', sa.JSON(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('is_archived', sa.Boolean(), nullable=False),
    sa.Column('updated_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('current_revision_id', sa.Integer(), nullable=True),
    sa.Column('created_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_usecases')),
    sa.UniqueConstraint('slug', name=op.f('uq_usecases_slug'))
    )
    with op.batch_alter_table('usecases', schema=None) as batch_op:
        batch_op.create_index('ix_usecases_archived_title', ['is_archived', 'title'], unique=False)
        batch_op.create_index(batch_op.f('ix_usecases_level'), ['level'], unique=False)
        batch_op.create_index(batch_op.f('ix_usecases_task_type'), ['task_type'], unique=False)

    op.create_table('usecase_tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('usecase_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['usecase_id'], ['usecases.id'], name=op.f('fk_usecase_tags_usecase_id_usecases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_usecase_tags')),
    sa.UniqueConstraint('usecase_id', 'kind', 'code', name=op.f('uq_usecase_tags_usecase_id_kind_code'))
    )
    with op.batch_alter_table('usecase_tags', schema=None) as batch_op:
        batch_op.create_index('ix_usecase_tags_kind_code', ['kind', 'code'], unique=False)

    op.create_table('usecase_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('usecase_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('raw', sa.Text(), nullable=False),
    sa.Column('parsed', sa.JSON(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('points_html', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('created_at', lms.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_label', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_usecase_revisions_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['usecase_id'], ['usecases.id'], name=op.f('fk_usecase_revisions_usecase_id_usecases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_usecase_revisions')),
    sa.UniqueConstraint('usecase_id', 'number', name=op.f('uq_usecase_revisions_usecase_id_number'))
    )
    with op.batch_alter_table('usecase_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_usecase_revisions_usecase_id'), ['usecase_id'], unique=False)

    # usecases and usecase_revisions point at each other: this key can only follow both tables.
    with op.batch_alter_table('usecases', schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f('fk_usecases_current_revision_id_usecase_revisions'), 'usecase_revisions',
            ['current_revision_id'], ['id'], ondelete='SET NULL',
        )


def downgrade() -> None:
    with op.batch_alter_table('usecases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_usecases_current_revision_id_usecase_revisions'), type_='foreignkey')
    with op.batch_alter_table('usecase_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_usecase_revisions_usecase_id'))

    op.drop_table('usecase_revisions')
    with op.batch_alter_table('usecase_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_usecase_tags_kind_code')

    op.drop_table('usecase_tags')
    with op.batch_alter_table('usecases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_usecases_task_type'))
        batch_op.drop_index(batch_op.f('ix_usecases_level'))
        batch_op.drop_index('ix_usecases_archived_title')

    op.drop_table('usecases')
