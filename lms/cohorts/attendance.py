"""Who attended the cohort's weekly sessions: the trainer's sheet, read and saved. The caller commits.

The sheet a trainer posts says, for each session date it shows, how long the
session ran and who was there; saving makes the stored attendance of those
dates exactly that (so sending the same sheet twice changes nothing). Dates
the sheet does not show are left alone.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Iterable, Mapping

import sqlalchemy as sa
from sqlalchemy.orm import lazyload
from flask_babel import format_date, gettext as _

from lms.accounts.models import User
from lms.audit.service import record
from lms.cohorts.models import Cohort, CohortMember, SessionAttendance
from lms.cohorts.service import calendar_of
from lms.core.clock import utcnow
from lms.database import insert_rows_ignoring_conflict
from lms.extensions import db
from lms.tenancy import in_org, owned_by
from lms.xapi import service as xapi

MIN_MINUTES, MAX_MINUTES = 1, 600  # a session that ran from a few minutes up to a long day
MINUTES_FIELD = "minutes-"  # + ISO date: how long that session ran
PRESENT_FIELD = "present"  # values "ISO date:user id", one per ticked box


class AttendanceInvalid(Exception):
    """What is wrong with a posted sheet, in words for the trainer; nothing was saved."""


@dataclass
class SessionMarks:
    minutes: int | None = None  # None: the cohort's session length
    present: set[int] = field(default_factory=set)


def session_dates(cohort: Cohort) -> list[tuple[int, date, datetime]]:
    """(week, local date, start) of every session of the cohort's calendar, days off included."""
    return [(week, start.date(), start) for week, start, _end in calendar_of(cohort).sessions()]


def held_dates(cohort: Cohort, now: datetime | None = None) -> list[date]:
    """Session dates whose session has started by `now`: the ones attendance can be recorded for."""
    moment = now or utcnow()
    return [day for _week, day, start in session_dates(cohort) if start <= moment]


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise AttendanceInvalid(_("The sheet has a date that cannot be read: %(value)s", value=text[:40])) from None


def read_sheet(form: Mapping[str, str], present: Iterable[str]) -> dict[date, SessionMarks]:
    """A posted sheet by session date. :raise AttendanceInvalid: a value that is not a date, a number or a person."""
    sheet: dict[date, SessionMarks] = {}
    for name, value in form.items():
        if not name.startswith(MINUTES_FIELD):
            continue
        day = _date(name[len(MINUTES_FIELD):])
        text = value.strip()
        if not text.isascii() or not text.isdigit() or not MIN_MINUTES <= int(text) <= MAX_MINUTES:
            raise AttendanceInvalid(_(
                "Enter how long the session of %(date)s ran in minutes, a whole number from %(min)d to %(max)d.",
                date=format_date(day, "medium"), min=MIN_MINUTES, max=MAX_MINUTES,
            ))
        sheet.setdefault(day, SessionMarks()).minutes = int(text)
    for value in present:
        day_text, _sep, user_text = value.partition(":")
        day = _date(day_text)
        if not user_text.isascii() or not user_text.isdigit():
            raise AttendanceInvalid(_("The sheet names a person who cannot be read: %(value)s", value=value[:40]))
        sheet.setdefault(day, SessionMarks()).present.add(int(user_text))
    return sheet


def _check(cohort: Cohort, sheet: dict[date, SessionMarks], now: datetime) -> None:
    """:raise AttendanceInvalid: a date that is no session of this cohort, or not held yet; someone not a member."""
    dates = {day: start for _week, day, start in session_dates(cohort)}
    for day in sorted(sheet):
        if day not in dates:
            raise AttendanceInvalid(_("%(date)s is not a session date of this cohort.", date=format_date(day, "medium")))
        if dates[day] > now:
            raise AttendanceInvalid(_("The session of %(date)s has not taken place yet; record it on the day.",
                                      date=format_date(day, "medium")))
    wanted = set().union(*(marks.present for marks in sheet.values()))
    members = set(db.session.scalars(
        in_org(sa.select(CohortMember.user_id), cohort.org_id)
        .where(CohortMember.cohort_id == cohort.id, CohortMember.user_id.in_(wanted))
    )) if wanted else set()
    if wanted - members:
        raise AttendanceInvalid(_("The sheet names someone who is not a member of this cohort. Reload the page and try again."))


@dataclass(frozen=True)
class Saved:
    added: int
    removed: int
    changed: int  # rows whose minutes changed

    @property
    def anything(self) -> bool:
        return bool(self.added or self.removed or self.changed)


