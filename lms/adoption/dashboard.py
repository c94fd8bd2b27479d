"""What the executive dashboard shows, read from the weekly rollups and grouped counts only.

Every figure about a group smaller than the company's `min_group` is None, which
pages and exports show as "—". Nothing here returns one person's answers.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from lms.adoption import rules, service
from lms.adoption.models import AdoptionSettings, UsageCheckin, UsageCount, UsageRollup
from lms.adoption.survey import SURVEY
from lms.core import clock
from lms.core.vocab import barrier_label, task_label
from lms.cohorts import queries as cohort_queries
from lms.exercises import queries as exercise_queries
from lms.extensions import db
from lms.orgs.models import Department, Organization
from lms.tenancy import owned_by
from lms.usage.models import UsageTelemetry
from lms.usecases import stats as usecase_stats

CHART_WEEKS = rules.CHART_WEEKS
RECENT_WEEKS = 4  # "where AI is used", minutes saved: the last four complete weeks
MONTHS = 6
SOURCE_WEEKS = 8  # self-report beside telemetry, company-wide: the last eight complete weeks


@dataclass(frozen=True)
class GroupRow:
    name: str
    people: int
    completion: float | None  # share of (member, course) pairs completed in the company's cohorts
    active: float | None
    habitual: float | None
    hours_month: float | None


@dataclass(frozen=True)
class CohortRow:
    id: int
    name: str
    members: int
    completion: float | None
    finished: bool
    # Weeks after the end → share of members active that week (None: too few people or not reached yet).
    persistence: dict[int, float | None]


@dataclass(frozen=True)
class PracticeRow:
    """Prompt practice of one group; every figure None below the company's small-group threshold."""

    name: str
    people: int | None  # people who wrote at least one prompt
    attempts: int | None
    pass_rate: float | None
    blocked_prompts: int | None  # prompts the personal-data guard stopped
    blocked_people: int | None  # people stopped at least once


@dataclass(frozen=True)
class SourceComparison:
    """One week, for the employees of a group with vendor telemetry: the two sources side by side, aggregates only.

    Every figure is None below the company's small-group threshold (on `people`), and for a department
    also when it is hidden so that a smaller one cannot be worked out from the company total.
    """

    people: int  # employees with telemetry that week
    telemetry_active: float | None  # share active by telemetry
    self_active: float | None  # share of the same people who reported 1+ days
    telemetry_only: int | None  # active by telemetry, no use reported (or no check-in)
    self_only: int | None  # use reported, none in the telemetry
    name: str = ""  # the department's name ("" for people without one, and for the company)
    kinds: tuple[str, ...] = ()  # the company's: the sources of that week's telemetry (a vendor's, "api" for events)


@dataclass(frozen=True)
class Sources:
    """Self-report beside telemetry: last week for the company and per department, and the recent weeks."""

    company: SourceComparison | None  # None: no telemetry for last week
    departments: list[SourceComparison]
    weeks: list[tuple[date, SourceComparison]]  # company-wide, oldest first, from the first week with telemetry


@dataclass
class Dashboard:
    org: Organization
    settings: AdoptionSettings
    thresholds: rules.Thresholds
    week: date  # the last complete week: the headline figures are about it
    has_data: bool
    stage: rules.StageAssessment
    company: GroupRow
    departments: list[GroupRow]
    weeks: list[date]
    active_series: list[float | None]
    habitual_series: list[float | None]
    months: list[tuple[date, float | None]]  # (first of month, hours saved)
    tasks: list[tuple[str, float | None]]
    tools: list[tuple[str, float | None]]
    barriers: list[tuple[str, float | None]]
    monthly_hours: float | None
    costs: rules.Costs
    training_return: rules.Return | None
    cohorts: list[CohortRow] = field(default_factory=list)
    survey: list[tuple[rules.Stage, float | None]] = field(default_factory=list)
    practice: list[PracticeRow] = field(default_factory=list)  # per department, then the whole company
    # Adoption by use case, from workshop trials (measured minutes only); see lms.usecases.stats.
    usecases: usecase_stats.CompanyUsecases | None = None
    sources: SourceComparison | None = None  # None: no telemetry imported for last week
    # Last week's comparison per department (people without one last), hidden as `rules.hidden_groups` says.
    source_departments: list[SourceComparison] = field(default_factory=list)
    source_weeks: list[tuple[date, SourceComparison]] = field(default_factory=list)  # the last SOURCE_WEEKS


