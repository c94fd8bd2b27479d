"""A person's cohort sessions and module openings as an iCalendar feed behind a secret URL."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from flask_babel import gettext as _

from lms.accounts.models import User
from lms.cohorts import service
from lms.cohorts.models import Cohort, CohortMember
from lms.cohorts.schedule import module_opens_on
from lms.audit.service import record
from lms.core.clock import utcnow
from lms.extensions import db


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_token(user: User) -> str:
    """A fresh secret for the feed URL; the previous URL stops working. Only the hash is stored."""
    raw = secrets.token_urlsafe(32)
    user.calendar_token_hash = _hash(raw)
    record("calendar.new_url", actor=user, subject=user.email)
    return raw


def revoke(user: User) -> None:
    user.calendar_token_hash = None
    record("calendar.revoke", actor=user, subject=user.email)


def user_for_token(raw: str) -> User | None:
    if not raw or len(raw) > 100:
        return None
    user = db.session.scalar(sa.select(User).where(User.calendar_token_hash == _hash(raw)))
    return user if user is not None and user.is_active else None


def feed(user: User, host: str, now: datetime | None = None) -> bytes:
    """Sessions as timed events (in UTC, which every calendar converts) and module openings as all-day events."""
    stamp = now or utcnow()
    import icalendar  # here, not at the top: only the feed needs it

    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//lms//AI training//JA")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _("AI training"))
    cohorts = db.session.scalars(
        sa.select(Cohort).join(CohortMember).where(CohortMember.user_id == user.id).order_by(Cohort.start_date)
    )
    for cohort in cohorts:
        dates = service.calendar_of(cohort)
        days_off = {week: why for week, _start, why in service.sessions_on_days_off(cohort)}
        for week, start, end in dates.sessions():
            event = icalendar.Event()
            event.add("uid", f"cohort-{cohort.id}-session-{week}@{host}")
            event.add("dtstamp", stamp)
            event.add("dtstart", start.astimezone(timezone.utc))
            event.add("dtend", end.astimezone(timezone.utc))
            event.add("summary", _("%(cohort)s: session %(week)d", cohort=cohort.name, week=week))
            notes = []
            if cohort.meeting_url:
                event.add("url", cohort.meeting_url)
                event.add("location", cohort.meeting_url)
                notes.append(_("Join online: %(url)s", url=cohort.meeting_url))
            if week in days_off:
                why = days_off[week]
                notes.append(_("Note: this day is %(what)s.", what=why.holiday or _("New Year break")))
            if notes:
                event.add("description", "\n".join(notes))
            calendar.add_component(event)
        for course, module in service.cohort_modules(cohort):
            opens = module_opens_on(dates, module.week)
            event = icalendar.Event()
            event.add("uid", f"cohort-{cohort.id}-module-{module.id}@{host}")
            event.add("dtstamp", stamp)
            event.add("dtstart", opens)
            event.add("dtend", opens + timedelta(days=1))
            event.add("summary", _("Open: %(module)s (%(course)s)", module=module.title, course=course.title))
            event.add("transp", "TRANSPARENT")
            calendar.add_component(event)
    return calendar.to_ical()
