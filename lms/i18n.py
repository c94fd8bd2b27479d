"""Language choice: the account's language, else the session's, else Japanese."""
from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_login import current_user


def select_locale() -> str:
    supported = current_app.config["LMS_LOCALES"]
    if not has_request_context():  # CLI commands and scheduler jobs (mail sets its own with force_locale)
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if request.path.startswith("/api/"):  # the API reads no session or cookie: Accept-Language only
        return request.accept_languages.best_match(supported) or current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in supported:
        return current_user.locale
    chosen = session.get("locale")
    if isinstance(chosen, str) and chosen in supported:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]
