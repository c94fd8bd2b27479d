"""Vendor telemetry in the adoption rules and on the executive dashboard."""
from __future__ import annotations

from datetime import timedelta
from typing import Any, Callable
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.adoption import dashboard, rules
from lms.adoption.models import UsageRollup
from lms.adoption.rules import Agreement
from lms.core.clock import utcnow, week_start
from lms.extensions import db
from lms.orgs.models import Department, Organization
from lms.tenancy import in_org
from tests.usageworld import checkin, import_viva, rollup

NOW = utcnow()
THIS_WEEK = week_start(NOW.astimezone(ZoneInfo("Asia/Tokyo")).date())
LAST_WEEK = THIS_WEEK - timedelta(weeks=1)


@pytest.mark.parametrize(("said", "seen", "active", "found"), [
    (None, None, False, None),
    (0, None, False, None),
    (2, None, True, None),
    (None, 0, False, Agreement.BOTH_INACTIVE),
    (0, 0, False, Agreement.BOTH_INACTIVE),
    (None, 1, True, Agreement.TELEMETRY_ONLY),
    (0, 3, True, Agreement.TELEMETRY_ONLY),
    (1, 0, True, Agreement.SELF_ONLY),
    (1, 1, True, Agreement.BOTH_ACTIVE),
])
def test_either_source_makes_a_week_active_and_the_two_are_compared(
        said: int | None, seen: int | None, active: bool, found: Agreement | None) -> None:
    assert rules.active_by_either(said, seen) is active
    assert rules.agreement(said, seen) is found


@pytest.fixture
def company(create_org: Callable[..., Organization], create_user: Callable[..., User]) -> dict[str, Any]:
    org = create_org("例示商事株式会社")
    sales = Department(org_id=org.id, name="営業部")
    db.session.add(sales)
    db.session.commit()
    people = [create_user(org, email=f"p{n}@example.co.jp", department_id=sales.id) for n in range(6)]
    boss = create_user(org, roles=(Role.EXECUTIVE,), email="boss@example.co.jp")
    return {"org": org, "people": people, "boss": boss}










def test_a_telemetry_active_week_counts_as_active(company: dict[str, Any]) -> None:
    org, people = company["org"], company["people"]
    checkin(people[0], LAST_WEEK, 0)
    checkin(people[1], LAST_WEEK, 2)
    assert rollup(org, LAST_WEEK)[0] == 1
    import_viva(org, [(people[0].email, LAST_WEEK, 3), (people[2].email, LAST_WEEK, 1), (people[3].email, LAST_WEEK, 0)])
    assert rollup(org, LAST_WEEK)[0] == 3  # p1 by self-report, p0 and p2 by telemetry


def test_four_telemetry_weeks_make_a_habit(company: dict[str, Any]) -> None:
    org, person = company["org"], company["people"][0]
    import_viva(org, [(person.email, LAST_WEEK - timedelta(weeks=n), 2) for n in range(4)])
    assert rollup(org, LAST_WEEK) == (1, 1)
    assert rollup(org, LAST_WEEK - timedelta(weeks=1))[1] == 0  # three weeks then: not yet


def test_the_same_file_again_leaves_the_rollups_alone(company: dict[str, Any]) -> None:
    org, person = company["org"], company["people"][0]
    import_viva(org, [(person.email, LAST_WEEK, 2)])
    before = db.session.scalars(in_org(sa.select(UsageRollup.id), org)).all()
    import_viva(org, [(person.email, LAST_WEEK, 2)])
    assert db.session.scalars(in_org(sa.select(UsageRollup.id), org)).all() == before


def test_the_dashboard_shows_both_sources_and_where_they_disagree(company: dict[str, Any]) -> None:
    org, people = company["org"], company["people"]
    for person, days in zip(people, (2, 2, 0, 0, 3, 0), strict=True):
        checkin(person, LAST_WEEK, days)
    # p0 both active, p1 reported but not seen, p2 seen but reported 0, p3 both inactive, p4 both, p5 seen only
    import_viva(org, [(p.email, LAST_WEEK, d) for p, d in zip(people, (1, 0, 2, 0, 4, 1), strict=True)])
    sources = dashboard.build(org, now=NOW).sources
    assert sources is not None
    assert (sources.people, sources.telemetry_active, sources.self_active) == (6, 4 / 6, 3 / 6)
    assert (sources.telemetry_only, sources.self_only) == (2, 1)


def test_a_small_group_shows_no_figures(company: dict[str, Any]) -> None:
    org, people = company["org"], company["people"]
    import_viva(org, [(p.email, LAST_WEEK, 1) for p in people[:3]])
    sources = dashboard.build(org, now=NOW).sources
    assert sources is not None and sources.people == 3
    assert (sources.telemetry_active, sources.self_active, sources.telemetry_only, sources.self_only) == (
        None, None, None, None)


def test_no_telemetry_no_comparison(company: dict[str, Any]) -> None:
    checkin(company["people"][0], LAST_WEEK, 2)
    assert dashboard.build(company["org"], now=NOW).sources is None


def test_the_executive_page_shows_the_comparison(client: Any, company: dict[str, Any]) -> None:
    org, people = company["org"], company["people"]
    import_viva(org, [(p.email, LAST_WEEK, 2) for p in people])
    client.login("boss@example.co.jp")
    page = client.get(f"/o/{org.id}/adoption/").get_data(as_text=True)
    assert 'data-testid="sources"' in page
