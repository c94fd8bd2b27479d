"""Only Alembic creates the schema; the migrated database must match the models exactly."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from lms import models  # noqa: F401
from lms.extensions import db

pytestmark = pytest.mark.real_commits  # inspects the database on connections of its own


def test_upgraded_database_matches_the_models(app: Flask) -> None:
    # The session's database was empty and upgraded to head by the _migrated fixture.
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


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
