"""Managing usage imports: deleting imports (and the usage they added), saved column choices, stale staged imports."""
from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any, Callable
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.adoption import dashboard
from lms.audit.models import AuditEvent
from lms.core.clock import utcnow, week_start
from lms.extensions import db
from lms.orgs.models import Department, Organization
from lms.scheduler.runner import JOBS
from lms.tenancy import in_org
from lms.usage import service
from lms.usage.jobs import purge_staged_imports
from lms.usage.models import UsageImport, UsageMapping, UsageTelemetry
from tests.conftest import count
from tests.usageworld import checkin, import_viva, rollup, viva

NOW = utcnow()
THIS_WEEK = week_start(NOW.astimezone(ZoneInfo("Asia/Tokyo")).date())
LAST_WEEK = THIS_WEEK - timedelta(weeks=1)


@pytest.fixture
def company(create_org: Callable[..., Organization], create_user: Callable[..., User]) -> dict[str, Any]:
    org = create_org("例示商事株式会社")
    sales = Department(org_id=org.id, name="営業部")
    db.session.add(sales)
    db.session.commit()
    people = [create_user(org, email=f"p{n}@example.co.jp", department_id=sales.id) for n in range(6)]
    admin = create_user(org, roles=(Role.ORG_ADMIN,), email="admin@example.co.jp")
    boss = create_user(org, roles=(Role.EXECUTIVE,), email="boss@example.co.jp")
    return {"org": org, "people": people, "admin": admin, "boss": boss}






def stage_viva(org: Organization, rows: list[tuple[str, date, int]]) -> UsageImport:
    staged = service.stage_import(org, viva(rows), "viva.csv", "auto", actor=None)
    db.session.commit()
    return staged




def telemetry(org: Organization) -> dict[tuple[str, date], tuple[int, int | None]]:
    """(email, week) -> (active days, import id) of the company's telemetry."""
    rows = db.session.execute(in_org(sa.select(User.email, UsageTelemetry.week_start, UsageTelemetry.active_days,
                                               UsageTelemetry.import_id), org, UsageTelemetry)
                              .join(User, User.id == UsageTelemetry.user_id))
    return {(email, week): (days, import_id) for email, week, days, import_id in rows}




def delete_url(org: Organization, item: UsageImport | int) -> str:
    return f"/o/{org.id}/usage/{item if isinstance(item, int) else item.id}/delete"


# --- deleting an import --------------------------------------------------------------------------


def test_a_staged_import_is_removed_and_changes_nothing_else(client: Any, company: dict[str, Any]) -> None:
    org, people = company["org"], company["people"]
    applied = import_viva(org, [(people[0].email, LAST_WEEK, 2)])
    staged = stage_viva(org, [(people[1].email, LAST_WEEK, 3)])
    before = rollup(org, LAST_WEEK)
    client.login("admin@example.co.jp")
    assert 'data-testid="delete-import"' in client.get(f"/o/{org.id}/usage/").get_data(as_text=True)
    page = client.get(delete_url(org, staged)).get_data(as_text=True)
    assert "取り込まれていない" in page  # says that no figure changes
    assert count(UsageImport) == 2  # the confirm page deletes nothing
    response = client.submit(delete_url(org, staged), {}, follow_redirects=True)
    assert "削除しました" in response.get_data(as_text=True)
    assert db.session.scalars(sa.select(UsageImport.id)).all() == [applied.id]
    assert count(UsageTelemetry) == 1 and rollup(org, LAST_WEEK) == before
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "usage.import_deleted"))
    assert event is not None and event.org_id == org.id and event.details["status"] == "staged"
    assert event.actor_id == company["admin"].id


def test_an_unmapped_import_is_removed(client: Any, company: dict[str, Any]) -> None:
    org = company["org"]
    client.login("admin@example.co.jp")
    data = "メールアドレス,利用日\r\np0@example.co.jp,2026/11/24\r\n".encode()
    response = client.submit(f"/o/{org.id}/usage/", {"source": "auto", "file": (io.BytesIO(data), "own.csv")})
    assert response.headers["Location"].endswith("/columns")
    unmapped = db.session.scalars(sa.select(UsageImport)).one()
    assert unmapped.status == UsageImport.UNMAPPED
    assert client.submit(delete_url(org, unmapped), {}).status_code == 302
    assert count(UsageImport) == 0


