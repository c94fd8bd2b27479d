"""In Chromium: the executive's first page leads to AI活用状況, and the dashboard answers in its first screen.

"Where are we, is it paying off, what next" must be readable without scrolling, on a phone
(390 × 844) and on a desktop; the tables behind each chart stay closed until asked for.
"""
from __future__ import annotations

import re
from typing import Any, Callable

import pytest

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.adoption import service
from lms.orgs.models import Organization
from tests.adoptionworld import company_using_ai
from tests.browser import ARTIFACTS, DB, shot, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def company(create_org: Callable[..., Organization], create_user: Callable[..., User]) -> dict[str, Any]:
    """Six people in 営業部 using AI three days a week for four weeks; costs entered; an executive."""
    org, _people = company_using_ai(create_org, create_user, name="株式会社みなと精工", this_week=service.this_week())
    executive = create_user(org, roles=(Role.EXECUTIVE,), email="shacho@minato.example", name="社長 港")
    return {"org": org, "executive": executive}


def first_screen(page: Any, name: str) -> None:
    """What the viewport shows before any scrolling."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{DB}-{name}.png"), full_page=False)


def in_first_screen(page: Any, test_id: str) -> None:
    box = page.get_by_test_id(test_id).bounding_box()
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    assert box is not None, test_id
    assert box["y"] >= 0 and box["y"] + box["height"] <= height, f"{test_id} is below the first screen: {box}"
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"{test_id} is off to the side: {box}"


def test_the_executive_lands_on_the_company_stage_and_goes_on_to_the_dashboard(
    app: Any, page: Any, server: Any, company: dict[str, Any]
) -> None:
    base = f"{server.url}/o/{company['org'].id}"
    sign_in(page, server.url, company["executive"].email)
    page.wait_for_url(f"{base}/executive")
    assert page.get_by_test_id("home-stage").inner_text().strip() == "従業員が個人的に使用している段階"
    assert page.get_by_test_id("home-active").inner_text().strip() == "100%"
    assert page.get_by_test_id("home-habitual").inner_text().strip() == "100%"
    assert page.get_by_test_id("home-next").inner_text().strip()  # the first thing missing for the next stage
    assert page.get_by_test_id("home-empty").count() == 0
    shot(page, "executive-home")
    page.get_by_test_id("dashboard-link").click()
    page.wait_for_url(f"{base}/adoption/")
    assert page.csp_violations == []


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_dashboards_first_screen_answers_where_paying_off_and_next(
    app: Any, browser: Any, server: Any, company: dict[str, Any], size: str
) -> None:
    viewport = {"width": 390, "height": 844} if size == "phone" else {"width": 1280, "height": 900}
    context = browser.new_context(viewport=viewport, is_mobile=size == "phone", has_touch=size == "phone",
                                  locale="ja-JP")
    page = context.new_page()
    try:
        sign_in(page, server.url, company["executive"].email)
        page.wait_for_url(re.compile(r".*/executive$"))
        page.goto(f"{server.url}/o/{company['org'].id}/adoption/")

        for test_id in ("answer-stage", "answer-return", "answer-next", "value-month", "payback", "hours-month"):
            in_first_screen(page, test_id)
        hours = page.get_by_test_id("hours-month").inner_text().strip()
        assert re.fullmatch(r"\d[\d,]*\.\d時間/月", hours), hours
        assert re.fullmatch(r"\d{1,3}(,\d{3})*円/月", page.get_by_test_id("value-month").inner_text().strip())
        assert re.fullmatch(r"\d+か月目", page.get_by_test_id("payback").inner_text().strip())
        assert page.get_by_test_id("active-share").inner_text().strip() == "100%"
        first_screen(page, f"adoption-first-screen-{size}")

        # Each chart's table is closed under its chart, and opens on request.
        for name in ("weekly", "months", "tasks", "tools", "barriers"):
            details = page.get_by_test_id(f"details-{name}")
            assert details.get_attribute("open") is None, name
            assert not page.get_by_test_id(f"table-{name}").is_visible(), name
        page.get_by_test_id("details-weekly").locator("summary").click()
        assert page.get_by_test_id("table-weekly").is_visible()
        assert page.get_by_test_id("table-weekly").locator("tbody tr").last.locator("td").first.inner_text() == "100.0%"
        page.get_by_test_id("details-weekly").locator("summary").click()

        # Units in the open tables too: yen with separators, hours a month, percent.
        money = page.get_by_test_id("table-return").inner_text()
        assert "300,000円" in money and "時間/月" in money and "50.0%" in money
        departments = page.get_by_test_id("table-departments").inner_text()
        assert "100.0%" in departments and "時間/月" in departments
        wrap = page.get_by_test_id("table-departments").locator("xpath=..")
        assert wrap.get_attribute("tabindex") == "0" and wrap.get_attribute("role") == "region"
        assert wrap.get_attribute("aria-label")

        if size == "phone":
            width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert width <= inner, f"the dashboard scrolls sideways on a phone: {width}px in {inner}px"
        shot(page, f"adoption-dashboard-{size}")
    finally:
        context.close()
