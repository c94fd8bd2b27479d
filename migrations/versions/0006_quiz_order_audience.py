"""quiz option order per attempt; course audience

Revision ID: 0006_quiz_order_audience
Revises: 0005_sessions
Create Date: 2026-12-01 10:40:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_quiz_order_audience'
down_revision = '0005_sessions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('option_order', sa.JSON(), nullable=True))
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audience', sa.String(length=16), server_default='everyone', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_column('audience')
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.drop_column('option_order')
