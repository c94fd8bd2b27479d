"""The application factory. Nothing happens at import time."""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Mapping

from flask import Flask

from lms.config import load_settings

log = logging.getLogger(__name__)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app from the environment, then apply `config` overrides (tests, scripts)."""
    app = Flask(__name__, instance_relative_config=False)
    instance = Path(os.environ.get("LMS_INSTANCE_PATH", app.instance_path))
    app.instance_path = str(instance)
    env = dict(os.environ)
    if config and "LMS_ENV" in config:
        env["LMS_ENV"] = config["LMS_ENV"]
    app.config.update(load_settings(env, instance))
    if config:
        app.config.update(config)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        instance.mkdir(parents=True, exist_ok=True)

    _init_extensions(app)
    _register_blueprints(app)
    _init_web(app)

    from lms.cli import register_cli

    register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    from lms import database, i18n
    from lms.extensions import babel, csrf, db, login_manager
    from lms.security import init_security_headers

    db.init_app(app)
    database.init_engine_events(app)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.session_protection = "strong"

    from lms.accounts import sessions
    from lms.accounts.models import User

    @login_manager.user_loader
    def _load_user(session_key: str) -> User | None:
        # Flask-Login's "user id" is the key of a session row (lms.accounts.sessions).
        return sessions.load_user(session_key)

    init_security_headers(app)


BLUEPRINTS = (
    "lms.accounts.routes:bp",
    "lms.home.routes:bp",
    "lms.home.routes:org_bp",
    "lms.members.routes:bp",
    "lms.usage.routes:bp",
    "lms.cohorts.routes:bp",
    "lms.cohorts.routes:public_bp",
    "lms.exercises.review_routes:bp",
    "lms.adoption.routes:checkin_bp",
    "lms.adoption.routes:bp",
    "lms.admin.routes:bp",
    "lms.courses.routes:bp",
    "lms.learning.routes:bp",
    "lms.learning.routes:progress_bp",
    "lms.llm.routes:bp",
    "lms.exercises.routes:bp",
    "lms.usecases.routes:bp",
    "lms.usecases.trial_routes:bp",
    "lms.usecases.trial_routes:workshop_bp",
    "lms.usecases.catalog_routes:bp",
    "lms.toolguide.routes:bp",
    "lms.api.token_routes:bp",
    "lms.xapi.routes:bp",
)


def _register_blueprints(app: Flask) -> None:
    from importlib import import_module

    for spec in BLUEPRINTS:
        module_name, attr = spec.split(":")
        app.register_blueprint(getattr(import_module(module_name), attr))

    from lms.api import routes as api_routes

    api_routes.init_app(app)  # flask-smorest registers the API's blueprint itself, to document it


def _init_web(app: Flask) -> None:
    from lms import web

    web.init_app(app)
