"""Writing check-ins and keeping the weekly rollups current, in the same transaction."""
from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Callable, Collection, Mapping

import sqlalchemy as sa

from lms.accounts.models import User, UserRole
from lms.accounts.roles import Role
from lms.adoption import rules
from lms.adoption.models import (
    AdoptionSettings, UsageBaseline, UsageCheckin, UsageCheckinRevision, UsageCount, UsageRollup,
)
from lms.audit.service import record
from lms.cohorts.models import Cohort, CohortMember
from lms.core.vocab import BARRIERS, CUSTOM_TASK, TASKS
from lms.database import insert_ignoring_conflict
from lms.core.clock import utcnow
from lms.extensions import db
from lms.transaction import commit
from lms.core import clock
from lms.orgs.models import Organization
from lms.tenancy import in_org, owned_by
from lms.usage.models import UsageTelemetry
from lms.xapi import service as xapi

log = logging.getLogger(__name__)

COMMENT_MAX = 2000

DEFAULT_TOOLS = "ChatGPT\nMicrosoft Copilot\nGemini\nClaude\n"


def this_week(now: datetime | None = None) -> date:
    """The Monday of the current week in the installation's zone."""
    return rules.week_start(clock.today(now))


def answerable_weeks(now: datetime | None = None) -> tuple[date, date]:
    """This week and the one before: a week can still be answered during the next."""
    current = this_week(now)
    return current, current - timedelta(weeks=1)


# --- settings ----------------------------------------------------------------------------------

def settings_for(org_id: int) -> AdoptionSettings:
    """The company's settings row, created with the defaults on first use (race-safe)."""
    stmt = sa.select(AdoptionSettings).where(owned_by(AdoptionSettings, org_id))
    found = db.session.scalar(stmt)
    if found is not None:
        return found
    insert_ignoring_conflict(AdoptionSettings, _default_settings(org_id), ["org_id"])
    return db.session.scalars(stmt).one()


def _default_settings(org_id: int) -> dict[str, object]:
    defaults = {
        c.name: c.default.arg for c in AdoptionSettings.__table__.columns
        if c.default is not None and not callable(c.default.arg)
    }
    return {**defaults, "org_id": org_id, "tools": DEFAULT_TOOLS}


def thresholds(s: AdoptionSettings) -> rules.Thresholds:
    return rules.Thresholds(
        regular_days=s.regular_days, habitual_weeks=s.habitual_weeks, habitual_active=s.habitual_active,
        established_weeks=s.established_weeks, established_active=s.established_active,
        department_share=s.department_share_pct / 100, company_share=s.company_share_pct / 100,
        min_group=s.min_group,
    )


def declared(s: AdoptionSettings) -> rules.Declared:
    return rules.Declared(approved_tool=s.approved_tool, ai_policy=s.ai_policy, training_for_all=s.training_for_all)


def task_choices(s: AdoptionSettings) -> list[str]:
    """Task codes in display order: the standard list, then the company's own before その他."""
    codes = [c for c in TASKS if c != "other"]
    codes += [CUSTOM_TASK + name for name in s.extra_task_list]
    return codes + ["other"]


def _lock_company(org_id: int) -> AdoptionSettings:
    """Serialise check-in writes of one company, so rollups are rebuilt by one writer at a time.

    The UPDATE takes PostgreSQL's row lock and SQLite's write lock before anything is read.
    """
    settings = settings_for(org_id)
    db.session.execute(
        sa.update(AdoptionSettings).where(owned_by(AdoptionSettings, org_id))
        .values(checkin_reminder=AdoptionSettings.checkin_reminder)
        .execution_options(synchronize_session=False)
    )
    return settings


def lock_company(org_id: int) -> None:
    """The same lock, for another feature's writes that end in `telemetry_imported` (taken again there: harmless)."""
    _lock_company(org_id)


# --- check-ins ---------------------------------------------------------------------------------

@dataclass
class CheckinDraft:
    days_used: int | None
    minutes_bucket: int | None = 0
    tasks: list[str] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    barriers: list[str] = field(default_factory=list)
    comment: str = ""


