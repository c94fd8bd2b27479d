"""Migration 0016_usecase_aliases: the old ids already stored on cases become `alias` rows, and back."""
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from lms.cli import alembic_config, upgrade_database
from lms.extensions import db

pytestmark = pytest.mark.real_commits  # migrates a database file of its own


def test_existing_aliases_become_alias_rows_and_the_downgrade_removes_them(make_app: Any, tmp_path: Path) -> None:
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.db'}")
    with app.app_context():
        upgrade_database("0013_usecase_trials")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO usecases (slug, title, summary, industries, departments, task_type, tools, level, data_class,"
                " checkin_task, minutes, basis, aliases, content_hash, is_archived, origin, updated_at, created_at)"
                " VALUES ('shift-table', 't', 's', '[\"retail\"]', '[\"店舗\"]', 'data', '[\"chat\"]', 'beginner',"
                " 'internal', 'data', 60, 'example', :aliases, 'h', 0, 'file', '2026-12-01 00:00:00',"
                " '2026-12-01 00:00:00')"), {"aliases": '["shift-shitagaki", "' + "o" * 40 + '"]'})
        upgrade_database("0016_usecase_aliases")
        rows = "SELECT kind, code FROM usecase_tags ORDER BY code"
        with db.engine.connect() as conn:
            assert conn.execute(sa.text(rows)).all() == [("alias", "o" * 40), ("alias", "shift-shitagaki")]
        command.downgrade(alembic_config(), "0013_usecase_trials")
        with db.engine.connect() as conn:
            assert conn.execute(sa.text(rows)).all() == []
        db.engine.dispose()