def test_an_applied_import_takes_its_usage_out_of_the_figures(client: Any, company: dict[str, Any]) -> None:
    org, people = company["org"], company["people"]
    for person, days in zip(people, (2, 0, 0, 0, 1, 0), strict=True):
        checkin(person, LAST_WEEK, days)
    before = rollup(org, LAST_WEEK)
    assert before == (2, 0) and dashboard.build(org, now=NOW).sources is None
    applied = import_viva(org, [(p.email, LAST_WEEK, 2) for p in people])
    assert rollup(org, LAST_WEEK) == (6, 0)
    assert dashboard.build(org, now=NOW).sources is not None
    client.login("admin@example.co.jp")
    assert delete_url(org, applied) in client.get(f"/o/{org.id}/usage/{applied.id}").get_data(as_text=True)
    page = client.get(delete_url(org, applied)).get_data(as_text=True)
    assert 'data-testid="delete-effect"' in page and "このファイルが加えた利用データは集計から除かれます" in page
    assert client.submit(delete_url(org, applied), {}).status_code == 302
    assert count(UsageTelemetry) == 0 and count(UsageImport) == 0
    assert rollup(org, LAST_WEEK) == before
    assert dashboard.build(org, now=NOW).sources is None
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "usage.import_deleted"))
    assert event is not None and event.details["weeks_removed"] == 6


def test_a_later_import_keeps_the_weeks_it_overwrote(company: dict[str, Any]) -> None:
    org, (p0, p1, p2, *_) = company["org"], company["people"]
    earlier = import_viva(org, [(p0.email, LAST_WEEK, 3), (p1.email, LAST_WEEK, 2)])
    later = import_viva(org, [(p0.email, LAST_WEEK, 5), (p2.email, LAST_WEEK, 1)])
    assert telemetry(org)[(p0.email, LAST_WEEK)] == (5, later.id)
    assert service.delete_import(org, earlier, actor=None) == 1
    db.session.commit()
    assert telemetry(org) == {(p0.email, LAST_WEEK): (5, later.id), (p2.email, LAST_WEEK): (1, later.id)}
    assert rollup(org, LAST_WEEK)[0] == 2


def test_deleting_the_later_import_brings_back_the_earlier_figures(company: dict[str, Any]) -> None:
    org, (p0, p1, *_) = company["org"], company["people"]
    earlier = import_viva(org, [(p0.email, LAST_WEEK, 3), (p1.email, LAST_WEEK, 0)])
    later = import_viva(org, [(p0.email, LAST_WEEK, 5), (p1.email, LAST_WEEK, 2)])
    assert rollup(org, LAST_WEEK)[0] == 2
    assert service.delete_import(org, later, actor=None) == 0  # both weeks go back to the earlier file's figures
    db.session.commit()
    assert telemetry(org) == {(p0.email, LAST_WEEK): (3, earlier.id), (p1.email, LAST_WEEK): (0, earlier.id)}
    assert rollup(org, LAST_WEEK)[0] == 1


def test_a_later_file_with_the_same_figures_keeps_them(company: dict[str, Any]) -> None:
    """The same file imported twice writes nothing the second time, so its rows still name the first import."""
    org, p0 = company["org"], company["people"][0]
    first = import_viva(org, [(p0.email, LAST_WEEK, 3)])
    second = import_viva(org, [(p0.email, LAST_WEEK, 3)])
    assert telemetry(org)[(p0.email, LAST_WEEK)] == (3, first.id)
    service.delete_import(org, first, actor=None)
    db.session.commit()
    assert telemetry(org) == {(p0.email, LAST_WEEK): (3, second.id)}
    assert rollup(org, LAST_WEEK)[0] == 1