class CheckinInvalid(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def validate(draft: CheckinDraft, week: date, settings: AdoptionSettings, now: datetime | None = None) -> dict[str, str]:
    """Field name → message (untranslated msgid) for everything wrong with the draft."""
    from flask_babel import gettext as _

    errors: dict[str, str] = {}
    current, previous = answerable_weeks(now)
    if week > current:
        errors["week"] = _("A week that has not started yet cannot be answered.")
    elif week not in (current, previous):
        errors["week"] = _("Only this week and last week can be answered.")
    if draft.days_used is None or not 0 <= draft.days_used <= 7:
        errors["days_used"] = _("Choose a number of days from 0 to 7.")
    if draft.minutes_bucket is None or not 0 <= draft.minutes_bucket < len(rules.MINUTES_BUCKETS):
        errors["minutes_bucket"] = _("Choose one of the listed amounts of time.")
    if set(draft.tasks) - set(task_choices(settings)):
        errors["tasks"] = _("Choose tasks from the list.")
    if set(draft.tools) - set(settings.tool_list):
        errors["tools"] = _("Choose tools from your company's list.")
    if set(draft.barriers) - set(BARRIERS):
        errors["barriers"] = _("Choose from the listed reasons.")
    if len(draft.comment) > COMMENT_MAX:
        errors["comment"] = _("The comment is longer than %(n)d characters.", n=COMMENT_MAX)
    return errors


def save_checkin(user: User, week: date, draft: CheckinDraft, now: datetime | None = None, *,
                 rebuild: bool = True) -> UsageCheckin:
    """Record one person's week; an existing answer is kept as a revision and replaced.

    Rollups of the week and the weeks after it are rebuilt in the same transaction; `rebuild=False` leaves
    that to a caller that writes many answers and rebuilds once (`rebuild_since`), as the demo does.
    :raise CheckinInvalid: nothing is written.
    """
    from flask_babel import gettext as _

    if user.org_id is None or Role.EMPLOYEE not in user.company_roles:
        raise CheckinInvalid({"user": _("Only employees of a company answer the weekly check-in.")})
    now = now or utcnow()
    settings = _lock_company(user.org_id)
    errors = validate(draft, week, settings, now)
    if errors:
        raise CheckinInvalid(errors)
    # Used on zero days means nothing was used for, with, or saved.
    if draft.days_used == 0:
        draft.tasks, draft.tools, draft.minutes_bucket = [], [], 0
    checkin = db.session.scalar(
        sa.select(UsageCheckin).where(
            owned_by(UsageCheckin, user.org_id), UsageCheckin.user_id == user.id, UsageCheckin.week == week
        )
    )
    if checkin is None:
        checkin = UsageCheckin(org_id=user.org_id, user_id=user.id, week=week, created_at=now)
        db.session.add(checkin)
    else:
        db.session.add(UsageCheckinRevision(
            org_id=checkin.org_id, checkin_id=checkin.id, revision=checkin.revision,
            days_used=checkin.days_used, minutes_bucket=checkin.minutes_bucket, tasks=checkin.tasks,
            tools=checkin.tools, barriers=checkin.barriers, comment=checkin.comment, saved_at=checkin.updated_at,
        ))
        checkin.revision += 1
    checkin.days_used = draft.days_used or 0
    checkin.minutes_bucket = draft.minutes_bucket or 0
    checkin.tasks = _ordered(draft.tasks)
    checkin.tools = _ordered(draft.tools)
    checkin.barriers = _ordered(draft.barriers)
    checkin.comment = draft.comment.strip()
    checkin.updated_at = now
    db.session.flush()
    xapi.checked_in(user, checkin)
    if rebuild:
        rebuild_since(user.org_id, week, now, settings)
    return checkin


def rebuild_since(org_id: int, week: date, now: datetime | None = None,
                  settings: AdoptionSettings | None = None) -> None:
    """Rebuild the rollups of `week` and of every week after it up to this one (the habit windows move with it)."""
    current = this_week(now)
    rebuild_weeks(org_id, [week + timedelta(weeks=n) for n in range((current - week).days // 7 + 1)], settings)


def telemetry_imported(org_id: int, weeks: Collection[date], now: datetime | None = None) -> None:
    """Rebuild the rollups a vendor-usage import changed: its weeks and the weeks after them (the habit
    windows), back to the dashboard's first week at most. Same transaction; takes the company's lock."""
    if not weeks:
        return
    current = this_week(now)
    first = max(min(weeks), current - timedelta(weeks=rules.CHART_WEEKS - 1))
    if first > current:
        return
    settings = _lock_company(org_id)
    rebuild_weeks(org_id, [first + timedelta(weeks=n) for n in range((current - first).days // 7 + 1)], settings)


def _ordered(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


# --- rollups -----------------------------------------------------------------------------------

def _employees(org_id: int) -> sa.Select[int, int | None]:
    return (
        sa.select(User.id, User.department_id).join(UserRole, UserRole.user_id == User.id)
        .where(owned_by(User, org_id), User.is_active.is_(True), UserRole.role == Role.EMPLOYEE.value)
    )


def employees(org_id: int) -> sa.Select[int, int | None]:
    """The company's active employees and their departments, as a SELECT to join against."""
    return _employees(org_id)


def employee_ids(org_id: int) -> set[int]:
    """The company's active employees (the people the rollups count)."""
    return {user_id for user_id, _ in db.session.execute(_employees(org_id))}


def rebuild_week(org_id: int, week: date, settings: AdoptionSettings | None = None) -> None:
    """Recompute one company's rollups and answer counts for one week from its check-ins."""
    rebuild_weeks(org_id, [week], settings)


def rebuild_weeks(org_id: int, weeks: list[date], settings: AdoptionSettings | None = None) -> None:
    """Recompute one company's rollups and answer counts for the given weeks from its check-ins."""
    if weeks:
        _write_weeks(org_id, _tally_weeks(org_id, weeks, settings or settings_for(org_id)))


def _window(weeks: list[date], settings: AdoptionSettings) -> tuple[date, date]:
    """The check-in weeks that rebuilding `weeks` reads: the rule window (12 weeks by default) before each."""
    t = thresholds(settings)
    return min(weeks) - timedelta(weeks=max(t.habitual_weeks, t.established_weeks) - 1), max(weeks)


def _tally_weeks(org_id: int, weeks: list[date], settings: AdoptionSettings) -> list[tuple[date, WeekTally]]:
    """Count the weeks (reads only): the company's people once, its check-ins of the window once."""
    t = thresholds(settings)
    first, last = _window(weeks, settings)
    department_of = dict(db.session.execute(_employees(org_id)).all())
    rows = db.session.execute(
        sa.select(UsageCheckin.user_id, UsageCheckin.week, UsageCheckin.days_used, UsageCheckin.minutes_bucket,
                  UsageCheckin.tasks, UsageCheckin.tools, UsageCheckin.barriers)
        .where(owned_by(UsageCheckin, org_id), UsageCheckin.week >= first, UsageCheckin.week <= last)
    ).all()
    active_weeks: dict[int, set[date]] = defaultdict(set)
    by_week: dict[date, dict[int, Any]] = defaultdict(dict)
    for row in rows:
        if row.user_id not in department_of:
            continue  # left the company or no longer an employee
        if row.days_used > 0:
            active_weeks[row.user_id].add(row.week)
        by_week[row.week][row.user_id] = row
    # A week a vendor's export shows as active counts as active too (docs/adoption-rules.md).
    seen_by_week: dict[date, set[int]] = defaultdict(set)
    for user_id, week in db.session.execute(_telemetry_active(org_id, first, last)):
        if user_id in department_of:
            active_weeks[user_id].add(week)
            seen_by_week[week].add(user_id)
    # The habit rules count only the weeks of their window ending with `week`.
    def habit(week: date) -> Callable[[int], tuple[bool, bool]]:
        return lambda user_id: (rules.is_habitual(active_weeks[user_id], week, t),
                                rules.is_established(active_weeks[user_id], week, t))

    return [(week, tally_week(department_of, by_week.get(week, {}), habit(week), t, seen_by_week.get(week, set())))
            for week in weeks]


def _telemetry_active(org_id: int, first: date, last: date) -> sa.Select[int, date]:
    """(user id, week) of the weeks in first..last that any vendor's telemetry shows as active."""
    return (sa.select(UsageTelemetry.user_id, UsageTelemetry.week_start)
            .where(owned_by(UsageTelemetry, org_id), UsageTelemetry.week_start >= first,
                   UsageTelemetry.week_start <= last, UsageTelemetry.active_days > 0)
            .distinct())


def _write_weeks(org_id: int, tallied: list[tuple[date, WeekTally]]) -> None:
    for week, tally in tallied:
        db.session.execute(sa.delete(UsageRollup).where(owned_by(UsageRollup, org_id), UsageRollup.week == week))
        db.session.execute(sa.delete(UsageCount).where(owned_by(UsageCount, org_id), UsageCount.week == week))
        rollup_rows, count_rows = tally.rows(org_id, week)
        if rollup_rows:
            db.session.execute(sa.insert(UsageRollup), rollup_rows)
        if count_rows:
            db.session.execute(sa.insert(UsageCount), count_rows)


def _fingerprint(org_id: int, first: date, last: date) -> tuple[Any, ...]:
    """What a rebuild of weeks `first`..`last` depends on, in three aggregate reads: the check-ins
    and the vendor telemetry (how many, last changed) and the employees (who, in which department)."""
    answers = db.session.execute(
        sa.select(sa.func.count(), sa.func.max(UsageCheckin.updated_at))
        .where(owned_by(UsageCheckin, org_id), UsageCheckin.week >= first, UsageCheckin.week <= last)
    ).one()
    telemetry = db.session.execute(
        sa.select(sa.func.count(), sa.func.max(UsageTelemetry.updated_at))
        .where(owned_by(UsageTelemetry, org_id), UsageTelemetry.week_start >= first, UsageTelemetry.week_start <= last)
    ).one()
    people = _employees(org_id).subquery()
    staff = db.session.execute(sa.select(
        sa.func.count(), sa.func.sum(people.c.id),
        sa.func.sum(people.c.id * sa.func.coalesce(people.c.department_id, 0)),
    )).one()
    return (*answers, *telemetry, *staff)


ROLLUP_FIELDS = ("people", "responses", "active", "regular", "habitual", "established")


@dataclass
class WeekTally:
    """One company's week, per department key: what `usage_rollups` and `usage_counts` hold."""

    groups: dict[int, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    minutes: dict[int, float] = field(default_factory=lambda: defaultdict(float))
    named: Counter[tuple[str, str]] = field(default_factory=Counter)

    def rows(self, org_id: int, week: date) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        rollups = [
            dict(org_id=org_id, week=week, department_key=key, minutes_saved=self.minutes[key],
                 **{k: g[k] for k in ROLLUP_FIELDS})
            for key, g in self.groups.items()
        ]
        counts = [
            dict(org_id=org_id, week=week, dimension=dim, code=code[:100], count=n)
            for (dim, code), n in self.named.items()
        ]
        return rollups, counts


def tally_week(
    department_of: Mapping[int, int | None], answers: Mapping[int, Any],
    habit: Callable[[int], tuple[bool, bool]], t: rules.Thresholds, seen: Collection[int] = (),
) -> WeekTally:
    """Count one week: `answers` by user id (objects with the check-in's fields), `habit(user_id)`
    → (habitual, established), `seen`: people active that week by vendor telemetry. Shared by
    `rebuild_week` and the data generator."""
    tally = WeekTally()
    for user_id, department_id in department_of.items():
        key = department_id or 0
        group = tally.groups[key]
        group["people"] += 1
        answer = answers.get(user_id)
        if answer is None:
            group["active"] += user_id in seen
        else:
            group["responses"] += 1
            use = rules.week_use(answer.days_used, t)
            group["active"] += use >= rules.WeekUse.ACTIVE or user_id in seen
            group["regular"] += use >= rules.WeekUse.REGULAR
            tally.minutes[key] += rules.minutes_midpoint(answer.minutes_bucket)
            tally.named.update(("task", c) for c in answer.tasks)
            tally.named.update(("tool", c) for c in answer.tools)
            tally.named.update(("barrier", c) for c in answer.barriers)
        habitual, established = habit(user_id)
        group["habitual"] += habitual
        group["established"] += established
    return tally


def refresh_rollups(now: datetime | None = None) -> int:
    """Job: rebuild this week and last week for every company with check-ins in the rule window.

    Catches what a check-in write cannot see: people joining, leaving or changing department,
    and the start of a new week. Each company is its own transaction, committed before the
    next begins, and it counts before it locks: the figures are tallied in a read, and the
    company's lock is taken only to check that nothing they depend on changed meanwhile (else
    they are counted again under the lock) and to write them. A company that fails is rolled
    back and logged, and the others go on. Returns the number of companies refreshed.
    """
    current, previous = answerable_weeks(now)
    since = current - timedelta(weeks=12)
    org_ids = list(db.session.scalars(
        sa.select(UsageCheckin.org_id).where(UsageCheckin.week >= since).distinct().order_by(UsageCheckin.org_id)
    ))
    commit()  # end the reading transaction: each company below starts its own
    refreshed = 0
    for org_id in org_ids:
        try:
            refresh_company(org_id, [previous, current])
        except Exception:
            db.session.rollback()
            log.exception("refresh_rollups failed for company %d; the other companies go on", org_id)
            continue
        refreshed += 1
    return refreshed


def refresh_company(org_id: int, weeks: list[date]) -> None:
    """Rebuild `weeks` of one company, holding its write lock only to check and write; commits."""
    settings = settings_for(org_id)
    rule = thresholds(settings)
    window = _window(weeks, settings)
    seen = _fingerprint(org_id, *window)  # before the tally: a change after it is seen below
    tallied = _tally_weeks(org_id, weeks, settings)
    commit()  # the reads end here; SQLite cannot turn a read that others wrote past into a write
    settings = _lock_company(org_id)
    if thresholds(settings) != rule or _fingerprint(org_id, *_window(weeks, settings)) != seen:
        tallied = _tally_weeks(org_id, weeks, settings)  # an answer, a hire or a setting came in meanwhile
    _write_weeks(org_id, tallied)
    commit()


def history(user: User, weeks: int = 26, now: datetime | None = None) -> list[UsageCheckin]:
    """The person's own answers, newest first."""
    since = this_week(now) - timedelta(weeks=weeks)
    return list(db.session.scalars(
        sa.select(UsageCheckin)
        .where(owned_by(UsageCheckin, user.org_id), UsageCheckin.user_id == user.id, UsageCheckin.week >= since)
        .order_by(UsageCheckin.week.desc())
    ))


# --- company settings and a member's starting point -------------------------------------------

# What a company admin may set: every column but the keys.
SETTINGS_FIELDS = frozenset(AdoptionSettings.__table__.columns.keys()) - {"id", "org_id"}


def save_settings(org: Organization, values: Mapping[str, Any], *, actor: User | None) -> AdoptionSettings:
    """Saves the company's adoption settings and rebuilds the rollups the dashboard shows (thresholds change them)."""
    current = settings_for(org.id)
    for name, value in values.items():
        if name in SETTINGS_FIELDS:
            setattr(current, name, value)
    record("adoption.settings", actor=actor, org_id=org.id, subject=org.name)
    week = this_week()
    rebuild_weeks(org.id, [week - timedelta(weeks=back) for back in range(rules.CHART_WEEKS)], current)
    return current


def cohort_member_baseline(cohort: Cohort, user: User) -> tuple[bool, UsageBaseline | None]:
    """Whether `user` is a member of `cohort`, and their starting-point answers if given."""
    member = db.session.scalar(in_org(sa.select(CohortMember.id), cohort.org_id).where(
        CohortMember.cohort_id == cohort.id, CohortMember.user_id == user.id))
    existing = db.session.scalar(in_org(sa.select(UsageBaseline), cohort.org_id).where(
        UsageBaseline.cohort_id == cohort.id, UsageBaseline.user_id == user.id))
    return member is not None, existing


BASELINE_FIELDS = frozenset(UsageBaseline.__table__.columns.keys()) - {"id", "org_id", "cohort_id", "user_id"}


def save_baseline(cohort: Cohort, user: User, values: Mapping[str, Any]) -> UsageBaseline:
    """A member's answers before the cohort: minutes a week on the key tasks, and current use."""
    _member, row = cohort_member_baseline(cohort, user)
    if row is None:
        row = UsageBaseline(org_id=cohort.org_id, cohort_id=cohort.id, user_id=user.id)
        db.session.add(row)
    for name, value in values.items():
        if name in BASELINE_FIELDS:
            setattr(row, name, value)
    db.session.flush()
    return row
