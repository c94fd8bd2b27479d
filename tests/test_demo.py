import re
from typing import Any

import sqlalchemy as sa

from lms.accounts.models import User
from lms.extensions import db
from lms.orgs.models import Organization
from lms.usage.models import UsageImport, UsageTelemetry
from tests.conftest import count

LINE = re.compile(r"^(admin|trainer|executive|org_admin|employee) (\S+@\S+) (\S+) (\S+)$")


def _run_demo(app: Any) -> list[str]:
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return [line for line in result.stdout.splitlines() if line]


def test_demo_creates_three_companies_in_different_industries(app: Any) -> None:
    _run_demo(app)
    industries = set(db.session.scalars(sa.select(Organization.industry)))
    assert industries == {"manufacturing", "construction", "retail"}
    people = count(User, User.org_id.is_not(None))
    assert 55 <= people <= 75


def test_demo_prints_every_account_as_one_line(app: Any) -> None:
    lines = _run_demo(app)
    assert all(LINE.match(line) for line in lines), lines
    assert {LINE.match(line).group(1) for line in lines} == {"admin", "trainer", "executive", "org_admin", "employee"}  # type: ignore[union-attr]
    assert len(lines) == count(User)


def test_running_the_demo_twice_duplicates_nothing(app: Any) -> None:
    first = _run_demo(app)
    users, orgs, telemetry = count(User), count(Organization), count(UsageTelemetry)
    assert _run_demo(app) == first
    assert (count(User), count(Organization), count(UsageTelemetry)) == (users, orgs, telemetry)
    assert count(UsageImport) == 1


def test_every_demo_account_signs_in_and_reaches_its_home(app: Any) -> None:
    for line in _run_demo(app):
        role, email, password, _company = LINE.match(line).groups()  # type: ignore[union-attr]
        client = app.test_client()
        assert client.login(email, password).status_code == 302, email
        home = client.get("/", follow_redirects=True)
        assert home.status_code == 200, email
        assert 'data-testid="home-title"' in home.get_data(as_text=True), email


def test_demo_dashboards_keep_the_default_privacy_threshold_and_still_show_departments(app: Any) -> None:
    from lms.adoption import dashboard, service
    from lms.adoption.rules import Thresholds
    from lms.demo.generate import DEPARTMENT_SIZE

    _run_demo(app)
    for org in db.session.scalars(sa.select(Organization)):
        assert service.settings_for(org.id).min_group == Thresholds().min_group == 5
        board = dashboard.build(org)
        named = [d for d in board.departments if d.name]
        assert named and all(d.people >= DEPARTMENT_SIZE for d in named), org.name
        assert all(d.active is not None for d in named), org.name  # figures, not "—"


def test_the_company_wide_demo_company_has_copilot_usage_beside_its_check_ins(app: Any) -> None:
    """みなと精工's org admin finds one applied Viva Insights import; its executive sees both sources compared."""
    from lms.adoption import dashboard

    _run_demo(app)
    (imported,) = db.session.scalars(sa.select(UsageImport)).all()
    minato = db.session.get(Organization, imported.org_id)
    assert minato is not None and minato.name == "株式会社みなと精工"
    assert imported.source == "viva" and imported.status == UsageImport.APPLIED
    board = dashboard.build(minato)
    assert board.sources is not None and board.sources.kinds == ("viva",)
    assert board.sources.people >= 20 and board.sources.telemetry_active is not None
    # Mostly agreeing, with a few weeks where the two sources differ, as in a real company.
    assert len(board.source_weeks) == 8
    assert any((c.telemetry_only or 0) + (c.self_only or 0) for _, c in board.source_weeks)
    assert [d.name for d in board.source_departments] and all(d.people >= 5 for d in board.source_departments)
    for other in db.session.scalars(sa.select(Organization).where(Organization.id != minato.id)):
        assert dashboard.build(other).sources is None  # the other demo companies have no vendor data