def test_a_staged_copy_of_a_deleted_file_no_longer_says_it_was_imported(company: dict[str, Any]) -> None:
    org, p0 = company["org"], company["people"][0]
    applied = import_viva(org, [(p0.email, LAST_WEEK, 3)])
    again = stage_viva(org, [(p0.email, LAST_WEEK, 3)])
    assert again.summary["applied_before"] == applied.id
    service.delete_import(org, applied, actor=None)
    db.session.commit()
    assert db.session.get(UsageImport, again.id).summary["applied_before"] is None  # type: ignore[union-attr]


def test_another_companys_import_is_not_found(client: Any, company: dict[str, Any],
                                              create_org: Callable[..., Organization]) -> None:
    other = create_org("他社株式会社")
    theirs = stage_viva(other, [("x@other.example", LAST_WEEK, 1)])
    client.login("admin@example.co.jp")
    assert client.get(delete_url(company["org"], theirs)).status_code == 404
    response = client.submit(delete_url(company["org"], theirs), {}, page=f"/o/{company['org'].id}/usage/")
    assert response.status_code == 404
    assert count(UsageImport) == 1


def test_only_org_admins_delete(client: Any, company: dict[str, Any]) -> None:
    staged = stage_viva(company["org"], [(company["people"][0].email, LAST_WEEK, 1)])
    client.login("boss@example.co.jp")
    assert client.get(delete_url(company["org"], staged)).status_code == 403
    assert client.submit(delete_url(company["org"], staged), {}, page="/account").status_code == 403
    assert count(UsageImport) == 1


def test_deleting_needs_the_csrf_token(client: Any, company: dict[str, Any]) -> None:
    applied = import_viva(company["org"], [(company["people"][0].email, LAST_WEEK, 1)])
    client.login("admin@example.co.jp")
    assert client.post(delete_url(company["org"], applied), data={}).status_code == 400
    assert count(UsageImport) == 1 and count(UsageTelemetry) == 1


# --- saved column choices ------------------------------------------------------------------------


def saved(org: Organization, email: str, day: str, activity: str = "") -> UsageMapping:
    mapping = UsageMapping(org_id=org.id, email_column=email, date_column=day, activity_column=activity)
    db.session.add(mapping)
    db.session.commit()
    return mapping


def mapping_url(org: Organization, mapping: UsageMapping) -> str:
    return f"/o/{org.id}/usage/mappings/{mapping.id}"


def test_saved_column_choices_are_listed_and_changed(client: Any, company: dict[str, Any]) -> None:
    org = company["org"]
    mapping = saved(org, "メールアドレス", "利用日")
    client.login("admin@example.co.jp")
    listing = client.get(f"/o/{org.id}/usage/").get_data(as_text=True)
    assert 'data-testid="mappings"' in listing and "利用日" in listing and mapping_url(org, mapping) in listing
    response = client.submit(mapping_url(org, mapping), {"email": " 社員メール ", "date": "日付", "activity": "回数"})
    assert response.status_code == 302
    db.session.refresh(mapping)
    assert (mapping.email_column, mapping.date_column, mapping.activity_column) == ("社員メール", "日付", "回数")
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "usage.mapping_updated"))
    assert event is not None and event.details["before"]["email"] == "メールアドレス"
    assert service.saved_mapping(org, ["社員メール", "日付", "回数"]) is not None


def test_a_duplicate_column_choice_is_a_form_error(client: Any, company: dict[str, Any]) -> None:
    org = company["org"]
    saved(org, "メールアドレス", "利用日")
    other = saved(org, "mail", "date")
    client.login("admin@example.co.jp")
    response = client.submit(mapping_url(org, other), {"email": "メールアドレス", "date": "利用日", "activity": ""})
    assert response.status_code == 422
    assert "同じ3つの列の選択がすでに保存されています" in response.get_data(as_text=True)
    db.session.refresh(other)
    assert other.email_column == "mail"


