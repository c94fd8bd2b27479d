"""Accounts: sign-in with throttling, tokens for reset and invitation, passwords.

Functions take explicit arguments and flush; the caller commits
(`lms.transaction.commit`), so routes, CLI commands and tests share them.
"""
from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from lms.accounts import sessions
from lms.accounts.models import LoginCounter, User, UserToken
from lms.audit.service import record
from lms.core.clock import utcnow
from lms.db import UTCDateTime
from lms.extensions import db
from lms.mail.service import queue_mail

RESET = "reset"
INVITE = "invite"
MIN_PASSWORD_LENGTH = 10

# Checked when the email is unknown, so a wrong email costs as long as a wrong password.
@functools.cache
def _dummy_hash() -> str:
    # Made on first use, not at import: scrypt costs every CLI start a fifth of a second.
    return generate_password_hash("not-a-real-password", method="scrypt")


class SignInThrottled(Exception):
    def __init__(self, minutes: int):
        self.minutes = minutes


class InvalidCredentials(Exception):
    pass


class TokenInvalid(Exception):
    """The link is unknown, already used or expired; the message does not say which."""


class EmailTaken(Exception):
    pass


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


def _throttle_keys(email: str, address: str | None) -> tuple[str, str]:
    account_key = "acct:" + hashlib.sha256(normalize_email(email).encode()).hexdigest()[:64]
    return account_key, f"addr:{address or 'unknown'}"


def _count_attempt(conn: sa.Connection, key: str, now: datetime, since: datetime) -> int:
    """Count one attempt for `key` and return the count in the current window, in ONE statement.

    INSERT ... ON CONFLICT DO UPDATE ... RETURNING is atomic on both databases (a row
    lock on PostgreSQL, the write lock on SQLite), so parallel attempts each see a
    different count; a read followed by a write would let them all see the same one.
    """
    table = cast(sa.Table, LoginCounter.__table__)
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stale = table.c.window_started_at < sa.bindparam("since", since, type_=UTCDateTime())
    stmt = (
        insert(table)
        .values(key=key, window_started_at=now, attempts=1)
        .on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                # Both expressions read the row as it was before this statement.
                "attempts": sa.case((stale, 1), else_=table.c.attempts + 1),
                "window_started_at": sa.case(
                    (stale, sa.bindparam("restart", now, type_=UTCDateTime())), else_=table.c.window_started_at
                ),
            },
        )
        .returning(table.c.attempts)
    )
    return int(conn.execute(stmt).scalar_one())


def _admit_attempt(account_key: str, address_key: str) -> bool:
    """Count this attempt against the account, then the address; False when either is over its limit.

    Committed at once on its own connection, before the (slow) password check, so
    the count holds across workers and no lock is held while scrypt runs. An
    attempt refused for the account is not counted against the address.
    """
    config = current_app.config
    now = utcnow()
    since = now - timedelta(minutes=config["LMS_LOGIN_WINDOW_MINUTES"])
    with db.engine.begin() as conn:
        if _count_attempt(conn, account_key, now, since) > config["LMS_LOGIN_MAX_PER_ACCOUNT"]:
            return False
        return _count_attempt(conn, address_key, now, since) <= config["LMS_LOGIN_MAX_PER_ADDRESS"]


def authenticate(email: str, password: str, *, address: str | None) -> User:
    """Return the user for valid credentials.

    Every attempt is counted before the password is checked; a success clears the
    account's count and gives the address its attempt back, so only failures add up.

    :raise SignInThrottled: too many recent attempts for this account or address.
    :raise InvalidCredentials: anything else; never says whether the email exists.
    """
    account_key, address_key = _throttle_keys(email, address)
    if not _admit_attempt(account_key, address_key):
        record("login.throttled", actor=None, subject=normalize_email(email))
        raise SignInThrottled(current_app.config["LMS_LOGIN_WINDOW_MINUTES"])

    user = find_user_by_email(email)
    if user is None:
        check_password_hash(_dummy_hash(), password)
        ok = False
    else:
        ok = user.is_active and user.check_password(password)
    if user is None or not ok:
        record("login.failure", actor=None, org_id=user.org_id if user else None, subject=normalize_email(email))
        raise InvalidCredentials()

    db.session.execute(sa.delete(LoginCounter).where(LoginCounter.key == account_key))
    db.session.execute(
        sa.update(LoginCounter)
        .where(LoginCounter.key == address_key, LoginCounter.attempts > 0)
        .values(attempts=LoginCounter.attempts - 1)
        .execution_options(synchronize_session=False)
    )
    user.last_login_at = utcnow()
    record("login.success", actor=user, org_id=user.org_id, subject=user.email)
    return user


