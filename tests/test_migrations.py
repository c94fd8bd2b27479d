"""Only Alembic creates the schema; the migrated database must match the models exactly."""
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from lms import models  # noqa: F401
from lms.extensions import db
from lms.usecases.search import is_search_table


def include_name(name, type_, parent_names) -> bool:  # type: ignore[no-untyped-def]
    # The search index differs by database (FTS5 or tsvector) and is not a model; migration 0014 owns it.
    return not (type_ == "table" and is_search_table(name))

pytestmark = pytest.mark.real_commits  # inspects the database on connections of its own


def test_upgraded_database_matches_the_models(app: Flask) -> None:
    # The session's database was empty and upgraded to head by the _migrated fixture.
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": include_name})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_the_search_index_exists_and_is_the_only_table_left_out(app: Flask) -> None:
    with db.engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
    assert "usecase_search" in tables
    assert {t for t in tables if is_search_table(t)} <= {"usecase_search", *(f"usecase_search_{s}" for s in (
        "data", "idx", "content", "docsize", "config"))}


def test_database_is_at_the_single_head(app: Flask) -> None:
    from alembic.script import ScriptDirectory

    from lms.cli import alembic_config

    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    with db.engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_heads()
    assert len(heads) == 1
    assert tuple(current) == tuple(heads)


def test_the_factory_creates_no_tables(make_app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'empty.db'}")
    with app.app_context():
        with db.engine.connect() as conn:
            tables = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
    assert tables == []
