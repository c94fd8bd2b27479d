"""Who wants which mail, one-click unsubscribe links, and absolute URLs for mail outside a request."""
from __future__ import annotations

from typing import Any

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeSerializer

from lms.accounts.models import User

# Each scheduled mail kind and the preference that turns it off.
PREFERENCES = {
    "module_open": "notify_module_open",
    "reminder": "notify_reminder",
    "digest": "notify_digest",
}


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute URL on LMS_BASE_URL, from a request, a CLI command or a scheduler job alike."""
    with current_app.test_request_context(base_url=current_app.config["LMS_BASE_URL"] + "/"):
        return url_for(endpoint, _external=True, **values)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="unsubscribe")


def unsubscribe_token(user: User, kind: str) -> str:
    assert kind in PREFERENCES
    return _serializer().dumps([user.id, kind])


def unsubscribe_url(user: User, kind: str) -> str:
    return external_url("cohort_feeds.unsubscribe", token=unsubscribe_token(user, kind))


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """(user id, kind) from a link we signed, or None for anything else."""
    try:
        user_id, kind = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int) or kind not in PREFERENCES:
        return None
    return user_id, kind


def wants(user: User, kind: str) -> bool:
    return bool(user.is_active and getattr(user, PREFERENCES[kind]))
