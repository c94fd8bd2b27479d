"""In Chromium: a trainer creates a cohort for a whole department; its people see this week's lessons on a phone.

The cohort pages are being translated while this is written, so elements are
found by data-testid, id, name and role, never by the text of those pages.
"""
from __future__ import annotations

import re
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from lms.accounts.models import TrainerAssignment
from lms.accounts.roles import Role
from lms.cohorts import service
from lms.cohorts.models import Cohort, CohortMember, CohortTrainer
from lms.courses.models import Course
from lms.extensions import db
from lms.learning.queries import outline
from lms.orgs.models import Department
from lms.core import clock
from tests.browser import shot, sign_in
from tests.conftest import count

pytestmark = pytest.mark.browser
COURSES = Path(__file__).resolve().parents[1] / "courses"
WEDNESDAY = 2


def _sync(app: Any, name: str) -> None:
    result = app.test_cli_runner().invoke(args=["courses", "sync", str(COURSES / name)])
    assert result.exit_code == 0, result.output


def _world(app: Any, create_org: Any, create_user: Any) -> dict[str, Any]:
    _sync(app, "ai-kiso")
    course = db.session.scalar(sa.select(Course).where(Course.slug == "ai-kiso"))
    org = create_org(name="株式会社みなと精工", industry="manufacturing")
    seizo = Department(org_id=org.id, name="製造部")
    somu = Department(org_id=org.id, name="総務部")
    db.session.add_all([seizo, somu])
    db.session.commit()
    chosen = [
        create_user(org, email="kato@minato.example", name="加藤一郎", department_id=seizo.id),
        create_user(org, email="sato@minato.example", name="佐藤花子", department_id=seizo.id),
    ]
    others = [
        create_user(org, email="suzuki@minato.example", name="鈴木次郎", department_id=somu.id),
        create_user(org, email="tanaka@minato.example", name="田中三郎", department_id=somu.id),
        create_user(org, email="ito@minato.example", name="伊藤四郎"),  # no department
    ]
    trainer = create_user(None, roles=(Role.TRAINER,), email="trainer@provider.example", name="講師山本")
    db.session.add(TrainerAssignment(org_id=org.id, trainer_id=trainer.id))
    db.session.commit()
    return {"course": course, "org": org, "seizo": seizo, "somu": somu, "chosen": chosen, "others": others,
            "trainer": trainer}


def _field_error(page: Any, field_id: str) -> str | None:
    """The error text under a single field, or None when the field is not marked invalid."""
    if page.locator(f"#{field_id}").get_attribute("aria-invalid") != "true":
        assert page.locator(f"#{field_id}-error").count() == 0
        return None
    return page.locator(f"#{field_id}-error").inner_text()


def _group_error(page: Any, name: str) -> str | None:
    """The error of a group of checkboxes (its fieldset), or None."""
    fieldset = page.locator("fieldset", has=page.locator(f"input[name={name}]"))
    assert fieldset.count() == 1
    error = fieldset.locator(".error")
    return error.inner_text() if error.count() else None


