"""Personal access tokens (create, revoke, authenticate) and the API's shared rate limit."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from lms.accounts.models import User
from lms.api.models import ApiRateWindow, ApiToken
from lms.audit.service import record
from lms.core.clock import utcnow
from lms.extensions import db
from lms.orgs.models import Organization

PREFIX = "lms_pat_"
HINT_LENGTH = 6
# The areas of the API; each scope is "<area>:read" or "<area>:write" (write includes read).
AREAS = ("adoption", "checkins", "usage", "cohorts", "users", "catalog")
ACCESS = ("read", "write")
SCOPES = tuple(f"{area}:{access}" for area in AREAS for access in ACCESS)
EXPIRY_DAYS = (30, 90, 180, 365)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    """`lms_pat_` and 256 random bits: recognisable by secret scanners, too long to guess."""
    return PREFIX + secrets.token_urlsafe(32)


def create_token(org: Organization, *, name: str, scopes: list[str], days: int, actor: User,
                 now: datetime | None = None) -> tuple[ApiToken, str]:
    """A new token of `org`; returns it with its secret, which is never stored and never shown again."""
    unknown = set(scopes) - set(SCOPES)
    if unknown or not scopes:
        raise ValueError(f"unknown or no scopes: {sorted(unknown)}")
    now = now or utcnow()
    secret = new_secret()
    token = ApiToken(
        org_id=org.id, name=name.strip(), hint=secret[len(PREFIX):len(PREFIX) + HINT_LENGTH],
        token_hash=digest(secret), scopes=[s for s in SCOPES if s in scopes],
        expires_at=now + timedelta(days=days), created_by_id=actor.id, created_at=now,
    )
    db.session.add(token)
    db.session.flush()
    record("api_token.create", actor=actor, org_id=org.id, subject=str(token.id), scopes=token.scopes, days=days)
    return token, secret


def revoke_token(token: ApiToken, *, actor: User, now: datetime | None = None) -> None:
    """Stop a token at once; a revoked token stays listed, so its last use can still be read."""
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()
        record("api_token.revoke", actor=actor, org_id=token.org_id, subject=str(token.id))


def allows(scopes: list[str], area: str, access: str) -> bool:
    """`write` on an area includes `read` on it."""
    return f"{area}:write" in scopes or (access == "read" and f"{area}:read" in scopes)


# --- authentication and the rate limit -----------------------------------------------------------

@dataclass(frozen=True)
class Admission:
    token_id: int
    org_id: int
    scopes: list[str]
    requests: int  # in the current window, this one included
    retry_after: int  # seconds until the window ends


class NotAuthenticated(Exception):
    """No usable token: missing, unknown, revoked or expired (the reason goes to the client)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def admit(secret: str, *, window_seconds: int, now: datetime | None = None) -> Admission:
    """Find the token, count this request in its window and note its use, committed at once on its own connection.

    The count is one INSERT ... ON CONFLICT DO UPDATE ... RETURNING on a row keyed by token and
    window, so every process and host behind the same database shares it and parallel requests
    each see a different count. The caller compares the count with the limit.

    :raise NotAuthenticated: the secret names no token, or a revoked or expired one.
    """
    now = now or utcnow()
    table = cast(sa.Table, ApiToken.__table__)
    with db.engine.begin() as conn:
        row = conn.execute(
            sa.select(table.c.id, table.c.org_id, table.c.scopes, table.c.expires_at, table.c.revoked_at)
            .where(table.c.token_hash == digest(secret))
        ).first()
        if row is None:
            raise NotAuthenticated("unknown")
        token = ApiToken(expires_at=row.expires_at, revoked_at=row.revoked_at)
        if token.revoked_at is not None:
            raise NotAuthenticated("revoked")
        if not token.is_usable(now):
            raise NotAuthenticated("expired")
        epoch = int(now.timestamp())
        window = epoch // window_seconds
        requests = _count(conn, row.id, window)
        conn.execute(sa.update(table).where(table.c.id == row.id).values(last_used_at=now))
        windows = cast(sa.Table, ApiRateWindow.__table__)
        conn.execute(sa.delete(windows).where(windows.c.token_id == row.id, windows.c.window < window))
    return Admission(row.id, row.org_id, list(row.scopes), requests, (window + 1) * window_seconds - epoch)


def _count(conn: sa.Connection, token_id: int, window: int) -> int:
    table = cast(sa.Table, ApiRateWindow.__table__)
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = (
        insert(table).values(token_id=token_id, window=window, requests=1)
        .on_conflict_do_update(index_elements=[table.c.token_id, table.c.window],
                               set_={"requests": table.c.requests + 1})
        .returning(table.c.requests)
    )
    return int(conn.execute(stmt).scalar_one())
