"""Vendor usage telemetry: staged imports (kept with their raw rows) and active days per person per week."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.clock import utcnow
from lms.db import OrgOwnedMixin, TimestampMixin
from lms.extensions import Model


class UsageImport(OrgOwnedMixin, TimestampMixin, Model):
    """An uploaded vendor export: parsed, previewed, applied once. The raw rows stay so a parser fix can re-read them."""

    __tablename__ = "usage_imports"

    UNMAPPED = "unmapped"  # a format no vendor's: waits for the admin to pick its columns
    STAGED = "staged"
    APPLIED = "applied"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(sa.String(20))
    filename: Mapped[str] = mapped_column(sa.String(255))
    encoding: Mapped[str] = mapped_column(sa.String(16))
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    headers: Mapped[list[str]] = mapped_column(sa.JSON)
    # [[row number, [cell, ...]], ...]: the data rows as read, header excluded.
    raw_rows: Mapped[list[Any]] = mapped_column(sa.JSON)
    # What applying would do, decided at staging time (see lms.usage.service.plan).
    summary: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    # The columns a company's own format was read with (lms.usage.sources.ColumnMapping), None for vendors' exports.
    mapping: Mapped[dict[str, str] | None] = mapped_column(sa.JSON)
    status: Mapped[str] = mapped_column(sa.String(16), default=STAGED)
    applied_at: Mapped[datetime | None]


class UsageMapping(OrgOwnedMixin, TimestampMixin, Model):
    """A company's own usage format: the columns its admin picked once, used again for files that have them."""

    __tablename__ = "usage_mappings"
    __table_args__ = (sa.UniqueConstraint("org_id", "email_column", "date_column", "activity_column",
                                          name="uq_usage_mappings_org_id_columns"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    email_column: Mapped[str] = mapped_column(sa.String(200))
    date_column: Mapped[str] = mapped_column(sa.String(200))
    activity_column: Mapped[str] = mapped_column(sa.String(200), default="")  # "": every row is a day of use


class UsageTelemetry(OrgOwnedMixin, Model):
    """Active days of one person in one Japan week (Monday) by one vendor, as its export says: telemetry, not a self-report."""

    __tablename__ = "usage_telemetry"
    __table_args__ = (
        sa.UniqueConstraint("org_id", "user_id", "week_start", "source"),
        sa.Index("ix_usage_telemetry_org_id_week_start", "org_id", "week_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    week_start: Mapped[date]
    source: Mapped[str] = mapped_column(sa.String(20))
    active_days: Mapped[int] = mapped_column(sa.SmallInteger)
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    import_id: Mapped[int | None] = mapped_column(sa.ForeignKey("usage_imports.id", ondelete="SET NULL"), index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class UsageEvent(OrgOwnedMixin, Model):
    """One "this person used AI" event a company's own system posted (POST /api/v1/usage-events).

    `client_id` is the sender's own id, unique per company, so a re-sent event is recognised. The
    weekly roll-up goes to `usage_telemetry` with source "api" (see lms.usage.events).
    """

    __tablename__ = "usage_events"
    __table_args__ = (
        sa.UniqueConstraint("org_id", "client_id"),
        sa.Index("ix_usage_events_org_id_user_id_week_start", "org_id", "user_id", "week_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(sa.String(100))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    occurred_at: Mapped[datetime]
    day: Mapped[date]  # the Japan date of occurred_at
    week_start: Mapped[date]  # the Monday of `day`
    tool: Mapped[str] = mapped_column(sa.String(100), default="")
    token_id: Mapped[int | None] = mapped_column(sa.ForeignKey("api_tokens.id", ondelete="SET NULL"), index=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