def build(org: Organization, now: datetime | None = None) -> Dashboard:
    settings = service.settings_for(org.id)
    t = service.thresholds(settings)
    week = service.this_week(now) - timedelta(weeks=1)
    first = week - timedelta(weeks=CHART_WEEKS - 1)
    rollups = list(db.session.scalars(
        sa.select(UsageRollup).where(owned_by(UsageRollup, org), UsageRollup.week >= first, UsageRollup.week <= week)
    ))
    by_week: dict[date, list[UsageRollup]] = defaultdict(list)
    for r in rollups:
        by_week[r.week].append(r)
    latest = by_week.get(week, [])
    names = dict(db.session.execute(
        sa.select(Department.id, Department.name).where(owned_by(Department, org))
    ).all())
    completion = cohort_queries.completion_by_department(org.id)
    recent = [week - timedelta(weeks=i) for i in range(RECENT_WEEKS)]
    recent_rollups = [r for w in recent for r in by_week.get(w, [])]
    answered_weeks = len({r.week for r in recent_rollups}) or 1

    def minutes_of(rows: list[UsageRollup]) -> float:
        return sum(r.minutes_saved for r in rows) / answered_weeks

    def row(name: str, groups: list[UsageRollup], recent_groups: list[UsageRollup], done: tuple[int, int],
            hide: bool = False) -> GroupRow:
        people = sum(g.people for g in groups)
        total, completed = done
        hours = rules.monthly_hours(minutes_of(recent_groups)) if recent_groups else None

        def shown(value: float | None) -> float | None:
            return None if hide else rules.shown(people, value, t)

        return GroupRow(
            name=name, people=people,
            completion=shown(completed / total if total else None),
            active=shown(sum(g.active for g in groups) / people if people else None),
            habitual=shown(sum(g.habitual for g in groups) / people if people else None),
            hours_month=shown(hours),
        )

    keys = sorted({r.department_key for r in latest}, key=lambda k: (k == 0, names.get(k, "")))
    # A department's figures stay hidden when the company row less the shown departments would give them.
    hidden = rules.hidden_groups([sum(r.people for r in latest if r.department_key == k) for k in keys], t)
    departments = [
        row(names.get(key, "") if key else "", [r for r in latest if r.department_key == key],
            [r for r in recent_rollups if r.department_key == key], completion.get(key, (0, 0)), i in hidden)
        for i, key in enumerate(keys)
    ]
    company_done = (sum(v[0] for v in completion.values()), sum(v[1] for v in completion.values()))
    company = row(org.name, latest, recent_rollups, company_done)

    groups = [
        rules.GroupUsage(people=r.people, active=r.active, habitual=r.habitual, is_department=r.department_key != 0)
        for r in latest
    ]
    stage = rules.company_stage(groups, service.declared(settings), t)

    weeks = [first + timedelta(weeks=i) for i in range(CHART_WEEKS)]
    weeks = [w for w in weeks if w >= min(by_week, default=week)]
    active_series, habitual_series = [], []
    for w in weeks:
        rows = by_week.get(w, [])
        people = sum(r.people for r in rows)
        active_series.append(rules.shown(people, sum(r.active for r in rows) / people if people else None, t))
        habitual_series.append(rules.shown(people, sum(r.habitual for r in rows) / people if people else None, t))

    monthly_hours = company.hours_month
    costs = rules.Costs(
        training_fee=settings.training_fee, licence_per_month=settings.licence_per_month,
        training_hours_per_person=settings.training_hours_per_person, people_trained=cohort_queries.people_trained(org.id),
        hourly_cost=settings.hourly_cost, expected_subsidy=settings.expected_subsidy,
    )
    ret = rules.training_return(monthly_hours, costs, settings.realisation_pct / 100) if monthly_hours is not None else None
    if ret is not None and costs.upfront() == 0 and costs.licence_per_month == 0:
        ret = replace(ret, payback_month=None)  # no cost entered: nothing to pay back, not "month 0"

    responses = sum(r.responses for r in recent_rollups) / answered_weeks
    sources = source_comparison(org.id, week, t, names)
    return Dashboard(
        org=org, settings=settings, thresholds=t, week=week, has_data=bool(latest), stage=stage,
        company=company, departments=departments, weeks=weeks, active_series=active_series,
        habitual_series=habitual_series, months=_months(by_week, week, company.people, t),
        tasks=_shares(org.id, recent, answered_weeks, "task", responses, t, task_label),
        tools=_shares(org.id, recent, answered_weeks, "tool", responses, t, str),
        barriers=_shares(org.id, recent, answered_weeks, "barrier", responses, t, barrier_label),
        monthly_hours=monthly_hours, costs=costs, training_return=ret,
        cohorts=_cohort_rows(org.id, now, t), survey=_survey_rows(), practice=_practice_rows(org, names, t),
        usecases=usecase_stats.company_usecases(org, t, names),
        sources=sources.company, source_departments=sources.departments, source_weeks=sources.weeks,
    )


