"""Server-side sessions: one `user_sessions` row per signed-in browser.

Flask-Login keeps `User.get_id()` (the raw session key) in the signed session
cookie and in a remember-me cookie; `load_user` accepts a key only while its row
exists. Ending a session deletes its row, so the end holds at once on every
worker and process, and a cookie copied before sign-out no longer works.
Functions flush; the caller commits.
"""
from __future__ import annotations

import hashlib
import secrets
from functools import cache
from datetime import timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from lms.accounts.models import User, UserSession
from lms.core.clock import utcnow
from lms.extensions import db

# Rows older than this are deleted when the person next signs in (housekeeping; the
# session cookie itself expires long before, after PERMANENT_SESSION_LIFETIME).
STALE_AFTER = timedelta(days=30)


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def open_session(user: User) -> str:
    """Open a session row for `user`, remember its key on the object for Flask-Login, return the key."""
    now = utcnow()
    db.session.execute(
        sa.delete(UserSession)
        .where(UserSession.user_id == user.id, UserSession.created_at < now - STALE_AFTER)
        .execution_options(synchronize_session=False)
    )
    raw = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, key_hash=_hash(raw), created_at=now))
    db.session.flush()
    user.session_key = raw
    return raw


@cache
def _user_statement() -> sa.Select[User]:
    """Built once per process with a bound parameter: it runs on every signed-in request."""
    return (
        sa.select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.key_hash == sa.bindparam("key_hash"), User.is_active.is_(True))
        .options(joinedload(User.role_rows), joinedload(User.org), joinedload(User.department))
    )


def load_user(raw: str) -> User | None:
    """The active person whose session `raw` names, or None once that session has ended.

    One statement for every request: the session row, the person, their roles, their company and
    their department (so the company pages and the home's recommendations need not ask again).
    """
    user = db.session.execute(_user_statement(), {"key_hash": _hash(raw)}).unique().scalar_one_or_none()
    if user is not None:
        user.session_key = raw
    return user


def end_session(user: User) -> None:
    """End the session `user` was loaded for (sign out)."""
    if user.session_key:
        _delete(UserSession.key_hash == _hash(user.session_key))


def end_other_sessions(user: User) -> int:
    """End every session of `user` except the one it was loaded for (all of them when none); return how many."""
    where = [UserSession.user_id == user.id]
    if user.session_key:
        where.append(UserSession.key_hash != _hash(user.session_key))
    return _delete(*where)


def end_all_sessions(user: User) -> int:
    """End every session of `user`, including the current one; return how many."""
    return _delete(UserSession.user_id == user.id)


def _delete(*where: sa.ColumnElement[bool]) -> int:
    result = db.session.execute(sa.delete(UserSession).where(*where).execution_options(synchronize_session=False))
    return cast(sa.CursorResult[Any], result).rowcount or 0
