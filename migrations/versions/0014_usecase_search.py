"""Use-case search: folded text per case, and a character-bigram index (FTS5 on SQLite, tsvector + GIN on PostgreSQL)

`usecase_search_docs` is a model. `usecase_search` (the token index) is not: its
shape differs by database, so lms/usecases/search.py reads it with SQL of its own
and the models/migration comparison leaves it out (search.is_search_table).
Rows are (re)built by `lms.usecases.search.reindex`; run `flask usecases reindex`
after upgrading.

Revision ID: 0014_usecase_search
Revises: 0013_usecase_trials
Create Date: 2026-12-01 16:30:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0014_usecase_search'
down_revision = '0013_usecase_trials'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('usecase_search_docs',
    sa.Column('usecase_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('title_key', sa.Text(), nullable=False),
    sa.Column('tags_key', sa.Text(), nullable=False),
    sa.Column('codes_key', sa.Text(), nullable=False),
    sa.Column('body_key', sa.Text(), nullable=False),
    sa.Column('facets', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['usecase_id'], ['usecases.id'], name=op.f('fk_usecase_search_docs_usecase_id_usecases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('usecase_id', name=op.f('pk_usecase_search_docs'))
    )
    if op.get_bind().dialect.name == "sqlite":
        # Tokens are ASCII letters (see search.py), so the ascii tokenizer keeps each one whole;
        # detail=none: only "which rows have this token" is asked. rowid is the case's id.
        op.execute("CREATE VIRTUAL TABLE usecase_search USING fts5(tokens, tokenize='ascii', detail='none')")
    else:
        op.execute(
            "CREATE TABLE usecase_search ("
            "usecase_id INTEGER NOT NULL PRIMARY KEY REFERENCES usecases (id) ON DELETE CASCADE, "
            "tokens TSVECTOR NOT NULL)"
        )
        # Kept in the row (compressed), not in TOAST: a case's vector is a few kilobytes, and out of line the
        # planner sees a tiny table, prefers a sequential scan and detoasts every vector (~200 ms at 10,000
        # cases for a query matching a few hundred); inline, it takes the GIN index (2-12 ms).
        op.execute("ALTER TABLE usecase_search ALTER COLUMN tokens SET STORAGE MAIN")
        op.execute("CREATE INDEX ix_usecase_search_tokens ON usecase_search USING gin (tokens)")


def downgrade() -> None:
    op.execute("DROP TABLE usecase_search")
    op.drop_table('usecase_search_docs')
