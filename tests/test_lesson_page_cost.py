"""What a signed-in lesson page costs the database: counted statements and commits, never times.

Figures of CPU time per request come from `make bench` (scripts/bench.py, section "pages").
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa

from lms.accounts.roles import Role
from lms.cohorts.models import Cohort, CohortCourse, CohortMember
from lms.core.clock import today
from lms.courses.models import Course, CourseModule
from lms.courses.sync import Author, load_sources, sync_course
from lms.extensions import db
from lms.learning.models import LessonProgress
from tests.conftest import count
from tests.coursetree import write_weekly_course

# Real commits: the test counts the COMMITs a page sends.
pytestmark = pytest.mark.real_commits

# The lesson page's budget: the person with their session, roles and company; the lesson with its
# course, module, revision and the person's progress; previous/next; the cohort lock.
LESSON_PAGE_STATEMENTS = 4


class Counter:
    def __init__(self) -> None:
        self.statements: list[str] = []
        self.commits = 0


@contextmanager
def counted() -> Iterator[Counter]:
    """Every SQL statement and COMMIT the app sends while the block runs."""
    counter = Counter()
    engine = db.engine

    def statement(conn: Any, cursor: Any, text: str, *args: Any) -> None:
        counter.statements.append(text)

    def commit(conn: Any) -> None:
        counter.commits += 1

    sa.event.listen(engine, "before_cursor_execute", statement)
    sa.event.listen(engine, "commit", commit)
    try:
        yield counter
    finally:
        sa.event.remove(engine, "before_cursor_execute", statement)
        sa.event.remove(engine, "commit", commit)


@pytest.fixture
def school(app: Any, create_org: Any, create_user: Any, tmp_path: Any) -> dict[str, Any]:
    """A three-week course; one employee in a cohort of it that started 8 days ago (week 2), one in none."""
    org = create_org(name="株式会社みなと精工")
    member = create_user(org, email="member@minato.example")
    loner = create_user(org, email="loner@minato.example")
    create_user(org, roles=(Role.ORG_ADMIN,), email="admin@minato.example")
    (source,) = load_sources([write_weekly_course(tmp_path / "weekly", weeks=3)])
    sync_course(source, author=Author(None, "test"))
    db.session.commit()
    course = db.session.scalar(sa.select(Course).where(Course.slug == "kiso"))
    now = datetime.now(timezone.utc)
    cohort = Cohort(org_id=org.id, name="2027年1月期", start_date=today(now - timedelta(days=8)),
                    session_weekday=2, session_time=time(10), weeks=3)
    db.session.add(cohort)
    db.session.flush()
    db.session.add(CohortCourse(org_id=org.id, cohort_id=cohort.id, course_id=course.id))
    db.session.add(CohortMember(org_id=org.id, cohort_id=cohort.id, user_id=member.id, joined_week=1, added_at=now))
    db.session.commit()
    module = db.session.scalar(sa.select(CourseModule).where(CourseModule.week == 2))
    lesson = module.lessons[0]
    return {"org": org, "member": member, "loner": loner,
            "url": f"/o/{org.id}/learn/{course.slug}/{module.slug}/{lesson.slug}"}


@pytest.mark.parametrize("email", ["member@minato.example", "loner@minato.example"])
def test_a_revisited_lesson_page_takes_at_most_four_statements_and_commits_nothing(
    client: Any, school: dict[str, Any], email: str,
) -> None:
    client.login(email)
    with counted() as first:
        page = client.get(school["url"]).get_data(as_text=True)
    assert 'data-testid="locked"' not in page
    assert first.commits == 1 and count(LessonProgress) == 1  # the first visit records "started"

    with counted() as again:
        answer = client.get(school["url"])
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert len(again.statements) <= LESSON_PAGE_STATEMENTS, "\n\n".join(again.statements)
    assert again.commits == 0
    assert count(LessonProgress) == 1
    # Still the whole page: the person's state, both neighbours and a form that can be sent.
    assert "badge-started" in page
    assert re.search(r'rel="prev" href="/o/\d+/learn/kiso/week1/yomu"', page)
    assert re.search(r'rel="next" href="/o/\d+/learn/kiso/week3/yomu"', page)
    assert 'name="csrf_token" value="' in page


def test_a_lesson_of_a_later_week_stays_locked_within_the_same_budget(client: Any, school: dict[str, Any]) -> None:
    locked = school["url"].replace("week2", "week3")
    client.login("member@minato.example")
    with counted() as visit:
        page = client.get(locked).get_data(as_text=True)
    assert 'data-testid="locked"' in page
    assert len(visit.statements) <= LESSON_PAGE_STATEMENTS and visit.commits == 0
    assert count(LessonProgress) == 0


def test_the_course_page_takes_three_statements_and_the_employee_home_nine(client: Any, school: dict[str, Any]) -> None:
    """Course page: the person; the course with whether they completed it; its outline with their progress.
    Home of a person in one cohort: the person (with their department); the cohort with its courses; its
    modules; their lessons with what is done; the courses; the course cards' counts; the completions; the
    open use-case trials; the use cases recommended to them."""
    client.login("member@minato.example")
    client.get(school["url"])  # started
    org_id = school["org"].id
    with counted() as course:
        page = client.get(f"/o/{org_id}/learn/kiso/").get_data(as_text=True)
    assert len(course.statements) <= 3, "\n\n".join(course.statements)
    assert course.commits == 0
    assert page.count("badge-started") == 1 and page.count("badge-none") == 2
    assert 'value="0"' in page and 'max="3"' in page  # the progress bar: 0 of 3 required lessons done

    with counted() as home:
        page = client.get(f"/o/{org_id}/").get_data(as_text=True)
    assert len(home.statements) <= 9, "\n\n".join(home.statements)
    assert home.commits == 0
    assert re.search(r'href="/o/\d+/learn/kiso/week2/yomu"', page)  # this week's lesson, linked