def validate_new_password(password: str) -> bool:
    return len(password) >= MIN_PASSWORD_LENGTH


# --- tokens -----------------------------------------------------------------


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user: User, purpose: str, lifetime: timedelta) -> str:
    """Create a token and return the raw secret (only its hash is stored)."""
    raw = secrets.token_urlsafe(32)
    db.session.add(
        UserToken(user_id=user.id, purpose=purpose, token_hash=_hash_token(raw), expires_at=utcnow() + lifetime)
    )
    db.session.flush()
    return raw


def peek_token(raw: str, purpose: str) -> User:
    """The user of a valid, unused token, without using it up.

    :raise TokenInvalid:
    """
    token = db.session.scalar(
        sa.select(UserToken).where(UserToken.token_hash == _hash_token(raw), UserToken.purpose == purpose)
    )
    if token is None or token.used_at is not None or token.expires_at <= utcnow():
        raise TokenInvalid()
    return token.user


def consume_token(raw: str, purpose: str) -> User:
    """Use a token exactly once, even when two requests race for it.

    :raise TokenInvalid:
    """
    user = peek_token(raw, purpose)
    # The conditional UPDATE is the lock: only one transaction sees a row count of 1.
    result = db.session.execute(
        sa.update(UserToken)
        .where(UserToken.token_hash == _hash_token(raw), UserToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if cast(sa.CursorResult[Any], result).rowcount != 1:
        raise TokenInvalid()
    return user


def link(path: str) -> str:
    return current_app.config["LMS_BASE_URL"] + path


def request_password_reset(email: str) -> None:
    """Mail a reset link when the address belongs to an active account; silently do nothing otherwise."""
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        record("password.reset_unknown", actor=None, subject=normalize_email(email))
        return
    hours = current_app.config["LMS_RESET_TOKEN_HOURS"]
    raw = issue_token(user, RESET, timedelta(hours=hours))
    queue_mail(
        to=user.email, template="password_reset", locale=user.locale, kind="password_reset",
        org_id=user.org_id, user=user, link=link(f"/password/reset/{raw}"), hours=hours,
    )
    record("password.reset_requested", actor=user, org_id=user.org_id, subject=user.email)


def reset_password(raw: str, password: str) -> User:
    user = consume_token(raw, RESET)
    user.set_password(password)
    # Other outstanding reset links die with this one.
    db.session.execute(
        sa.update(UserToken)
        .where(UserToken.user_id == user.id, UserToken.purpose == RESET, UserToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    # Whoever knew the old password is signed out everywhere (the person signs in afresh).
    sessions.end_all_sessions(user)
    record("password.reset", actor=user, org_id=user.org_id, subject=user.email)
    return user


def change_password(user: User, password: str) -> None:
    """Set a new password and end every other session of the person; the current one continues."""
    user.set_password(password)
    ended = sessions.end_other_sessions(user)
    record("password.changed", actor=user, org_id=user.org_id, subject=user.email, sessions_ended=ended)


def update_profile(user: User, *, name: str, furigana: str | None, locale: str) -> None:
    """One's own name, reading and UI language."""
    user.display_name = name
    user.furigana = furigana or None
    user.locale = locale
    db.session.flush()


def set_locale(user: User, locale: str) -> None:
    user.locale = locale
    db.session.flush()


def sign_out(user: User) -> None:
    """Ends this browser's session only (other devices stay signed in)."""
    record("logout", actor=user, org_id=user.org_id, subject=user.email)
    sessions.end_session(user)


def sign_out_elsewhere(user: User) -> None:
    """End every session of the person except the current one ("sign out everywhere else")."""
    ended = sessions.end_other_sessions(user)
    record("logout.others", actor=user, org_id=user.org_id, subject=user.email, sessions_ended=ended)


def accept_invitation(raw: str, password: str) -> User:
    user = consume_token(raw, INVITE)
    user.set_password(password)
    record("invite.accepted", actor=user, org_id=user.org_id, subject=user.email)
    return user
