"""Alembic environment: runs inside the Flask app context (see lms.cli)."""
from __future__ import annotations

from alembic import context
from flask import current_app

from lms import models  # noqa: F401  (registers every table on the metadata)
from lms.extensions import db
from lms.usecases.search import is_search_table

def include_name(name, type_, parent_names):  # type: ignore[no-untyped-def]
    """Leave the search index out of autogenerate: its shape differs by database (migration 0014 owns it)."""
    return not (type_ == "table" and is_search_table(name))


config = context.config
target_metadata = db.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=current_app.config["SQLALCHEMY_DATABASE_URI"],
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    with db.engine.connect() as connection:
        _run(connection)


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    # Batch mode lets SQLite alter tables by copying them; PostgreSQL ignores it.
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
