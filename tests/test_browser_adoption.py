"""In Chromium: the weekly AI check-in on a phone, and the executive's adoption dashboard as answers arrive.

Elements are found by data-testid, name, id and role; the few texts asserted are the
Japanese of lms/translations/ja. The dashboard's headline figures are about last week
(the last complete week), so every answer here is for last week or the weeks before it.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable

import pytest
import sqlalchemy as sa
from babel.dates import format_date

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.adoption import service
from lms.adoption.models import UsageCheckin
from lms.extensions import db
from lms.orgs.models import Department, Organization
from tests.browser import open_menu, shot, sign_in

pytestmark = pytest.mark.browser
MISSING = "—"


def _last_week() -> date:
    """The week the dashboard's headline figures are about, by the same clock as the server."""
    return service.this_week() - timedelta(weeks=1)


def _company(create_org: Callable[..., Organization], create_user: Callable[..., User],
             sizes: dict[str, int]) -> dict[str, Any]:
    """A company with departments of the given sizes (employees) and one executive (not an employee)."""
    org = create_org(name="株式会社みなと精工")
    departments = {name: Department(org_id=org.id, name=name) for name in sizes}
    db.session.add_all(departments.values())
    db.session.commit()
    people = {
        name: [create_user(org, department_id=departments[name].id) for _ in range(size)]
        for name, size in sizes.items()
    }
    executive = create_user(org, roles=(Role.EXECUTIVE,), email="shacho@minato.example", name="社長 港")
    return {"org": org, "departments": departments, "people": people, "executive": executive}


def _answer_last_week(user: User, days: int, **fields: Any) -> None:
    """An answer for last week, given now (last week can still be answered during this one)."""
    service.save_checkin(user, _last_week(), service.CheckinDraft(days_used=days, **fields))
    db.session.commit()


def _weekly(user: User, weeks: int, days: int = 3) -> None:
    """`weeks` weeks of answers ending last week, each written during its own week (as in tests/test_adoption.py)."""
    this_week = service.this_week()
    for back in range(weeks, 0, -1):
        week = this_week - timedelta(weeks=back)
        answered_at = datetime.combine(week + timedelta(days=4), datetime.min.time(), tzinfo=timezone.utc)
        service.save_checkin(user, week, service.CheckinDraft(days_used=days, minutes_bucket=3), now=answered_at)
    db.session.commit()


def _watch_csp(page: Any) -> list[str]:
    violations: list[str] = []
    page.on("console", lambda msg: "Content Security Policy" in msg.text and violations.append(msg.text))
    return violations


def _no_horizontal_scroll(page: Any) -> None:
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{page.url} scrolls sideways on a phone: {width}px wide in a {inner}px viewport"


def _current_step(page: Any) -> int:
    """The position (0-based) of the ladder step marked aria-current="step"; exactly one is marked."""
    steps = page.get_by_test_id("stage").locator("ol li")
    marked = [i for i in range(steps.count()) if steps.nth(i).get_attribute("aria-current") == "step"]
    assert len(marked) == 1, f"steps marked current: {marked}"
    return marked[0]


def _department_cells(page: Any, name: str) -> list[str]:
    """The cells after the row header (people, completion, active, habitual, hours) of one departments-table row."""
    table = page.get_by_test_id("table-departments")
    row = table.locator("tbody tr", has=page.locator("th[scope=row]", has_text=re.compile(rf"^{re.escape(name)}$")))
    assert row.count() == 1, f"one row for {name}"
    return [c.strip() for c in row.locator("td").all_inner_texts()]


# --- 1. an employee answers last week on a phone --------------------------------------------------

def test_an_employee_answers_last_weeks_check_in_on_a_phone(
    app: Any, phone: Any, server: Any, create_org: Any, create_user: Any
) -> None:
    world = _company(create_org, create_user, {"営業部": 1})
    org, (person,) = world["org"], world["people"]["営業部"]
    base = f"{server.url}/o/{org.id}"
    last_week = _last_week()
    csp = _watch_csp(phone)

    sign_in(phone, server.url, person.email)
    phone.wait_for_url(f"{base}/")

    # From the menu to this week's form, then to last week's.
    open_menu(phone)
    phone.get_by_role("navigation").get_by_role("link", name="AI活用チェックイン").click()
    phone.wait_for_url(f"{base}/checkin/")
    assert phone.locator("input[name=week]").input_value() == "current"
    phone.get_by_role("link", name="先週の分を回答する").click()
    phone.wait_for_url(f"{base}/checkin/?week=previous")
    assert phone.locator("input[name=week]").input_value() == "previous"
    assert format_date(last_week, "medium", locale="ja") in phone.get_by_test_id("checkin-week").inner_text()

    # Eight day choices that a thumb can hit, and nothing wider than the phone.
    days = phone.locator("input[name=days_used]")
    assert days.count() == 8
    for i in range(8):
        chip = days.nth(i).locator("xpath=ancestor::label[1]")
        box = chip.bounding_box()
        assert box is not None and box["height"] >= 44 and box["width"] >= 44, f"day choice {i}: {box}"
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, f"day choice {i} is off screen: {box}"
    # The time-saved radios are plain (not chips): at least each one is on screen, not off to the side.
    for i in range(phone.locator("input[name=minutes_bucket]").count()):
        box = phone.locator("input[name=minutes_bucket]").nth(i).bounding_box()
        assert box is not None and 0 <= box["x"] and box["x"] + box["width"] <= 390, f"time choice {i}: {box}"
    _no_horizontal_scroll(phone)

    phone.locator("input[name=days_used][value='3']").check()
    phone.locator("input[name=tasks][value=quotes]").check()
    phone.locator("input[name=minutes_bucket][value='2']").check()
    shot(phone, "adoption-checkin-phone")
    phone.get_by_role("button", name="保存").click()

    # The history page shows last week's answer.
    phone.wait_for_url(f"{base}/checkin/history")
    assert format_date(last_week, "medium", locale="ja") in phone.get_by_role("status").inner_text()
    rows = phone.get_by_test_id("my-checkins").locator("tbody tr")
    assert rows.count() == 1
    assert rows.first.locator("th").inner_text().strip() == format_date(last_week, "medium", locale="ja")
    cells = rows.first.locator("td").all_inner_texts()
    assert cells[0].strip() == "3"
    assert "見積書・契約書" in cells[2]
    _no_horizontal_scroll(phone)

    db.session.rollback()
    saved = db.session.scalars(sa.select(UsageCheckin).where(UsageCheckin.user_id == person.id)).all()
    assert [(c.week, c.days_used, c.tasks, c.minutes_bucket) for c in saved] == [(last_week, 3, ["quotes"], 2)]
    assert csp == []


