"""Adoption by use case: the executive dashboard's section, the provider view and the AI champions."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.adoption import rules, service
from lms.extensions import db
from lms.orgs.models import Department, Organization
from lms.usecases import stats
from lms.usecases.models import UsecaseTrial
from tests.trialfactory import CURRENT_WAY, PROMPT, REASON, trial
from tests.usecaseworld import case_text, load_cases

ADOPTED, ADAPTED, NOT_FOR_US = UsecaseTrial.ADOPTED, UsecaseTrial.ADAPTED, UsecaseTrial.NOT_FOR_US
SHIFT, MINUTES, KEIRI = "シフト表の下書きを作る", "会議の議事録を要約する", "仕訳の入力を確認する"


def hours(weekly_minutes: float) -> float:
    return weekly_minutes * 52 / 12 / 60


@pytest.fixture
def cases(app: Flask) -> None:
    # The example figure of every case is 60 minutes (basis: example): it must never be added in.
    load_cases(
        shift=case_text(SHIFT, industries="[retail]", departments="[店舗, 介護]"),
        gijiroku=case_text(MINUTES, industries="[all]", departments="[総務]"),
        keiri=case_text(KEIRI, industries="[construction]", departments="[経理]"),
    )
    db.session.commit()


@dataclass
class Company:
    org: Organization
    executive: User
    people: list[User]


def _people(org: Organization, create_user: Any, department: str | None, count: int, tag: str) -> list[User]:
    dept_id = None
    if department is not None:
        dept = Department(org_id=org.id, name=department)
        db.session.add(dept)
        db.session.commit()
        dept_id = dept.id
    return [create_user(org, name=f"社員 {tag}{i}", department_id=dept_id) for i in range(count)]


@pytest.fixture
def company(cases: None, create_org: Any, create_user: Any) -> Company:
    """12 people: 5 in 店舗運営部, 5 in 商品部, 1 in 経理部, 1 without a department (numbers in the tests)."""
    org = create_org(name="株式会社テスト商店", industry="retail")
    store = _people(org, create_user, "店舗運営部", 5, "店")
    goods = _people(org, create_user, "商品部", 5, "商")
    (keiri,) = _people(org, create_user, "経理部", 1, "経")
    (alone,) = _people(org, create_user, None, 1, "無")
    # shift: 5 in 店舗運営部 (3 adopted 120→60, 1 adapted 60→90, 1 trying) and 1 in 商品部 (adopted 100→40).
    for person in store[:3]:
        trial(person, "shift", outcome=ADOPTED, minutes_before=120, minutes_after=60, commit=False)
    trial(store[3], "shift", outcome=ADAPTED, minutes_before=60, minutes_after=90, commit=False)
    trial(store[4], "shift", status=UsecaseTrial.TRYING, commit=False)
    trial(goods[0], "shift", outcome=ADOPTED, minutes_before=100, minutes_after=40, commit=False)
    # gijiroku: 4 in 商品部 (2 adopted with no measured minutes, 1 not for us, 1 picked), 1 in 経理部 (adopted 50→20).
    for person in goods[1:3]:
        trial(person, "gijiroku", outcome=ADOPTED, minutes_before=90, minutes_after=None, commit=False)
    trial(goods[3], "gijiroku", outcome=NOT_FOR_US, minutes_before=90, minutes_after=30, commit=False)
    trial(goods[4], "gijiroku", commit=False)
    trial(keiri, "gijiroku", outcome=ADOPTED, minutes_before=50, minutes_after=20, commit=False)
    # keiri: 2 people only (経理部 adopted 40→10, one without a department picked): under the threshold.
    trial(keiri, "keiri", outcome=ADOPTED, minutes_before=40, minutes_after=10, commit=False)
    trial(alone, "keiri", commit=False)
    db.session.commit()
    executive = create_user(org, roles=(Role.EXECUTIVE,), email="exec@shouten.example", name="経営 一郎")
    return Company(org, executive, [*store, *goods, keiri, alone])


def _build(org: Organization) -> stats.CompanyUsecases:
    return stats.company_usecases(org, service.thresholds(service.settings_for(org.id)))


def test_counts_per_department_with_the_threshold(company: Company) -> None:
    u = _build(company.org)
    rows = {d.name: d for d in u.departments}
    assert list(rows) == ["商品部", "店舗運営部", "経理部", ""]  # by name, no department last
    assert rows["店舗運営部"] == stats.GroupRow("店舗運営部", 5, 1, 4, 1, pytest.approx(hours(60 * 3 - 30)))
    # One person each: every figure hidden, the row kept, as the dashboard does for departments.
    assert rows["経理部"] == stats.GroupRow("経理部", None, None, None, None, None)
    assert rows[""] == stats.GroupRow("", None, None, None, None, None)
    # With 商品部 shown too, the company row less the two shown departments would give those two
    # people's figures, so the first of the smallest shown departments is hidden as well.
    assert rows["商品部"] == stats.GroupRow("商品部", None, None, None, None, None)
    assert u.company == stats.GroupRow("", 12, 3, 8, 3, pytest.approx(hours(150 + 60 + 30 + 30)))
    assert u.company.hours_month == pytest.approx(19.5)


def test_top_cases_and_the_merged_small_cases(company: Company) -> None:
    u = _build(company.org)
    assert [(c.title, c.people, c.adopters, c.departments) for c in u.cases] == [(SHIFT, 6, 5, 2), (MINUTES, 5, 3, 2)]
    assert u.cases[0].hours_month == pytest.approx(hours(60 * 3 - 30 + 60))  # the slower adapted trial counts negative
    # Only the 経理部 person measured 議事録: the two adopted without minutes after and "not for us" add nothing.
    assert u.cases[1].hours_month == pytest.approx(hours(30))
    # 仕訳 (2 people) is not named; merged, still under 5 people, it shows nothing.
    assert u.other == stats.CaseRow(None, None, None, None, None, None)
    assert u.spread == 2 and u.spread_titles == [SHIFT, MINUTES]


def test_a_higher_threshold_hides_more_and_merged_small_cases_show_together(company: Company) -> None:
    settings = service.settings_for(company.org.id)
    settings.min_group = 6
    db.session.commit()
    u = _build(company.org)
    assert all(d.people is None for d in u.departments)
    assert u.company.people == 12
    assert [c.title for c in u.cases] == [SHIFT]
    # 議事録 (5) and 仕訳 (2, one of them also in 議事録) together: 6 people, so the merged row shows.
    assert u.other == stats.CaseRow(None, None, 6, 3, 2, pytest.approx(hours(30 + 30)))
    settings.min_group = 3
    db.session.commit()
    u = _build(company.org)
    assert [c.title for c in u.cases] == [SHIFT, MINUTES]
    assert u.other == stats.CaseRow(None, None, None, None, None, None)  # 2 people
    # 経理部 and no department (1 each) are under 3 together, so 商品部 stays hidden with them.
    assert {d.name for d in u.departments if d.people is not None} == {"店舗運営部"}


def test_example_figures_are_never_added(company: Company) -> None:
    # Every case says 60 minutes (example). With no measured trial, no hours at all: not 60, not 0.
    db.session.execute(sa.update(UsecaseTrial).values(minutes_after=None))
    db.session.commit()
    u = _build(company.org)
    assert u.company.hours_month is None
    assert all(c.hours_month is None for c in u.cases)
    assert u.company.adopters == 8


def test_the_executive_page_shows_counts_never_a_person(app: Flask, company: Company) -> None:
    client = app.test_client()
    client.login(company.executive.email)
    page = client.get(f"/o/{company.org.id}/adoption/").get_data(as_text=True)
    assert "ユースケース別の定着" in page and 'data-testid="usecases"' in page
    assert SHIFT in page and MINUTES in page and KEIRI not in page
    assert "19.5" in page and "実測" in page
    for person in company.people:
        assert person.display_name not in page
    for words in (CURRENT_WAY, REASON, PROMPT):
        assert words not in page
    assert 'data-testid="stage-spread"' in page
    assert 'data-testid="champions-link"' not in page  # executives do not see champions
    csv = client.get(f"/o/{company.org.id}/adoption/export/usecases.csv").get_data(as_text=True)
    assert SHIFT in csv and KEIRI not in csv


def test_the_workbook_has_the_use_case_sheets(app: Flask, company: Company) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    client = app.test_client()
    client.login(company.executive.email)
    book = load_workbook(BytesIO(client.get(f"/o/{company.org.id}/adoption/export.xlsx").data))
    assert "ユースケース別（部署）" in book.sheetnames and "ユースケース" in book.sheetnames


# --- the provider ------------------------------------------------------------------------------

def test_provider_view_counts_companies_only_above_their_own_threshold(
        app: Flask, company: Company, create_org: Any, create_user: Any) -> None:
    small = create_org(name="小さな株式会社", industry="retail")  # 4 people adopted shift: under its threshold of 5
    for person in _people(small, create_user, "店舗", 4, "小"):
        trial(person, "shift", outcome=ADOPTED, minutes_before=100, minutes_after=50)
    three = create_org(name="三人株式会社", industry="retail")  # threshold 3: its 3 people count
    service.settings_for(three.id).min_group = 3
    for person in _people(three, create_user, "店舗", 3, "三"):
        trial(person, "shift", outcome=ADOPTED, minutes_before=100, minutes_after=70)
    db.session.commit()
    rows = stats.provider_top_cases()
    assert [(r.title, r.companies, r.adopters) for r in rows] == [(SHIFT, 2, 8), (MINUTES, 1, 3)]
    assert rows[0].hours_month == pytest.approx(hours(210 + 3 * 30))

    admin = create_user(None, roles=(Role.ADMIN,), email="admin@provider.example")
    client = app.test_client()
    client.login(admin.email)
    page = client.get("/admin/usecases").get_data(as_text=True)
    assert SHIFT in page and 'data-testid="provider-usecases"' in page
    for org in (company.org, small, three):
        assert org.name not in page
    for person in company.people:
        assert person.display_name not in page
    for words in (CURRENT_WAY, REASON, PROMPT):
        assert words not in page


def test_provider_view_is_for_platform_admins_only(app: Flask, company: Company) -> None:
    client = app.test_client()
    client.login(company.executive.email)
    assert client.get("/admin/usecases").status_code == 403


# --- AI champions ------------------------------------------------------------------------------

@pytest.fixture
def shares(cases: None, create_org: Any, create_user: Any) -> dict[str, Any]:
    org = create_org(name="株式会社共有", industry="retail")
    named = create_user(org, name="名前 出す子")
    anonymous = create_user(org, name="匿名 希望男")
    unpicked = create_user(org, name="誰も 選ばず")
    colleagues = [create_user(org, name=f"同僚 {i}") for i in range(4)]
    a = trial(named, "shift", outcome=ADAPTED, minutes_before=60, minutes_after=30, share=UsecaseTrial.NAMED)
    b = trial(anonymous, "gijiroku", outcome=ADAPTED, minutes_before=60, minutes_after=30, share=UsecaseTrial.ANONYMOUS)
    trial(unpicked, "keiri", outcome=ADAPTED, minutes_before=60, minutes_after=30, share=UsecaseTrial.NAMED)
    trial(colleagues[0], "shift", outcome=ADOPTED, minutes_before=60, minutes_after=20, shared_from=a)
    trial(colleagues[1], "shift", outcome=ADAPTED, minutes_before=60, minutes_after=20, shared_from=a)
    trial(colleagues[2], "shift", status=UsecaseTrial.TRYING, shared_from=a)
    trial(colleagues[3], "gijiroku", outcome=ADOPTED, minutes_before=60, minutes_after=20, shared_from=b)
    admin = create_user(org, roles=(Role.ORG_ADMIN, Role.EMPLOYEE), email="admin@kyoyu.example", name="管理 者")
    executive = create_user(org, roles=(Role.EXECUTIVE,), email="exec@kyoyu.example", name="経営 者")
    return {"org": org, "admin": admin, "executive": executive, "named": named, "anonymous": anonymous,
            "unpicked": unpicked}


def test_champions_are_only_people_who_shared_under_their_name(shares: dict[str, Any]) -> None:
    assert stats.champions(shares["org"]) == [stats.Champion("名前 出す子", 1, 3, 2)]


def test_champions_page_for_the_companys_admins(app: Flask, shares: dict[str, Any], create_user: Any) -> None:
    org = shares["org"]
    client = app.test_client()
    client.login(shares["admin"].email)
    page = client.get(f"/o/{org.id}/adoption/champions").get_data(as_text=True)
    assert "名前 出す子" in page
    assert "匿名 希望男" not in page and "誰も 選ばず" not in page
    dashboard = client.get(f"/o/{org.id}/adoption/").get_data(as_text=True)
    assert 'data-testid="champions-link"' in dashboard
    assert "名前 出す子" not in dashboard and "匿名 希望男" not in dashboard
    # Executives and the provider's staff never see names.
    for email in (shares["executive"].email, create_user(None, roles=(Role.ADMIN,), email="admin@provider.example").email):
        other = app.test_client()
        other.login(email)
        assert other.get(f"/o/{org.id}/adoption/champions").status_code in (403, 404)


def test_the_share_setting_alone_decides_whether_the_author_is_named(shares: dict[str, Any]) -> None:
    # A colleague adopted the anonymous prompt: its author is not listed while the share stays anonymous ...
    assert "匿名 希望男" not in [c.name for c in stats.champions(shares["org"])]
    # ... and is, with the same counts, once they choose to be named.
    source = db.session.scalar(sa.select(UsecaseTrial).where(UsecaseTrial.user_id == shares["anonymous"].id))
    source.share = UsecaseTrial.NAMED
    db.session.commit()
    assert stats.Champion("匿名 希望男", 1, 1, 1) in stats.champions(shares["org"])


def test_a_slower_way_counts_negative_and_is_shown_as_measured(cases: None, create_org: Any, create_user: Any) -> None:
    org = create_org(name="株式会社遅延")
    for person in _people(org, create_user, "店舗運営部", 5, "遅"):
        trial(person, "shift", outcome=ADOPTED, minutes_before=30, minutes_after=45)
    u = _build(org)
    assert u.company.hours_month == pytest.approx(hours(-75)) and u.cases[0].hours_month == pytest.approx(hours(-75))


def test_thresholds_default_matches_the_rules() -> None:
    assert stats.DEFAULT_MIN_GROUP == rules.Thresholds().min_group
