"""`flask adoption generate`: companies, people and check-ins in bulk, with the rollups rebuild_week would write."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask

from lms.accounts.models import User, UserRole
from lms.accounts.roles import Role
from lms.adoption import dashboard, service
from lms.adoption.generate import department_sizes
from lms.adoption.models import UsageCheckin, UsageCount, UsageRollup
from lms.extensions import db
from lms.orgs.models import Department, Organization
from tests.conftest import count

COMPANIES, EMPLOYEES, WEEKS = 2, 12, 6


def _generate(app: Flask, *extra: str) -> Any:
    result = app.test_cli_runner().invoke(args=[
        "adoption", "generate", "--companies", str(COMPANIES), "--employees", str(EMPLOYEES),
        "--weeks", str(WEEKS), *extra,
    ])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result


def _rollups(org_id: int, week: date) -> set[tuple[Any, ...]]:
    return {
        (r.department_key, r.people, r.responses, r.active, r.regular, r.habitual, r.established, r.minutes_saved)
        for r in db.session.scalars(sa.select(UsageRollup).where(UsageRollup.org_id == org_id, UsageRollup.week == week))
    }


def _counts(org_id: int, week: date) -> set[tuple[str, str, int]]:
    return {
        (c.dimension, c.code, c.count)
        for c in db.session.scalars(sa.select(UsageCount).where(UsageCount.org_id == org_id, UsageCount.week == week))
    }


def test_generate_writes_companies_people_checkins_and_the_rollups_rebuild_week_would(app: Flask) -> None:
    result = _generate(app, "--seed", "7")
    assert f"{COMPANIES} companies" in result.output

    orgs = list(db.session.scalars(sa.select(Organization).order_by(Organization.id)))
    assert len(orgs) == COMPANIES
    assert all(o.industry in ("manufacturing", "construction", "retail", "food_service", "logistics",
                              "wholesale", "services") for o in orgs)
    assert count(User) == COMPANIES * EMPLOYEES
    assert count(UserRole, UserRole.role == Role.EMPLOYEE.value) == COMPANIES * EMPLOYEES
    assert count(User, User.password_hash.is_not(None)) == 0
    checkins = count(UsageCheckin)
    assert 0 < checkins <= COMPANIES * EMPLOYEES * WEEKS

    last = service.this_week() - timedelta(weeks=1)
    first = last - timedelta(weeks=WEEKS - 1)
    assert db.session.scalar(sa.select(sa.func.min(UsageCheckin.week))) >= first
    assert db.session.scalar(sa.select(sa.func.max(UsageCheckin.week))) <= last

    # What the generator wrote, then what rebuild_week writes in its place: the same rows.
    weeks = (first, first + timedelta(weeks=3), last, service.this_week())
    for org in orgs:
        for week in weeks:
            written = (_rollups(org.id, week), _counts(org.id, week))
            assert written[0], f"no rollups for {org.name} in {week}"
            service.rebuild_week(org.id, week)
            db.session.flush()
            assert (_rollups(org.id, week), _counts(org.id, week)) == written, f"{org.name}, week of {week}"
    db.session.rollback()

    for org in orgs:
        board = dashboard.build(org)
        assert board.has_data
        assert board.company.people == EMPLOYEES
        assert board.departments  # departments of 5-25 people show figures


def test_a_habitual_company_over_16_weeks_has_habitual_and_established_people(app: Flask) -> None:
    # Seed 2 makes the first company a habitual one: the 4-of-4 and 9-of-12 rules both come into play.
    result = app.test_cli_runner().invoke(args=[
        "adoption", "generate", "--companies", "1", "--employees", "20", "--weeks", "16", "--seed", "2",
    ])
    assert result.exit_code == 0, result.output
    org = db.session.scalars(sa.select(Organization)).one()
    last = service.this_week() - timedelta(weeks=1)
    written = _rollups(org.id, last), _counts(org.id, last)
    assert sum(r[5] for r in written[0]) > 0 and sum(r[6] for r in written[0]) > 0
    for week in (last - timedelta(weeks=12), last):
        before = _rollups(org.id, week), _counts(org.id, week)
        service.rebuild_week(org.id, week)
        db.session.flush()
        assert (_rollups(org.id, week), _counts(org.id, week)) == before
    db.session.rollback()
    assert dashboard.build(org).stage.stage > 0


def test_running_it_again_adds_companies_with_new_names(app: Flask) -> None:
    _generate(app)
    _generate(app)
    names = list(db.session.scalars(sa.select(Organization.name)))
    assert len(names) == len(set(names)) == 2 * COMPANIES
    assert count(User) == 2 * COMPANIES * EMPLOYEES
    assert all(5 <= n <= 25 for n in db.session.scalars(
        sa.select(sa.func.count()).select_from(User).where(User.department_id.is_not(None)).group_by(User.department_id)
    ))
    assert count(Department) >= 2 * COMPANIES


def test_department_sizes_stay_between_5_and_25() -> None:
    import random

    rng = random.Random(3)
    for employees in (5, 12, 26, 29, 30, 97, 100, 250):
        for _ in range(50):
            sizes = department_sizes(employees, rng)
            assert sum(sizes) == employees
            assert all(5 <= s <= 25 for s in sizes), (employees, sizes)
    assert department_sizes(3, rng) == [3]
