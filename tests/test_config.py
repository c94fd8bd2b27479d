from pathlib import Path

import pytest
import sqlalchemy as sa

from lms import create_app
from lms.config import ConfigError, load_settings
from lms.extensions import db


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="LMS_SECRET_KEY"):
        load_settings({"LMS_ENV": "production"}, tmp_path)


def test_development_generates_and_keeps_a_secret_key(tmp_path: Path) -> None:
    first = load_settings({"LMS_ENV": "development"}, tmp_path)["SECRET_KEY"]
    second = load_settings({"LMS_ENV": "development"}, tmp_path)["SECRET_KEY"]
    assert first == second and len(first) > 40


def test_unknown_environment_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="LMS_ENV"):
        load_settings({"LMS_ENV": "staging"}, tmp_path)


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path: Path) -> None:
    settings = load_settings({"LMS_ENV": "development"}, tmp_path)
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'lms.sqlite3'}"


def test_plain_postgres_urls_use_the_shipped_driver(tmp_path: Path) -> None:
    settings = load_settings({"LMS_SECRET_KEY": "x", "LMS_DATABASE_URL": "postgres://u:p@db/lms"}, tmp_path)
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db/lms"


def test_production_cookies_are_secure_httponly_and_samesite(tmp_path: Path) -> None:
    settings = load_settings({"LMS_SECRET_KEY": "x"}, tmp_path)
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["SESSION_COOKIE_HTTPONLY"] is True
    assert settings["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_times_are_shown_in_tokyo(tmp_path: Path) -> None:
    assert load_settings({"LMS_SECRET_KEY": "x"}, tmp_path)["BABEL_DEFAULT_TIMEZONE"] == "Asia/Tokyo"


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    app = create_app({"LMS_ENV": "testing", "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}"})
    with app.app_context():
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(sa.text("PRAGMA busy_timeout")).scalar() == 10000
        db.engine.dispose()
