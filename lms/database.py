"""Engine tuning per database."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from flask import Flask

from lms.extensions import db


def init_engine_events(app: Flask) -> None:
    """SQLite: WAL for concurrent readers, enforced foreign keys, a busy timeout instead of instant 'locked' errors."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine = db.engine

    @sa.event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def insert_ignoring_conflict(model: Any, values: dict[str, Any], conflict_columns: list[str]) -> bool:
    """INSERT that silently does nothing when the unique key already exists (race-safe get-or-create).

    Returns whether this call inserted the row.
    """
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    key = sa.inspect(model).primary_key  # RETURNING, not rowcount: an ORM insert's rowcount on psycopg is not the row's
    statement = insert(model).values(**values).on_conflict_do_nothing(index_elements=conflict_columns).returning(*key)
    return db.session.execute(statement).first() is not None


def insert_rows_ignoring_conflict(model: Any, rows: list[dict[str, Any]], conflict_columns: list[str]) -> None:
    """One INSERT of many rows, skipping those whose unique key already exists (nothing for no rows)."""
    if not rows:
        return
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    db.session.execute(insert(model).values(rows).on_conflict_do_nothing(index_elements=conflict_columns))