def source_comparison(org_id: int, week: date, t: rules.Thresholds, names: dict[int, str]) -> Sources:
    """Self-report beside vendor telemetry, over the employees who have telemetry: `week` for the company
    and each department (`names`: department id to name), and company-wide for the SOURCE_WEEKS up to `week`.

    One query for the figures and one for the names of the sources; the per-person rows it reads never
    leave this function.
    """
    weeks = [week - timedelta(weeks=n) for n in range(SOURCE_WEEKS - 1, -1, -1)]
    by_week: dict[date, list[tuple[int | None, rules.Agreement | None]]] = defaultdict(list)
    for seen_week, department_id, days, said in db.session.execute(_person_weeks(org_id, weeks)):
        by_week[seen_week].append((department_id, rules.agreement(said, days)))
    latest = by_week.get(week, [])
    # From the first week with telemetry: a company that started importing lately has no empty rows before it.
    shown_weeks = [w for w in weeks if by_week and w >= min(by_week)]
    trend = [(w, _compared([a for _, a in by_week.get(w, [])], t)) for w in shown_weeks]
    if not latest:
        return Sources(None, [], trend)
    groups: dict[int, list[rules.Agreement | None]] = defaultdict(list)
    for department_id, found in latest:
        groups[department_id or 0].append(found)
    keys = sorted(groups, key=lambda k: (k == 0, names.get(k, ""), k))
    hidden = rules.hidden_groups([len(groups[k]) for k in keys], t)
    departments = [_compared(groups[k], t, name=names.get(k, "") if k else "", hide=i in hidden)
                   for i, k in enumerate(keys)]
    kinds = tuple(db.session.scalars(
        sa.select(UsageTelemetry.source).distinct()
        .where(owned_by(UsageTelemetry, org_id), UsageTelemetry.week_start == week).order_by(UsageTelemetry.source)))
    return Sources(replace(_compared([a for _, a in latest], t), kinds=kinds), departments, trend)


def _person_weeks(org_id: int, weeks: list[date]) -> sa.Select[date, int | None, int, int | None]:
    """(week, department, telemetry days, reported days) of each employee with telemetry in `weeks`."""
    employees = service.employees(org_id).subquery()
    seen = (
        sa.select(UsageTelemetry.user_id, UsageTelemetry.week_start, sa.func.max(UsageTelemetry.active_days).label("days"))
        .where(owned_by(UsageTelemetry, org_id), UsageTelemetry.week_start.in_(weeks))
        .group_by(UsageTelemetry.user_id, UsageTelemetry.week_start).subquery()
    )
    return (
        sa.select(seen.c.week_start, employees.c.department_id, seen.c.days, UsageCheckin.days_used)
        .join(employees, employees.c.id == seen.c.user_id)
        .outerjoin(UsageCheckin, sa.and_(owned_by(UsageCheckin, org_id), UsageCheckin.user_id == seen.c.user_id,
                                         UsageCheckin.week == seen.c.week_start))
    )


def _compared(found: list[rules.Agreement | None], t: rules.Thresholds, name: str = "",
              hide: bool = False) -> SourceComparison:
    """One group's comparison; its figures None under the threshold or when `hide` (complementary suppression)."""
    people = len(found)

    def shown(value: float | int | None) -> float | int | None:
        return None if hide else rules.shown(people, value, t)

    def share(*kinds: rules.Agreement) -> float | None:
        return sum(1 for a in found if a in kinds) / people if people else None

    return SourceComparison(
        people=people,
        telemetry_active=shown(share(rules.Agreement.BOTH_ACTIVE, rules.Agreement.TELEMETRY_ONLY)),
        self_active=shown(share(rules.Agreement.BOTH_ACTIVE, rules.Agreement.SELF_ONLY)),
        telemetry_only=shown(found.count(rules.Agreement.TELEMETRY_ONLY)),  # type: ignore[arg-type]
        self_only=shown(found.count(rules.Agreement.SELF_ONLY)),  # type: ignore[arg-type]
        name=name,
    )


