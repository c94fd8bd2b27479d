"""The clock: the one "now" and "today in Japan" every feature, job and CLI command uses.

The database stores UTC only; people see dates in the installation's zone
(`BABEL_DEFAULT_TIMEZONE`, Asia/Tokyo by default). Weeks run Monday to Sunday.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app

DEFAULT_ZONE = "Asia/Tokyo"


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (the only time the database stores)."""
    return datetime.now(timezone.utc)


def zone() -> ZoneInfo:
    """The zone people of this installation live in (Asia/Tokyo unless configured)."""
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", DEFAULT_ZONE))


def local_date(now: datetime, tz: ZoneInfo) -> date:
    """The calendar date people in `tz` see at the aware instant `now`."""
    return now.astimezone(tz).date()


def today(now: datetime | None = None) -> date:
    """Today's date where the people are (in Japan by default), at `now` or at this moment."""
    return local_date(now or utcnow(), zone())


def week_start(day: date) -> date:
    """The Monday of `day`'s week (weeks run Monday to Sunday)."""
    return day - timedelta(days=day.weekday())
