"""Personal access tokens of a company, and the shared fixed-window request counters of the API."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import OrgOwnedMixin, TimestampMixin
from lms.extensions import Model


class ApiToken(OrgOwnedMixin, TimestampMixin, Model):
    """A company's API token. Only the sha256 of the secret is kept; the secret is shown once.

    The token's company is the only company the API answers about: no request names another.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    # The first characters of the secret (after `lms_pat_`), so a list can say which token is which.
    hint: Mapped[str] = mapped_column(sa.String(16))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(sa.JSON)  # "area:read" / "area:write"
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    def is_usable(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


class ApiRateWindow(Model):
    """Requests of one token in one fixed window: shared by every process through the database."""

    __tablename__ = "api_rate_windows"

    token_id: Mapped[int] = mapped_column(sa.ForeignKey("api_tokens.id", ondelete="CASCADE"), primary_key=True)
    window: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)  # epoch // length
    requests: Mapped[int]
