"""A cohort's calendar as plain functions of dates: weeks, module openings, sessions, pace.

No Flask and no database here, so every rule can be tested with any clock.
Week 1 starts on the cohort's start date; week n starts 7 × (n - 1) days later.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class CohortCalendar:
    start_date: date
    session_weekday: int  # 0 = Monday
    session_time: time
    session_minutes: int
    weeks: int
    zone: ZoneInfo

    def week_of(self, day: date) -> int:
        """The cohort week a local date falls in: 0 or less before the start, above `weeks` after the end."""
        return (day - self.start_date).days // 7 + 1

    def week_starts_on(self, week: int) -> date:
        return self.start_date + timedelta(days=7 * (week - 1))

    def ends_on(self) -> date:
        """The last day of the last week."""
        return self.week_starts_on(self.weeks) + timedelta(days=6)

    def is_finished(self, today: date) -> bool:
        return today > self.ends_on()

    def session_start(self, week: int) -> datetime:
        """The week's session: the first session weekday on or after the week's first day, local time."""
        first = self.week_starts_on(week)
        day = first + timedelta(days=(self.session_weekday - first.weekday()) % 7)
        return datetime.combine(day, self.session_time, tzinfo=self.zone)

    def sessions(self) -> list[tuple[int, datetime, datetime]]:
        """(week, start, end) of every weekly session, aware in the cohort's zone."""
        length = timedelta(minutes=self.session_minutes)
        return [(w, s, s + length) for w in range(1, self.weeks + 1) for s in [self.session_start(w)]]

    def next_session(self, now: datetime) -> tuple[int, datetime] | None:
        for week, start, end in self.sessions():
            if end > now:
                return week, start
        return None


def module_opens_on(calendar: CohortCalendar, module_week: int) -> date:
    """A module opens on the first day of its week (modules past the cohort's weeks open in the last week)."""
    return calendar.week_starts_on(max(1, min(module_week, calendar.weeks)))


def due_weeks(current_week: int, joined_week: int) -> range:
    """Module weeks a member should have finished by now: from the week they joined up to last week.

    Someone added in week 4 sees weeks 1-3 open but is not counted behind for
    them; they are expected to keep pace from the week they joined.
    """
    return range(max(1, joined_week), current_week)


def is_behind(done_by_week: dict[int, bool], current_week: int, joined_week: int) -> bool:
    """Behind = some module due by now is not done. `done_by_week[w]`: every required lesson of week w is done."""
    return any(not done_by_week.get(week, True) for week in due_weeks(current_week, joined_week))


def reminder_moment(today: date, weekday: int, hour: int, zone: ZoneInfo) -> datetime:
    """This week's (Monday-Sunday) reminder time for a company, as an aware UTC instant."""
    monday = today - timedelta(days=today.weekday())
    local = datetime.combine(monday + timedelta(days=weekday), time(hour=hour), tzinfo=zone)
    return local.astimezone(timezone.utc)


def sessions_overlap(a: CohortCalendar, b: CohortCalendar) -> datetime | None:
    """The first session of `a` that overlaps one of `b` in time, or None."""
    b_sessions = b.sessions()
    for _, start, end in a.sessions():
        for _, other_start, other_end in b_sessions:
            if start < other_end and other_start < end:
                return start
    return None
