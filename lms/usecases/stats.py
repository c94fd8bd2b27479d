"""Adoption by use case: counts read from workshop trials, for executives, org admins and the provider.

Every figure is an aggregate from grouped SQL over `usecase_trials`; no row is
ever loaded to be counted in Python. Executives get counts per department and
per case, through the company's small-group threshold exactly as the rest of
the dashboard (`lms.adoption.rules.shown`): a department with fewer people than
`min_group` keeps its row with every figure None ("—"); a case with fewer
people is not named but merged into one "other cases" row, itself hidden when
still too small.

Definitions (docs/adoption-rules.md, "Use cases"):

* a person *tried* a case when they have a trial of it, whatever its status;
* a case is *adopted* by a person whose report is adopted or adapted;
* time saved is *measured* only: adopted or adapted trials with minutes both
  before and after, summed as (before − after) minutes a week and converted to
  hours a month with `rules.monthly_hours` (52 weeks over 12 months). A trial
  that got slower counts negative; totals are shown as measured, never clamped.
  The case's own `minutes` figure (an example or a cited figure) is never read
  here, so it can never be added into a total.
* the department is the trial's snapshot taken when the case was picked.

Champions (org admins only): people who shared an adapted prompt *named*
(their opt-in) that colleagues picked and adopted. An anonymous share never
names its author, to anyone.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from lms.accounts.models import User
from lms.adoption import rules
from lms.adoption.models import AdoptionSettings
from lms.extensions import db
from lms.orgs.models import Department, Organization
from lms.tenancy import in_org, owned_by
from lms.usecases.models import Usecase, UsecaseTrial

TOP_CASES = 10
PROVIDER_TOP_CASES = 20
ADOPTED_OUTCOMES = (UsecaseTrial.ADOPTED, UsecaseTrial.ADAPTED)
DEFAULT_MIN_GROUP = rules.Thresholds().min_group  # a company that never opened its settings


def _adopted(trial: Any = UsecaseTrial) -> sa.ColumnElement[bool]:
    return trial.outcome.in_(ADOPTED_OUTCOMES)


def _measured(trial: Any = UsecaseTrial) -> sa.ColumnElement[bool]:
    return sa.and_(_adopted(trial), trial.minutes_after.is_not(None), trial.minutes_before.is_not(None))


def _saved_minutes(trial: Any = UsecaseTrial) -> sa.ColumnElement[Any]:
    """(before − after) minutes a week of a measured trial, NULL otherwise (so SUM skips it)."""
    return sa.case((_measured(trial), trial.minutes_before - trial.minutes_after))


def hours_month(measured: int, weekly_minutes: int) -> float | None:
    """Measured hours a month, or None when nothing was measured (not zero: unknown)."""
    return rules.monthly_hours(weekly_minutes) if measured else None


# --- the company (executives) ------------------------------------------------------------------

@dataclass(frozen=True)
class Counts:
    """Raw counts of one group of trials; never shown without the threshold."""

    people: int  # people who tried at least one case
    cases_tried: int
    adopters: int  # people who adopted (or adapted) at least one case
    cases_adopted: int
    measured: int  # trials with both measured figures
    weekly_minutes: int  # sum of (before − after) over measured trials; may be negative

    @property
    def hours_month(self) -> float | None:
        return hours_month(self.measured, self.weekly_minutes)


def _count_columns() -> tuple[Any, ...]:
    return (
        sa.func.count(sa.distinct(UsecaseTrial.user_id)),
        sa.func.count(sa.distinct(UsecaseTrial.usecase_id)),
        sa.func.count(sa.distinct(sa.case((_adopted(), UsecaseTrial.user_id)))),
        sa.func.count(sa.distinct(sa.case((_adopted(), UsecaseTrial.usecase_id)))),
        sa.func.count(sa.case((_measured(), UsecaseTrial.id))),
        sa.func.coalesce(sa.func.sum(_saved_minutes()), 0),
    )


def _counts(row: Any) -> Counts:
    return Counts(*(int(v or 0) for v in row))


@dataclass(frozen=True)
class GroupRow:
    """One department (or the company) as an executive sees it: None below the threshold."""

    name: str
    people: int | None
    cases_tried: int | None
    adopters: int | None
    cases_adopted: int | None
    hours_month: float | None  # measured only


@dataclass(frozen=True)
class CaseRow:
    """One case (or the merged small cases, `slug` None) as an executive sees it."""

    slug: str | None
    title: str | None
    people: int | None  # people who tried it
    adopters: int | None
    departments: int | None  # departments in which someone adopted it
    hours_month: float | None  # measured only


@dataclass
class CompanyUsecases:
    min_group: int
    company: GroupRow
    departments: list[GroupRow]  # by name; people without a department last (name "")
    cases: list[CaseRow]  # the top cases that reach the threshold, most adopted first
    other: CaseRow | None  # the cases under the threshold, merged (None when there are none)
    # Cases adopted in two or more departments: the company-wide signal the stage ladder shows.
    spread: int | None
    spread_titles: list[str] = field(default_factory=list)  # the named ones (cases that reach the threshold)

    @property
    def has_data(self) -> bool:
        return bool(self.departments)


def _group_row(name: str, c: Counts, t: rules.Thresholds, hide: bool = False) -> GroupRow:
    def shown(value: Any) -> Any:
        return None if hide else rules.shown(c.people, value, t)

    return GroupRow(name, shown(c.people), shown(c.cases_tried), shown(c.adopters), shown(c.cases_adopted),
                    shown(c.hours_month))


def company_usecases(org: Organization | int, t: rules.Thresholds,
                     department_names: dict[int, str] | None = None) -> CompanyUsecases:
    """What the executive dashboard shows about use cases: four grouped queries at most."""
    if department_names is None:
        department_names = dict(db.session.execute(
            sa.select(Department.id, Department.name).where(owned_by(Department, org))).all())
    by_department = [
        (department_id, _counts(rest)) for department_id, *rest in db.session.execute(
            in_org(sa.select(UsecaseTrial.department_id, *_count_columns()), org)
            .group_by(UsecaseTrial.department_id))
    ]
    company = _counts(db.session.execute(in_org(sa.select(*_count_columns()), org, UsecaseTrial)).one())
    ordered = sorted(by_department, key=lambda d: (d[0] is None, department_names.get(d[0] or 0, ""), d[0] or 0))
    hidden = rules.hidden_groups([c.people for _, c in ordered], t)  # never derivable from the company row
    departments = [_group_row(department_names.get(d or 0, "") if d else "", c, t, i in hidden)
                   for i, (d, c) in enumerate(ordered)]

    adopted_in = sa.func.count(sa.distinct(sa.case((_adopted(), UsecaseTrial.department_id))))
    adopters = sa.func.count(sa.case((_adopted(), UsecaseTrial.id)))
    per_case = db.session.execute(
        in_org(sa.select(
            Usecase.id, Usecase.slug, Usecase.title, sa.func.count(UsecaseTrial.id).label("people"),
            adopters.label("adopters"), adopted_in.label("departments"),
            sa.func.count(sa.case((_measured(), UsecaseTrial.id))).label("measured"),
            sa.func.coalesce(sa.func.sum(_saved_minutes()), 0).label("minutes"),
        ), org, UsecaseTrial).select_from(UsecaseTrial).join(Usecase, Usecase.id == UsecaseTrial.usecase_id)
        .group_by(Usecase.id, Usecase.slug, Usecase.title)
        .order_by(adopters.desc(), sa.func.count(UsecaseTrial.id).desc(), Usecase.title, Usecase.slug)
    ).all()
    spread = sum(1 for row in per_case if row.departments >= 2)
    large = [row for row in per_case if row.people >= t.min_group]
    small = [row.id for row in per_case if row.people < t.min_group]
    cases = [CaseRow(row.slug, row.title, row.people, row.adopters, row.departments,
                     hours_month(row.measured, int(row.minutes))) for row in large[:TOP_CASES]]
    return CompanyUsecases(
        min_group=t.min_group, company=_group_row("", company, t), departments=departments, cases=cases,
        other=_other_cases(org, small, t) if small else None,
        spread=rules.shown(company.people, spread, t),  # type: ignore[arg-type]
        spread_titles=[row.title for row in large if row.departments >= 2] if company.people >= t.min_group else [],
    )


def _other_cases(org: Organization | int, case_ids: list[int], t: rules.Thresholds) -> CaseRow:
    """The cases each tried by fewer people than the threshold, counted together as one group."""
    adopted_in = sa.func.count(sa.distinct(sa.case((_adopted(), UsecaseTrial.department_id))))
    people, adopters, departments, measured, minutes = db.session.execute(
        in_org(sa.select(
            sa.func.count(sa.distinct(UsecaseTrial.user_id)),
            sa.func.count(sa.distinct(sa.case((_adopted(), UsecaseTrial.user_id)))), adopted_in,
            sa.func.count(sa.case((_measured(), UsecaseTrial.id))), sa.func.coalesce(sa.func.sum(_saved_minutes()), 0),
        ), org, UsecaseTrial).where(UsecaseTrial.usecase_id.in_(case_ids))
    ).one()

    def shown(value: Any) -> Any:
        return rules.shown(int(people), value, t)

    return CaseRow(None, None, shown(int(people)), shown(int(adopters)), shown(int(departments)),
                   shown(hours_month(int(measured), int(minutes or 0))))


# --- the provider (platform staff) -------------------------------------------------------------

@dataclass(frozen=True)
class ProviderCaseRow:
    """One case across client companies; only companies reaching their own threshold for it count."""

    slug: str
    title: str
    companies: int  # companies in which someone adopted it
    adopters: int
    hours_month: float | None  # measured only


def provider_top_cases(limit: int = PROVIDER_TOP_CASES) -> list[ProviderCaseRow]:
    """The most adopted cases across client companies, in one statement; never a company or a person.

    A company's trials of a case count only when at least its own `min_group` people
    tried that case there, so no figure rests on a small group of one company.
    """
    per_company = (
        sa.select(
            UsecaseTrial.org_id.label("org_id"), UsecaseTrial.usecase_id.label("usecase_id"),
            sa.func.count(UsecaseTrial.id).label("people"),
            sa.func.count(sa.case((_adopted(), UsecaseTrial.id))).label("adopters"),
            sa.func.count(sa.case((_measured(), UsecaseTrial.id))).label("measured"),
            sa.func.coalesce(sa.func.sum(_saved_minutes()), 0).label("minutes"),
        ).group_by(UsecaseTrial.org_id, UsecaseTrial.usecase_id).subquery()
    )
    min_group = sa.func.coalesce(AdoptionSettings.min_group, DEFAULT_MIN_GROUP)
    companies = sa.func.count(per_company.c.org_id)
    adopters = sa.func.sum(per_company.c.adopters)
    rows = db.session.execute(
        sa.select(Usecase.slug, Usecase.title, companies, adopters, sa.func.sum(per_company.c.measured),
                  sa.func.sum(per_company.c.minutes))
        .select_from(per_company)
        .join(Usecase, Usecase.id == per_company.c.usecase_id)
        .outerjoin(AdoptionSettings, owned_by(AdoptionSettings, per_company.c.org_id))
        .where(per_company.c.people >= min_group, per_company.c.adopters > 0)
        .group_by(Usecase.id, Usecase.slug, Usecase.title)
        .order_by(companies.desc(), adopters.desc(), Usecase.title, Usecase.slug)
        .limit(limit)
    ).all()
    return [ProviderCaseRow(slug, title, int(n), int(a), hours_month(int(m or 0), int(minutes or 0)))
            for slug, title, n, a, m, minutes in rows]


# --- AI champions (org admins) -----------------------------------------------------------------

@dataclass(frozen=True)
class Champion:
    name: str
    shared_cases: int  # their named shares that colleagues adopted
    picked: int  # colleagues' trials picked from those shares
    adopted: int  # of which adopted or adapted


def champions(org: Organization | int) -> list[Champion]:
    """People whose *named* shares colleagues picked and adopted, most adopted first (one query).

    Only `share == named` counts: that is the person's opt-in. Anonymous and
    private trials never appear, whatever colleagues did with them.
    """
    source, picked = aliased(UsecaseTrial), aliased(UsecaseTrial)
    adopted = sa.func.count(sa.case((_adopted(picked), picked.id)))
    rows = db.session.execute(
        in_org(sa.select(
            User.display_name, sa.func.count(sa.distinct(sa.case((_adopted(picked), source.id)))),
            sa.func.count(picked.id), adopted,
        ), org, source).select_from(source)
        .join(picked, sa.and_(picked.shared_from_id == source.id, owned_by(picked, org), picked.user_id != source.user_id))
        .join(User, sa.and_(User.id == source.user_id, owned_by(User, org)))
        .where(source.share == UsecaseTrial.NAMED)
        .group_by(User.id, User.display_name, User.name_key)
        .having(adopted > 0)
        .order_by(adopted.desc(), User.name_key, User.id)
    ).all()
    return [Champion(name, int(cases), int(p), int(a)) for name, cases, p, a in rows]