def _practice_rows(org: Organization, names: dict[int, str], t: rules.Thresholds) -> list[PracticeRow]:
    """Counts only, each through the threshold on the number of people who practised in the group."""
    departments, company = exercise_queries.practice_counts(org)

    def row(name: str, c: exercise_queries.PracticeCounts, hide: bool = False) -> PracticeRow:
        def shown(value: float | int | None) -> float | int | None:
            return None if hide else rules.shown(c.people, value, t)

        return PracticeRow(
            name=name, people=shown(c.people), attempts=shown(c.attempts),  # type: ignore[arg-type]
            pass_rate=shown(c.passed / c.attempts if c.attempts else None),
            blocked_prompts=shown(c.blocked_revisions), blocked_people=shown(c.blocked_people),  # type: ignore[arg-type]
        )

    ordered = sorted(departments, key=lambda c: (c.department_id is None, names.get(c.department_id or 0, "")))
    hidden = rules.hidden_groups([c.people for c in ordered], t)  # never derivable from the company row
    rows = [row(names.get(c.department_id, "") if c.department_id else "", c, i in hidden) for i, c in enumerate(ordered)]
    return (rows + [row(org.name, company)]) if company.people else []


def _months(by_week: dict[date, list[UsageRollup]], week: date, people: int, t: rules.Thresholds
            ) -> list[tuple[date, float | None]]:
    """Hours saved in each of the last months (a week belongs to the month of its Monday)."""
    totals: dict[date, float] = defaultdict(float)
    for w, rows in by_week.items():
        totals[w.replace(day=1)] += sum(r.minutes_saved for r in rows) / 60
    month = week.replace(day=1)
    out = []
    for _ in range(MONTHS):
        out.append((month, rules.shown(people, totals.get(month, 0.0), t)))
        month = (month - timedelta(days=1)).replace(day=1)
    return [m for m in reversed(out) if m[0] >= min(by_week, default=week).replace(day=1)]


def _shares(org_id: int, weeks: list[date], answered_weeks: int, dimension: str, responses: float,
            t: rules.Thresholds, label: Callable[[str], str]) -> list[tuple[str, float | None]]:
    """Each answer's share of the average answered week's responses, most named first.

    Both averages are over the weeks that have answers, or one week's answers would count a quarter.
    """
    rows = db.session.execute(
        sa.select(UsageCount.code, sa.func.sum(UsageCount.count))
        .where(owned_by(UsageCount, org_id), UsageCount.week.in_(weeks), UsageCount.dimension == dimension)
        .group_by(UsageCount.code).order_by(sa.func.sum(UsageCount.count).desc(), UsageCount.code)
    ).all()
    per_week = answered_weeks
    return [
        (label(code), rules.shown(int(responses), (total / per_week) / responses if responses else None, t))
        for code, total in rows
    ]


def _cohort_rows(org_id: int, now: datetime | None, t: rules.Thresholds) -> list[CohortRow]:
    today = clock.today(now)
    last_complete = service.this_week(now) - timedelta(weeks=1)
    summaries = cohort_queries.cohort_summaries(org_id)
    # Persistence: who of a finished cohort was active 4, 8 and 12 weeks after its last week.
    asked: dict[int, dict[int, date]] = {}
    for summary in summaries:
        if today > summary.ends_on:
            end_week = rules.week_start(summary.ends_on)
            asked[summary.cohort.id] = {after: end_week + timedelta(weeks=after) for after in (4, 8, 12)}
    reached = {w for weeks in asked.values() for w in weeks.values() if w <= last_complete}
    active: dict[tuple[int, date], int] = {}
    if reached:
        members = cohort_queries.memberships(org_id)
        active = {(cohort_id, week): n for cohort_id, week, n in db.session.execute(
            sa.select(members.c.cohort_id, UsageCheckin.week, sa.func.count())
            .join(members, members.c.user_id == UsageCheckin.user_id)
            .where(owned_by(UsageCheckin, org_id), UsageCheckin.week.in_(reached), UsageCheckin.days_used > 0,
                   members.c.cohort_id.in_(asked))
            .group_by(members.c.cohort_id, UsageCheckin.week)
        )}
    out = []
    for summary in summaries:
        size, cohort = summary.members, summary.cohort
        persistence: dict[int, float | None] = {}
        for after, w in asked.get(cohort.id, {}).items():
            value = active.get((cohort.id, w), 0) / size if w in reached and size else None
            persistence[after] = rules.shown(size, value, t)
        out.append(CohortRow(
            id=cohort.id, name=cohort.name, members=size, finished=today > summary.ends_on, persistence=persistence,
            completion=rules.shown(
                size, summary.completions / summary.enrolments if summary.enrolments else None, t),
        ))
    return out


def _survey_rows() -> list[tuple[rules.Stage, float | None]]:
    return [(stage, SURVEY["stages"].get(stage)) for stage in rules.Stage]