def save_attendance(cohort: Cohort, sheet: dict[date, SessionMarks], *, actor: User | None,
                    now: datetime | None = None) -> Saved:
    """Makes the stored attendance of the sheet's dates exactly the sheet. :raise AttendanceInvalid: nothing is saved."""
    moment = now or utcnow()
    _check(cohort, sheet, moment)
    if not sheet:
        return Saved(0, 0, 0)
    stored = {(row.session_date, row.user_id): row for row in db.session.scalars(
        in_org(sa.select(SessionAttendance), cohort.org_id)
        .where(SessionAttendance.cohort_id == cohort.id, SessionAttendance.session_date.in_(list(sheet)))
    )}
    removed = [row.id for (day, user_id), row in stored.items() if user_id not in sheet[day].present]
    added: list[dict[str, object]] = []
    changed: list[dict[str, object]] = []
    for day, marks in sheet.items():
        minutes = marks.minutes or cohort.session_minutes
        for user_id in sorted(marks.present):
            row = stored.get((day, user_id))
            if row is None:
                added.append({"org_id": cohort.org_id, "cohort_id": cohort.id, "session_date": day, "user_id": user_id,
                              "minutes": minutes, "recorded_at": moment, "recorded_by_id": actor.id if actor else None})
            elif row.minutes != minutes:
                row.minutes, row.recorded_at, row.recorded_by_id = minutes, moment, actor.id if actor else None
                changed.append({"session_date": day, "user_id": user_id, "minutes": minutes, "recorded_at": moment})
    if removed:
        xapi.attendance_removed(cohort, [key for key, row in stored.items() if row.id in removed], actor)
        db.session.execute(sa.delete(SessionAttendance).where(
            owned_by(SessionAttendance, cohort.org_id), SessionAttendance.id.in_(removed)
        ))
    # A colleague saving the same session at the same moment must not turn into an error.
    insert_rows_ignoring_conflict(SessionAttendance, added, ["cohort_id", "session_date", "user_id"])
    xapi.attended(cohort, added)
    xapi.attendance_changed(cohort, changed, actor)  # the earlier statement voided, a new one with the new minutes
    saved = Saved(len(added), len(removed), len(changed))
    if saved.anything:
        record("cohort.attendance", actor=actor, org_id=cohort.org_id, subject=cohort.name,
               dates=[d.isoformat() for d in sorted(sheet)], added=saved.added, removed=saved.removed,
               changed=saved.changed)
    db.session.flush()
    return saved


@dataclass(frozen=True)
class Sheet:
    """What the attendance page shows: every session, the members, who was there and for how long."""

    sessions: list[tuple[int, date, bool]]  # (week, date, held by now)
    members: list[tuple[User, bool]]  # (person, still in the company)
    present: set[tuple[date, int]]
    minutes: dict[date, int | str]  # recorded length per date (the cohort's session length where none)

    def as_posted(self, form: Mapping[str, str], present: Iterable[str]) -> Sheet:
        """The sheet as the trainer sent it (a refused one), so nothing they ticked or typed is lost."""
        ticked = set()
        for value in present:
            day_text, _sep, user_text = value.partition(":")
            try:
                ticked.add((date.fromisoformat(day_text), int(user_text)))
            except ValueError:
                continue
        typed: dict[date, int | str] = dict(self.minutes)
        for day, _held in ((d, h) for _w, d, h in self.sessions if h):
            if MINUTES_FIELD + day.isoformat() in form:
                typed[day] = form[MINUTES_FIELD + day.isoformat()][:10]
        return Sheet(self.sessions, self.members, ticked, typed)


def sheet_of(cohort: Cohort, now: datetime | None = None) -> Sheet:
    """The attendance page's data in two queries."""
    moment = now or utcnow()
    members = db.session.scalars(
        sa.select(User).join(CohortMember, CohortMember.user_id == User.id)
        .where(owned_by(CohortMember, cohort.org_id), CohortMember.cohort_id == cohort.id).order_by(*User.name_order())
        .options(lazyload(User.role_rows))  # roles are not shown
    ).all()
    rows = db.session.execute(
        in_org(sa.select(SessionAttendance.session_date, SessionAttendance.user_id, SessionAttendance.minutes),
               cohort.org_id, SessionAttendance).where(SessionAttendance.cohort_id == cohort.id)
    ).all()
    minutes: dict[date, int | str] = {day: cohort.session_minutes for _w, day, _s in session_dates(cohort)}
    minutes.update({day: m for day, _u, m in rows})
    return Sheet(
        sessions=[(week, day, start <= moment) for week, day, start in session_dates(cohort)],
        members=[(user, user.is_active) for user in members],
        present={(day, user_id) for day, user_id, _m in rows},
        minutes=minutes,
    )