@pytest.mark.parametrize(("data", "message"), [
    ({"email": "", "date": "利用日", "activity": ""}, "「メールアドレスの列」を入力してください"),
    ({"email": "mail", "date": "  ", "activity": ""}, "「日付の列」を入力してください"),
    ({"email": "mail", "date": "mail", "activity": ""}, "メールアドレスと日付には、別々の列を選んでください"),
    ({"email": "mail", "date": "date", "activity": "date"}, "利用回数の列には、メールアドレスと日付とは別の列を"),
    ({"email": "mail\u202e", "date": "date", "activity": ""}, "使えない文字"),
])
def test_column_choice_values_are_checked(client: Any, company: dict[str, Any], data: dict[str, str],
                                          message: str) -> None:
    org = company["org"]
    mapping = saved(org, "メールアドレス", "利用日")
    client.login("admin@example.co.jp")
    response = client.submit(mapping_url(org, mapping), data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.session.refresh(mapping)
    assert mapping.email_column == "メールアドレス"


def test_a_column_choice_is_deleted(client: Any, company: dict[str, Any]) -> None:
    org = company["org"]
    mapping = saved(org, "メールアドレス", "利用日")
    client.login("admin@example.co.jp")
    url = mapping_url(org, mapping)
    assert client.post(f"{url}/delete", data={}).status_code == 400  # no CSRF token
    assert client.submit(f"{url}/delete", {}, page=url).status_code == 302
    assert count(UsageMapping) == 0
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "usage.mapping_deleted")) is not None


def test_column_choices_of_others_and_by_others(client: Any, company: dict[str, Any],
                                                create_org: Callable[..., Organization]) -> None:
    theirs = saved(create_org("他社株式会社"), "mail", "date")
    ours = saved(company["org"], "mail", "date")
    client.login("admin@example.co.jp")
    assert client.get(mapping_url(company["org"], theirs)).status_code == 404
    assert client.submit(f"{mapping_url(company['org'], theirs)}/delete", {},
                         page=mapping_url(company["org"], ours)).status_code == 404
    client.logout()
    client.login("boss@example.co.jp")
    assert client.get(mapping_url(company["org"], ours)).status_code == 403
    assert count(UsageMapping) == 2


# --- imports never confirmed ---------------------------------------------------------------------


def test_staged_imports_are_purged_after_seven_days(company: dict[str, Any]) -> None:
    org, p0 = company["org"], company["people"][0]
    applied = import_viva(org, [(p0.email, LAST_WEEK, 2)])
    staged = stage_viva(org, [(p0.email, LAST_WEEK, 4)])
    assert JOBS["usage_purge_staged"] is purge_staged_imports
    assert purge_staged_imports(staged.created_at + timedelta(days=6, hours=23)) == 0
    assert count(UsageImport) == 2
    assert purge_staged_imports(staged.created_at + timedelta(days=7, minutes=1)) == 1
    assert db.session.scalars(sa.select(UsageImport.id)).all() == [applied.id]  # applied imports stay
    assert telemetry(org) == {(p0.email, LAST_WEEK): (2, applied.id)}
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "usage.import_deleted"))
    assert event is not None and event.actor_id is None and event.details["reason"] == "never_confirmed"


def test_the_usage_page_says_staged_imports_are_removed(client: Any, company: dict[str, Any]) -> None:
    stage_viva(company["org"], [(company["people"][0].email, LAST_WEEK, 4)])
    client.login("admin@example.co.jp")
    assert "7日後に削除されます" in client.get(f"/o/{company['org'].id}/usage/").get_data(as_text=True)


def test_cli_purges_and_lists_what_it_removed(app: Flask, company: dict[str, Any],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    staged = stage_viva(company["org"], [(company["people"][0].email, LAST_WEEK, 4)])
    runner = app.test_cli_runner()
    result = runner.invoke(args=["usage", "purge-staged"])
    assert result.exit_code == 0, result.output
    assert "0 import(s) left unconfirmed for more than 7 day(s) removed" in result.output
    assert count(UsageImport) == 1
    later = utcnow() + timedelta(days=3)
    monkeypatch.setattr("lms.core.clock.utcnow", lambda: later)
    result = runner.invoke(args=["usage", "purge-staged", "--days", "2"])
    assert result.exit_code == 0, result.output
    assert f"removed: company {company['org'].id}, import {staged.id} viva.csv (staged" in result.output
    assert "1 import(s) left unconfirmed for more than 2 day(s) removed" in result.output
    assert count(UsageImport) == 0
