"""Use-case search: a character-bigram index (FTS5 on SQLite, tsvector + GIN on PostgreSQL)

The table is not a model: its shape differs by database, so lms/usecases/search.py
declares it apart and the models/migration comparison leaves it out
(lms.usecases.search.SEARCH_TABLES). Rows are (re)built by
`lms.usecases.search.reindex`; run `flask usecases reindex` after upgrading.

Revision ID: 0014_usecase_search
Revises: 0013_usecase_trials
Create Date: 2026-12-01 16:30:00.000000
"""
from alembic import op


revision = '0014_usecase_search'
down_revision = '0013_usecase_trials'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # Tokens are ASCII letters (see search.py), so the ascii tokenizer keeps each one whole;
        # detail=none: only "which rows have this token" is asked. rowid is the case's id.
        op.execute(
            "CREATE VIRTUAL TABLE usecase_search USING fts5("
            "tokens, title_key UNINDEXED, tags_key UNINDEXED, codes_key UNINDEXED, body_key UNINDEXED, "
            "tokenize='ascii', detail='none')"
        )
    else:
        op.execute(
            "CREATE TABLE usecase_search ("
            "usecase_id INTEGER NOT NULL PRIMARY KEY REFERENCES usecases (id) ON DELETE CASCADE, "
            "title_key TEXT NOT NULL, tags_key TEXT NOT NULL, codes_key TEXT NOT NULL, body_key TEXT NOT NULL, "
            "tokens TSVECTOR NOT NULL)"
        )
        op.execute("CREATE INDEX ix_usecase_search_tokens ON usecase_search USING gin (tokens)")


def downgrade() -> None:
    op.execute("DROP TABLE usecase_search")