def test_a_trainer_runs_a_department_cohort_and_its_people_see_this_weeks_lessons(
    app: Any, page: Any, phone: Any, server: Any, create_org: Any, create_user: Any
) -> None:
    world = _world(app, create_org, create_user)
    org, course, trainer = world["org"], world["course"], world["trainer"]
    today = clock.today()
    base = f"{server.url}/o/{org.id}"

    # --- the trainer opens the form from the company's cohorts page ---------------------------
    sign_in(page, server.url, "trainer@provider.example")
    page.wait_for_url(re.compile(r".*/trainer$"))
    page.goto(f"{base}/cohorts/")
    page.get_by_test_id("new-cohort").click()
    page.wait_for_url(f"{base}/cohorts/new")
    course_box = page.locator(f"input[name=course_ids][value='{course.id}']")
    seizo_box = page.locator(f"input[name=department_ids][value='{world['seizo'].id}']")
    somu_box = page.locator(f"input[name=department_ids][value='{world['somu'].id}']")
    trainer_box = page.locator(f"input[name=trainer_ids][value='{trainer.id}']")
    assert trainer_box.is_checked(), "the trainer creating the cohort is preselected"
    assert not course_box.is_checked() and not seizo_box.is_checked() and not somu_box.is_checked()
    assert page.locator("input[name=member_ids]").count() == 5  # every employee could be picked one by one

    page.locator("#name").fill("2027年 製造部 AI研修")
    course_box.check()
    page.locator("#start_date").fill((today - timedelta(days=1)).isoformat())
    page.locator("select[name=session_weekday]").select_option(str(WEDNESDAY))
    page.locator("#session_time").fill("10:00")
    seizo_box.check()

    # --- a start date in the past: an error on that field, nothing saved ----------------------
    page.get_by_test_id("create-cohort").click()
    page.wait_for_load_state()
    assert page.url == f"{base}/cohorts/new"
    assert _field_error(page, "start_date"), "the past start date is explained under its field"
    assert _group_error(page, "course_ids") is None
    assert _field_error(page, "name") is None
    assert page.get_by_role("alert").first.is_visible()
    assert count(Cohort) == 0
    # What was entered is kept.
    assert page.locator("#name").input_value() == "2027年 製造部 AI研修"
    assert course_box.is_checked() and seizo_box.is_checked() and trainer_box.is_checked()

    # --- no course: a course error, nothing saved ---------------------------------------------
    page.locator("#start_date").fill(today.isoformat())
    course_box.uncheck()
    page.get_by_test_id("create-cohort").click()
    page.wait_for_load_state()
    assert page.url == f"{base}/cohorts/new"
    assert _group_error(page, "course_ids"), "a cohort without a course is refused with a course error"
    assert _field_error(page, "start_date") is None
    assert count(Cohort) == 0

    # --- the valid cohort: one whole department -----------------------------------------------
    course_box.check()
    assert page.locator("#start_date").input_value() == today.isoformat()
    assert page.locator("select[name=session_weekday]").input_value() == str(WEDNESDAY)
    assert page.locator("#session_time").input_value() == "10:00"
    page.get_by_test_id("create-cohort").click()
    page.wait_for_url(re.compile(rf"{re.escape(base)}/cohorts/\d+/$"))
    assert count(Cohort) == 1
    db.session.expire_all()
    cohort = db.session.scalar(sa.select(Cohort))
    assert page.url == f"{base}/cohorts/{cohort.id}/"
    assert (cohort.name, cohort.start_date, cohort.session_weekday, cohort.session_time) == (
        "2027年 製造部 AI研修", today, WEDNESDAY, time(10, 0))
    assert [c.course_id for c in cohort.courses] == [course.id]
    assert set(db.session.scalars(sa.select(CohortTrainer.trainer_id).where(CohortTrainer.cohort_id == cohort.id))) == {trainer.id}
    members = set(db.session.scalars(sa.select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id)))
    assert members == {u.id for u in world["chosen"]}

    # --- the follow-up lists exactly the department's people ----------------------------------
    table = page.get_by_test_id("follow-up")
    rows = table.locator("tbody tr th[scope=row]").all_inner_texts()
    assert len(rows) == 2, rows
    listed = {u.display_name for u in world["chosen"] + world["others"] if any(r.startswith(u.display_name) for r in rows)}
    assert listed == {u.display_name for u in world["chosen"]}
    table_text = table.inner_text()
    for other in world["others"]:
        assert other.display_name not in table_text
    headers = table.locator("thead tr:first-child th").all_inner_texts()
    modules = service.cohort_modules(cohort)
    by_module = outline(course)
    quizzes = [l for _m, lessons in by_module for l in lessons if l.has_quiz]
    assert len(headers) == 1 + len(modules) + len(quizzes) + 1, headers
    assert all(h.endswith(m.title) for h, (_c, m) in zip(headers[1:1 + len(modules)], modules, strict=True)), headers
    # Checked at the end (so every other step runs first): quiz columns in course order.
    quiz_columns = headers[1 + len(modules):-1]
    assert sorted(quiz_columns) == sorted(l.title for l in quizzes)
    assert page.csp_violations == []
    shot(page, "cohort-follow-up")

    # --- an employee of the department, on a phone ---------------------------------------------
    assert {m.week for _c, m in modules} == {1, 2}
    week_of = {m.id: m.week for _c, m in modules}
    this_week = [l for m, lessons in by_module if week_of[m.id] == 1 for l in lessons]
    later = [l for m, lessons in by_module if week_of[m.id] == 2 for l in lessons]
    assert this_week and later
    employee = world["chosen"][0]
    sign_in(phone, server.url, employee.email)
    phone.wait_for_url(f"{base}/")
    card = phone.get_by_test_id("my-cohort")
    assert card.count() == 1
    assert card.get_by_role("heading", level=2).inner_text() == cohort.name
    links = card.get_by_test_id("this-week").get_by_role("link")
    listed_this_week = links.all_inner_texts()
    assert sorted(listed_this_week) == sorted(l.title for l in this_week), "exactly the week-1 lessons"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "employee-this-week")

    links.first.click()
    assert phone.get_by_role("heading", level=1).inner_text() == listed_this_week[0]
    assert phone.get_by_test_id("locked").count() == 0

    locked = later[0]
    phone.goto(f"{base}/learn/{course.slug}/{locked.module.slug}/{locked.slug}")
    assert phone.get_by_test_id("locked").is_visible()
    assert phone.get_by_role("heading", level=1).inner_text() == locked.title
    assert phone.locator("[data-testid=complete], [data-testid=quiz-submit]").count() == 0
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    # The order of lessons: a person works down the list, so it follows the course (module by module).
    assert listed_this_week == [l.title for l in this_week], "this week's lessons, in course order"
    assert quiz_columns == [l.title for l in quizzes], "the follow-up's quiz columns, in course order"
