"""Usage events a company's own system posts (POST /api/v1/usage-events): checked all or nothing, kept, rolled up.

An event says "this person used AI at this moment" (an in-house AI gateway, an internal tool). Each is
kept in `usage_events` under the sender's own id, unique per company, so sending it again changes
nothing. The weekly roll-up is vendor-like telemetry in `usage_telemetry` with source "api":
active days = distinct Japan dates with events in that Monday week, recomputed from the kept events
for every (person, week) a request touches, in the same transaction, then the adoption rollups are
refreshed by the same hook a file import calls.

The checks that need no database (times, repeats inside one request, a re-sent id with other content)
are pure functions; `record_events` adds the company's people and the events already kept.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Iterable, cast

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import User
from lms.adoption import dashboard, rules, service as adoption_service
from lms.audit.service import record
from lms.core.clock import utcnow, week_start
from lms.extensions import db
from lms.orgs.models import Organization
from lms.tenancy import in_org
from lms.usage.models import UsageEvent, UsageTelemetry
from lms.usage.sources import API, JST

MAX_EVENTS = 500
CLOCK_SKEW = timedelta(minutes=5)  # a sender's clock a little ahead of ours is not "the future"
MAX_AGE = timedelta(days=400)

MESSAGES = {
    "unknown_user": "No such person in this company.",
    "in_future": "The time is in the future.",
    "too_old": "The time is more than 400 days ago.",
    "changed": "An event with this id was already received with different content.",
    "repeated": "This id appears earlier in the request with different content.",
}


@dataclass(frozen=True)
class EventIn:
    client_id: str
    user_id: int
    occurred_at: datetime  # timezone-aware
    tool: str = ""

    def same_as(self, other: EventIn | UsageEvent) -> bool:
        return (self.user_id == other.user_id and self.occurred_at == other.occurred_at
                and self.tool == other.tool)


@dataclass(frozen=True)
class EventProblem:
    index: int  # position in the request's list
    field: str
    code: str

    def detail(self) -> dict[str, str]:
        return {"field": f"events.{self.index}.{self.field}", "message": MESSAGES[self.code]}


class EventsInvalid(Exception):
    """Some events break a rule (unknown person, time out of range): nothing is written."""

    def __init__(self, problems: list[EventProblem]) -> None:
        super().__init__(", ".join(f"{p.index}:{p.code}" for p in problems[:5]))
        self.problems = problems

    def details(self) -> list[dict[str, str]]:
        return [p.detail() for p in self.problems]


class EventsConflict(EventsInvalid):
    """Some ids were already received (or repeated in the request) with other content: nothing is written.

    With no problems listed, another request wrote the same new ids at the same moment: send again.
    """


@dataclass(frozen=True)
class WeekDays:
    user_id: int
    week: date
    active_days: int


@dataclass(frozen=True)
class EventsResult:
    accepted: int
    duplicates: int
    weeks: list[WeekDays]  # every (person, week) the request's events fall in, as the telemetry now says

    def as_dict(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "duplicates": self.duplicates,
                "weeks": [{"user_id": w.user_id, "week": w.week, "active_days": w.active_days} for w in self.weeks]}


def japan_day(moment: datetime) -> date:
    """The Japan date of an aware instant: an event at 23:30 UTC on Sunday is Monday in Japan."""
    return moment.astimezone(JST).date()


def time_problems(events: list[EventIn], now: datetime) -> list[EventProblem]:
    """Events in the future (beyond a small clock skew) or older than MAX_AGE."""
    problems = []
    for index, event in enumerate(events):
        if event.occurred_at > now + CLOCK_SKEW:
            problems.append(EventProblem(index, "occurred_at", "in_future"))
        elif event.occurred_at < now - MAX_AGE:
            problems.append(EventProblem(index, "occurred_at", "too_old"))
    return problems


def sort_out(events: list[EventIn], kept: dict[str, UsageEvent]) -> tuple[list[EventIn], int, list[EventProblem]]:
    """Split a request into new events and duplicates; a known id with other content is a problem.

    An id repeated inside the request counts once: an identical repeat is a duplicate, a different one a problem.
    """
    fresh: dict[str, EventIn] = {}
    duplicates = 0
    problems = []
    for index, event in enumerate(events):
        earlier: EventIn | UsageEvent | None = kept.get(event.client_id) or fresh.get(event.client_id)
        if earlier is None:
            fresh[event.client_id] = event
        elif event.same_as(earlier):
            duplicates += 1
        else:
            problems.append(EventProblem(index, "id", "changed" if event.client_id in kept else "repeated"))
    return list(fresh.values()), duplicates, problems


def roll_up(days: Iterable[tuple[int, date, str]]) -> dict[tuple[int, date], tuple[int, dict[str, Any]]]:
    """(person, Japan date, tool) of events -> per (person, week): active days and the detail kept beside them."""
    dates: dict[tuple[int, date], set[date]] = defaultdict(set)
    tools: dict[tuple[int, date], Counter[str]] = defaultdict(Counter)
    for user_id, day, tool in days:
        key = (user_id, week_start(day))
        dates[key].add(day)
        tools[key][tool] += 1
    return {key: (len(dates[key]), {"events": sum(tools[key].values()),
                                    "tools": {t: n for t, n in sorted(tools[key].items()) if t}})
            for key in dates}


# --- with the database ---------------------------------------------------------------------------

def _unknown_people(org: Organization, events: list[EventIn]) -> list[EventProblem]:
    """Events naming someone who is not a person of `org` (another company's or nobody: the same answer)."""
    ids = {e.user_id for e in events}
    known = set(db.session.scalars(in_org(sa.select(User.id), org).where(User.id.in_(ids))))
    return [EventProblem(i, "user_id", "unknown_user") for i, e in enumerate(events) if e.user_id not in known]


def _kept(org: Organization, events: list[EventIn]) -> dict[str, UsageEvent]:
    stmt = in_org(sa.select(UsageEvent), org).where(UsageEvent.client_id.in_({e.client_id for e in events}))
    return {e.client_id: e for e in db.session.scalars(stmt)}


def _refresh_telemetry(org: Organization, pairs: set[tuple[int, date]], now: datetime) -> tuple[list[WeekDays], set[date]]:
    """Recompute the "api" telemetry of (person, week) pairs from the kept events; returns them and the changed weeks."""
    users, weeks = {u for u, _ in pairs}, {w for _, w in pairs}
    rows = db.session.execute(in_org(sa.select(UsageEvent.user_id, UsageEvent.day, UsageEvent.tool), org).where(
        UsageEvent.user_id.in_(users), UsageEvent.week_start.in_(weeks)))
    rolled = roll_up((user_id, day, tool) for user_id, day, tool in rows)
    existing = {(t.user_id, t.week_start): t for t in db.session.scalars(in_org(sa.select(UsageTelemetry), org).where(
        UsageTelemetry.source == API, UsageTelemetry.user_id.in_(users), UsageTelemetry.week_start.in_(weeks)))}
    changed: set[date] = set()
    out = []
    for user_id, week in sorted(pairs):
        days, detail = rolled[(user_id, week)]
        out.append(WeekDays(user_id, week, days))
        row = existing.get((user_id, week))
        if row is None:
            db.session.add(UsageTelemetry(org_id=org.id, user_id=user_id, week_start=week, source=API,
                                          active_days=days, detail=detail, import_id=None, updated_at=now))
        elif row.active_days != days or row.detail != detail:
            row.active_days, row.detail, row.updated_at = days, detail, now
        else:
            continue
        changed.add(week)
    db.session.flush()
    return out, changed


def record_events(org: Organization, events: list[EventIn], *, token_id: int | None,
                  now: datetime | None = None) -> EventsResult:
    """Keep a request's events all or nothing, roll them up and refresh adoption. The caller commits; flushes only.

    :raise EventsInvalid: an unknown person or a time out of range (nothing written).
    :raise EventsConflict: a known id with other content (or, should the lock ever not hold, a parallel request's).
    """
    now = now or utcnow()
    problems = sorted(time_problems(events, now) + _unknown_people(org, events), key=lambda p: (p.index, p.field))
    if problems:
        raise EventsInvalid(problems)
    # One writer per company from here: a parallel request's events are committed and seen (as duplicates, or
    # in the roll-up of a week both touch) before this one reads, never half-way.
    adoption_service.lock_company(org.id)
    fresh, duplicates, conflicts = sort_out(events, _kept(org, events))
    if conflicts:
        raise EventsConflict(conflicts)
    try:
        with db.session.begin_nested():
            rows = []
            for event in fresh:
                day = japan_day(event.occurred_at)
                rows.append({"org_id": org.id, "client_id": event.client_id, "user_id": event.user_id,
                             "occurred_at": event.occurred_at, "day": day, "week_start": week_start(day),
                             "tool": event.tool, "token_id": token_id, "received_at": now})
            if rows:
                # Core, not the ORM's bulk path: one executemany and no per-row attribute bookkeeping
                db.session.execute(sa.insert(cast(sa.Table, UsageEvent.__table__)), rows)
    except IntegrityError:
        raise EventsConflict([]) from None
    weeks, changed = _refresh_telemetry(org, {(e.user_id, week_start(japan_day(e.occurred_at))) for e in events}, now)
    if changed:
        adoption_service.telemetry_imported(org.id, changed, now)
    if fresh:
        record("usage.events_posted", actor=None, org_id=org.id, subject=f"token {token_id}",
               accepted=len(fresh), duplicates=duplicates)
    return EventsResult(len(fresh), duplicates, weeks)


# --- reading: one week's telemetry, aggregates only --------------------------------------------

def week_figures(org: Organization, day: date | None = None) -> dict[str, Any]:
    """The telemetry of `day`'s week (default: the last complete week) for `org`'s employees, every source together
    and each alone, with the self-report beside it; every share is None under the company's small-group threshold
    (people are counted, never named)."""
    week = week_start(day) if day is not None else adoption_service.this_week() - timedelta(weeks=1)
    t = adoption_service.thresholds(adoption_service.settings_for(org.id))
    employees = adoption_service.employee_ids(org.id)
    rows = db.session.execute(in_org(sa.select(UsageTelemetry.source, UsageTelemetry.user_id, UsageTelemetry.active_days),
                                     org).where(UsageTelemetry.week_start == week))
    by_source: dict[str, dict[int, int]] = defaultdict(dict)
    for source, user_id, days in rows:
        if user_id in employees:
            by_source[source][user_id] = days
    both = dashboard.source_comparison(org.id, week, t, {}).company

    def active(seen: dict[int, int]) -> float | None:
        return rules.shown(len(seen), sum(1 for d in seen.values() if d > 0) / len(seen), t)

    return {
        "week": week, "min_group": t.min_group, "people": both.people if both else 0,
        "active": both.telemetry_active if both else None, "self_active": both.self_active if both else None,
        "sources": [{"source": source, "people": len(seen), "active": active(seen)}
                    for source, seen in sorted(by_source.items())],
    }