# --- 2. the executive's headline figure follows the answers ----------------------------------------

def test_the_executive_sees_last_weeks_active_share_change(
    app: Any, page: Any, server: Any, create_org: Any, create_user: Any
) -> None:
    world = _company(create_org, create_user, {"営業部": 6})
    org, people = world["org"], world["people"]["営業部"]
    base = f"{server.url}/o/{org.id}"

    sign_in(page, server.url, world["executive"].email)
    page.wait_for_url(re.compile(rf"{re.escape(base)}/.*"))
    open_menu(page)
    page.get_by_role("navigation").get_by_role("link", name="AI活用状況").click()
    page.wait_for_url(f"{base}/adoption/")
    assert page.get_by_test_id("active-share").inner_text().strip() == MISSING
    assert page.get_by_test_id("no-data").is_visible()

    for person in people[:3]:
        _answer_last_week(person, days=2, tasks=["email"])
    # Answers for this week are not about last week: they must not move the headline figure.
    service.save_checkin(people[3], service.this_week(), service.CheckinDraft(days_used=5))
    db.session.commit()

    page.reload()
    assert page.get_by_test_id("active-share").inner_text().strip() == "50%"
    assert page.get_by_test_id("no-data").count() == 0
    assert _department_cells(page, "営業部")[:1] == ["6"]
    assert _department_cells(page, "営業部")[2] == "50.0%"
    for person in people:
        assert person.display_name not in page.content()
    assert page.csp_violations == []
    shot(page, "adoption-dashboard")


# --- 3. the stage moves up one step when a department crosses the habitual threshold -------------

def test_the_stage_moves_up_when_a_department_crosses_the_threshold(
    app: Any, page: Any, server: Any, create_org: Any, create_user: Any
) -> None:
    world = _company(create_org, create_user, {"営業部": 6})
    org, people = world["org"], world["people"]["営業部"]
    for person in people[:2]:
        _weekly(person, 4)
    service.settings_for(org.id).approved_tool = True
    db.session.commit()

    sign_in(page, server.url, world["executive"].email)
    page.wait_for_url(re.compile(rf"{re.escape(server.url)}/o/{org.id}/.*"))
    page.goto(f"{server.url}/o/{org.id}/adoption/")
    before = _current_step(page)
    assert before == 1, "2 of 6 habitual: people use it personally, no department there yet"
    assert page.get_by_test_id("stage").locator("ol li").count() == 4

    _weekly(people[2], 4)  # 3 of 6 = the 50% department threshold
    page.reload()
    assert _current_step(page) == before + 1


# --- 4. a department under five people shows no figures -------------------------------------------

def test_a_small_department_shows_dashes_and_a_large_one_shows_numbers(
    app: Any, page: Any, server: Any, create_org: Any, create_user: Any
) -> None:
    world = _company(create_org, create_user, {"営業部": 6, "総務部": 2, "製造部": 7})
    org = world["org"]
    for person in world["people"]["総務部"] + world["people"]["製造部"][:3]:
        _weekly(person, 1, days=2)

    sign_in(page, server.url, world["executive"].email)
    page.wait_for_url(re.compile(rf"{re.escape(server.url)}/o/{org.id}/.*"))
    page.goto(f"{server.url}/o/{org.id}/adoption/")

    small = _department_cells(page, "総務部")
    assert small[0] == "2"
    assert small[1:] == [MISSING] * 4, small  # completion, active, habitual, hours saved

    # Beside the company row, 営業部 and 製造部 would give 総務部's two answers away by subtraction:
    # the smaller of them (営業部) shows dashes too.
    covering = _department_cells(page, "営業部")
    assert covering[0] == "6" and covering[1:] == [MISSING] * 4, covering

    large = _department_cells(page, "製造部")
    assert large[0] == "7"
    # No cohorts, so no course completion to show; the usage figures are numbers.
    assert large[2:] == [f"{round(100 * 3 / 7, 1)}%", "0.0%", f"{3 * 45 * 52 / 12 / 60:.1f}時間/月"], large

    whole = _department_cells(page, "会社全体")
    assert whole[0] == "15" and whole[2] == f"{round(100 * 5 / 15, 1)}%", whole
    assert page.get_by_test_id("active-share").inner_text().strip() == f"{100 * 5 / 15:.0f}%"
