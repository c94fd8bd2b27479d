"""The shipped curricula meet the standard the cohorts rely on, and each demo company sees its own."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.courses.source import CourseSource, find_course_dirs, load_course
from lms.extensions import db
from lms.orgs.models import Organization

COURSES = Path(__file__).resolve().parents[1] / "courses"
WORKSHOPS = {"manufacturing": "ws-seizo", "construction": "ws-kensetsu", "retail": "ws-kouri", "professional": "ws-shigyo"}
FOR_EVERYONE = ("ai-kiso", "tool-sentei", "prompt-jissen", "ws-backoffice")
FOR_EXECUTIVES = ("keiei-katsuyo",)


@pytest.fixture(scope="module")
def curricula() -> dict[str, CourseSource]:
    return {d.name: load_course(d, root=COURSES) for d in find_course_dirs([COURSES])}


def test_every_course_the_issue_asks_for_is_shipped(curricula: dict[str, CourseSource]) -> None:
    assert set(FOR_EVERYONE + FOR_EXECUTIVES) | set(WORKSHOPS.values()) <= set(curricula)
    assert all(curricula[slug].audience == "executives" for slug in FOR_EXECUTIVES)
    assert all(curricula[slug].industries == ("all",) for slug in FOR_EVERYONE + FOR_EXECUTIVES)
    for industry, slug in WORKSHOPS.items():
        assert industry in curricula[slug].industries, slug


def test_there_are_at_least_sixty_lessons_of_five_to_fifteen_minutes(curricula: dict[str, CourseSource]) -> None:
    lessons = [(lesson.path, lesson.minutes) for c in curricula.values() for m in c.modules for lesson in m.lessons]
    assert len(lessons) >= 60
    assert [(path, minutes) for path, minutes in lessons if not minutes or not 5 <= minutes <= 15] == []


def test_weeks_fit_a_cohort_of_six_to_eight_weeks(curricula: dict[str, CourseSource]) -> None:
    weeks = {m.week for c in curricula.values() for m in c.modules}
    assert min(weeks) == 1 and 6 <= max(weeks) <= 8
    assert weeks == set(range(1, max(weeks) + 1)), "a week without any module"


def test_most_modules_end_with_a_quiz_of_three_questions_that_all_explain(curricula: dict[str, CourseSource]) -> None:
    modules = [m for c in curricula.values() for m in c.modules]
    ending_in_quiz = [m for m in modules if len(m.lessons[-1].questions) >= 3]
    assert len(ending_in_quiz) * 3 >= len(modules) * 2, f"{len(ending_in_quiz)} of {len(modules)} modules"
    unexplained = [
        (lesson.path, q.line)
        for c in curricula.values() for m in c.modules for lesson in m.lessons for q in lesson.questions
        if not (q.explanation or "").strip()
    ]
    assert unexplained == []


def test_each_demo_company_sees_its_industry_and_not_the_others(app: Any) -> None:
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0
    synced = runner.invoke(args=["courses", "sync", str(COURSES)])
    assert synced.exit_code == 0, synced.output
    titles = {d.name: load_course(d, root=COURSES).title for d in find_course_dirs([COURSES])}

    orgs = list(db.session.scalars(sa.select(Organization).order_by(Organization.id)))
    assert {o.industry for o in orgs} == {"manufacturing", "construction", "retail"}
    for org in orgs:
        # A plain employee (no other role), chosen deterministically on both databases.
        employee = next(
            u for u in db.session.scalars(sa.select(User).where(User.org_id == org.id).order_by(User.id))
            if u.roles == {Role.EMPLOYEE}
        )
        client = app.test_client()
        assert client.login(employee.email, "lms-demo-2026").status_code == 302
        page = client.get(f"/o/{org.id}/learn/").get_data(as_text=True)
        for slug in FOR_EVERYONE:
            assert titles[slug] in page, (org.name, slug)
        for slug in FOR_EXECUTIVES:
            assert titles[slug] not in page, (org.name, slug)
        for industry, slug in WORKSHOPS.items():
            assert (titles[slug] in page) == (industry == org.industry), (org.name, slug)
