"""In Chromium: axe-core on the pages of every role at phone and desktop size; the cohort grid by keyboard;
the mail settings after issuing a calendar URL.

The world is the demo (lms.demo) plus the basic course and a cohort of みなと精工 in its second week,
so the pages carry realistic amounts of data: a wide grid, 16 weeks of check-ins, an audit log.
"""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from lms.accounts.models import User, UserRole
from lms.accounts.roles import Role
from lms.cohorts import queries, service
from lms.courses.models import Course, Lesson
from lms.demo.generate import DEMO_PASSWORD, create_demo
from lms.extensions import db
from lms.orgs.models import Organization
from lms.core import clock
from tests.browser import accessible_context, axe_violations, shot, sign_in

pytestmark = pytest.mark.browser
COURSES = Path(__file__).resolve().parents[1] / "courses"
VIEWPORTS = {
    "phone": dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True),
    "desktop": dict(viewport={"width": 1280, "height": 900}),
}


def _lesson_path(org: Organization, lesson: Lesson) -> str:
    return f"/o/{org.id}/learn/{lesson.course.slug}/{lesson.module.slug}/{lesson.slug}"


def _email(org: Organization, role: Role, *, only: bool = False) -> str:
    """A demo person of the company with the role (with `only`, with no other role)."""
    users = db.session.scalars(
        sa.select(User).join(UserRole).where(User.org_id == org.id, UserRole.role == role.value).order_by(User.id)
    )
    return next(u.email for u in users if not only or u.roles == {role})


@pytest.fixture
def world(app: Any) -> dict[str, Any]:
    create_demo()
    for folder in ("ai-kiso", "prompt-jissen"):  # prompt-jissen's lessons have tables wider than a phone
        result = app.test_cli_runner().invoke(args=["courses", "sync", str(COURSES / folder)])
        assert result.exit_code == 0, result.output
    org = db.session.scalar(sa.select(Organization).where(Organization.name == "株式会社みなと精工"))
    course = db.session.scalar(sa.select(Course).where(Course.slug == "ai-kiso"))
    second = db.session.scalar(sa.select(Course).where(Course.slug == "prompt-jissen"))
    trainer = db.session.scalar(sa.select(User).where(User.email == "trainer.ishikawa@provider.example"))
    eight_days_ago = datetime.now(timezone.utc) - timedelta(days=8)
    employees = list(db.session.scalars(
        sa.select(User.id).join(UserRole).where(User.org_id == org.id, UserRole.role == Role.EMPLOYEE.value)
    ))
    cohort = service.create_cohort(org, service.CohortDraft(
        name="2026年12月期 全社AI研修", course_ids=[course.id, second.id], start_date=clock.today(eight_days_ago),
        session_weekday=2, session_time=time(16), member_ids=employees, trainer_ids=[trainer.id],
        meeting_url="https://zoom.us/j/1234567890",
    ), now=eight_days_ago)
    db.session.commit()
    lessons = [l for l in db.session.scalars(sa.select(Lesson).where(Lesson.course_id == course.id)) if not l.is_archived]
    reading = min((l for l in lessons if not l.has_quiz), key=lambda l: (l.module.position, l.position))
    quiz = min((l for l in lessons if l.has_quiz), key=lambda l: (l.module.position, l.position))
    with_table = db.session.scalar(sa.select(Lesson).where(Lesson.slug == "prompt-no-yoso"))
    o = f"/o/{org.id}"
    pages = {
        None: {"login": "/login"},
        _email(org, Role.EMPLOYEE, only=True): {
            "employee-home": f"{o}/", "course": f"{o}/learn/{course.slug}/", "lesson": _lesson_path(org, reading),
            "quiz": _lesson_path(org, quiz), "lesson-with-table": _lesson_path(org, with_table),
            "checkin": f"{o}/checkin/", "checkin-history": f"{o}/checkin/history",
            "mail-settings": "/account/notifications",
        },
        "trainer.ishikawa@provider.example": {
            "cohort-grid": f"{o}/cohorts/{cohort.id}/", "cohorts": f"{o}/cohorts/", "new-cohort": f"{o}/cohorts/new",
            "nudge": f"{o}/cohorts/{cohort.id}/nudge", "course-progress": f"{o}/courses/{course.slug}/progress",
            "lesson-editor": f"/authoring/lessons/{reading.id}/edit",
            "attendance": f"{o}/cohorts/{cohort.id}/attendance", "hours-record": f"{o}/cohorts/{cohort.id}/hours",
        },
        _email(org, Role.EXECUTIVE): {"adoption-dashboard": f"{o}/adoption/"},
        _email(org, Role.ORG_ADMIN): {"roster": f"{o}/members/", "roster-import": f"{o}/members/import",
                                      "cohorts-with-ai-model-settings": f"{o}/cohorts/",
                                      "ai-champions": f"{o}/adoption/champions"},
        "admin@provider.example": {"audit-log": "/admin/audit", "companies": "/admin/", "outbox": "/admin/mail",
                                   "provider-usecases": "/admin/usecases"},
    }
    return {"org": org, "cohort": cohort, "pages": pages}


