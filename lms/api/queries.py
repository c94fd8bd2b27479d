"""The API's read models: a company's people, the provider's catalog, a page of any of them."""
from __future__ import annotations

import math
from typing import Any

import sqlalchemy as sa

from lms.accounts.models import User
from lms.adoption import rules, service as adoption_service
from lms.cohorts import queries as cohort_queries
from lms.core import clock
from lms.exercises.models import Exercise
from lms.extensions import db
from lms.orgs.models import Department, Organization
from lms.tenancy import in_org
from lms.usecases.models import Usecase


def page(total: int, number: int, per_page: int, items: list[Any]) -> dict[str, Any]:
    """The one page shape: {"items", "page", "per_page", "total", "pages"}."""
    return {"items": items, "page": number, "per_page": per_page, "total": total,
            "pages": math.ceil(total / per_page) if total else 0}


def _select_page(stmt: sa.Select[Any], number: int, per_page: int) -> tuple[list[Any], int]:
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())) or 0
    return list(db.session.scalars(stmt.limit(per_page).offset((number - 1) * per_page))), total


def users(org: Organization, number: int, per_page: int) -> dict[str, Any]:
    """The company's people in 五十音 order, without anything secret (no password or token hashes)."""
    people, total = _select_page(in_org(sa.select(User), org).order_by(User.name_key, User.id), number, per_page)
    names = dict(db.session.execute(in_org(sa.select(Department.id, Department.name), org, Department)).all())
    return page(total, number, per_page, [{
        "id": u.id, "display_name": u.display_name, "email": u.email,
        "department": names.get(u.department_id) if u.department_id else None,
        "roles": sorted(r.value for r in u.company_roles), "is_active": u.is_active,
    } for u in people])


def cohorts(org: Organization, number: int, per_page: int) -> dict[str, Any]:
    """The company's cohorts, newest first; completion is null below the company's small-group threshold."""
    t = adoption_service.thresholds(adoption_service.settings_for(org.id))
    summaries = cohort_queries.cohort_summaries(org.id)
    start = (number - 1) * per_page
    today = clock.today()
    return page(len(summaries), number, per_page, [{
        "id": s.cohort.id, "name": s.cohort.name, "start_date": s.cohort.start_date, "ends_on": s.ends_on,
        "finished": today > s.ends_on, "members": s.members,
        "completion": rules.shown(s.members, s.completions / s.enrolments if s.enrolments else None, t),
    } for s in summaries[start:start + per_page]])


def usecases(number: int, per_page: int) -> dict[str, Any]:
    """The provider's use cases (the same for every company), by id."""
    cases, total = _select_page(
        sa.select(Usecase).where(Usecase.is_archived.is_(False)).order_by(Usecase.slug), number, per_page)
    return page(total, number, per_page, [{
        "id": c.slug, "title": c.title, "summary": c.summary, "industries": c.industries,
        "departments": c.departments, "task_type": c.task_type, "tools": c.tools, "level": c.level,
        "minutes": c.minutes,
    } for c in cases])


def exercises(number: int, per_page: int) -> dict[str, Any]:
    """The provider's prompt-practice exercises, by id."""
    found, total = _select_page(
        sa.select(Exercise).where(Exercise.is_archived.is_(False)).order_by(Exercise.slug), number, per_page)
    return page(total, number, per_page, [{
        "id": e.slug, "title": e.title, "summary": e.summary, "minutes": e.minutes, "level": e.level,
        "industries": e.industries, "department": e.department, "pass_score": e.pass_score,
    } for e in found])