@pytest.mark.parametrize("size", VIEWPORTS)
def test_axe_finds_nothing_serious_on_any_role_page(browser: Any, server: Any, world: dict[str, Any], size: str) -> None:
    found: dict[str, list[str]] = {}
    checked = []
    for email, pages in world["pages"].items():
        context = accessible_context(browser, **VIEWPORTS[size])
        page = context.new_page()
        if email:
            sign_in(page, server.url, email, DEMO_PASSWORD)
            page.wait_for_load_state()
            assert "/login" not in page.url, f"{email} could not sign in"
        for name, path in pages.items():
            response = page.goto(server.url + path)
            assert response is not None and response.status == 200, (name, path, response and response.status)
            violations = axe_violations(page)
            if violations:
                found[f"{name} ({path})"] = [f"{v['id']} ({v['impact']}, {len(v['nodes'])} nodes)" for v in violations]
            checked.append(name)
            if name == "cohort-grid" and size == "desktop":
                shot(page, "cohort-grid-1280")
        context.close()
    assert len(checked) == sum(len(p) for p in world["pages"].values())
    assert found == {}, f"axe-core at {size} size: {found}"


def test_the_cohort_grid_scrolls_by_keyboard_with_names_kept_in_view(browser: Any, server: Any, world: dict[str, Any]) -> None:
    org, cohort = world["org"], world["cohort"]
    context = accessible_context(browser, **VIEWPORTS["desktop"])
    page = context.new_page()
    sign_in(page, server.url, "trainer.ishikawa@provider.example", DEMO_PASSWORD)
    page.wait_for_load_state()
    page.goto(f"{server.url}/o/{org.id}/cohorts/{cohort.id}/")
    region = page.get_by_role("region", name="受講者とモジュール")
    assert region.get_attribute("tabindex") == "0"
    totals = page.get_by_test_id("totals")
    members = len(queries.follow_up(cohort).rows)
    assert re.search(rf"{members}人中\d+人完了", totals.inner_text())

    scroll_width, client_width = region.evaluate("e => [e.scrollWidth, e.clientWidth]")
    print(f"cohort grid at 1280 px: {scroll_width} px wide in a {client_width} px frame")
    assert scroll_width > client_width, "the grid is wider than its frame, so it must scroll"
    first_name = page.locator("table.grid tbody th").first
    left_before = first_name.bounding_box()["x"]  # type: ignore[index]
    region.focus()
    for _ in range(40):
        page.keyboard.press("ArrowRight")
    # Chromium applies keyboard scrolling in a later frame: on a loaded machine the first read can come before it.
    handle = region.element_handle()
    try:
        page.wait_for_function("e => e.scrollLeft > 0", arg=handle, timeout=5000)
    except PlaywrightTimeout:
        pass  # the assertion below says what failed
    assert region.evaluate("e => e.scrollLeft") > 0, "the arrow keys scroll the focused region"
    assert abs(first_name.bounding_box()["x"] - left_before) < 1, "the names column stays where it was"  # type: ignore[index]
    shot(page, "cohort-grid-1280-scrolled")
    context.close()


def test_issuing_a_calendar_url_keeps_the_mail_boxes_ticked_and_saving_keeps_the_mail(
    browser: Any, server: Any, world: dict[str, Any]
) -> None:
    email = next(e for e, p in world["pages"].items() if p and "employee-home" in p)
    context = accessible_context(browser, **VIEWPORTS["phone"])
    page = context.new_page()
    sign_in(page, server.url, email, DEMO_PASSWORD)
    page.wait_for_load_state()
    page.goto(server.url + "/account/notifications")
    boxes = [page.locator("input[name=notify_module_open]"), page.locator("input[name=notify_reminder]")]
    assert all(box.is_checked() for box in boxes)
    assert page.locator("input[name=notify_digest]").count() == 0, "an employee is not offered the executive digest"
    page.get_by_role("button", name="カレンダーURLを発行").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("feed-url").input_value().endswith(".ics")
    assert all(box.is_checked() for box in boxes), "the page shows the stored choices, not unticked boxes"
    shot(page, "mail-settings-after-calendar-url-phone")
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_load_state()
    db.session.expire_all()
    person = db.session.scalar(sa.select(User).where(User.email == email))
    assert (person.notify_module_open, person.notify_reminder, person.notify_digest) == (True, True, True)
    context.close()
