"""Course audience (issue 10, item 11): executive courses are not shown to employees unless a cohort teaches them."""
from __future__ import annotations

import io
import zipfile
from datetime import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from lms.accounts.models import TrainerAssignment, User
from lms.accounts.roles import Role
from lms.courses.models import Course
from lms.courses.source import CourseSourceError, load_course
from lms.extensions import db
from lms.learning.models import LessonProgress, QuizAttempt
from lms.core import clock
from tests.conftest import count
from tests.coursetree import write_course

COURSES = Path(__file__).resolve().parents[1] / "courses"
LESSON = "/learn/keiei/hajimeni/towa"


@pytest.fixture
def company(sync_course: Any, create_org: Any, create_user: Any) -> dict[str, Any]:
    sync_course(slug="kiso")
    sync_course(slug="keiei", audience="executives")
    org = create_org()
    return {
        "org": org,
        "employee": create_user(org, email="emp@example.jp"),
        "executive": create_user(org, roles=(Role.EXECUTIVE,), email="exec@example.jp"),
        "admin": create_user(org, roles=(Role.ORG_ADMIN,), email="admin@example.jp"),
    }


def _pages(org_id: int) -> list[str]:
    return [f"/o/{org_id}/", f"/o/{org_id}/learn/", f"/o/{org_id}/learn/progress"]


def test_the_audience_is_read_from_course_md_and_defaults_to_everyone(tmp_path: Path) -> None:
    assert load_course(write_course(tmp_path, slug="a")).audience == "everyone"
    assert load_course(write_course(tmp_path, slug="b", audience="executives")).audience == "executives"
    assert load_course(write_course(tmp_path, slug="c", audience="everyone")).audience == "everyone"


def test_an_unknown_audience_is_refused_at_its_line(tmp_path: Path) -> None:
    with pytest.raises(CourseSourceError) as error:
        load_course(write_course(tmp_path, audience="staff"), root=tmp_path)
    assert str(error.value) == "kiso/course.md:5: unknown audience 'staff'; use one of: everyone, executives"


def test_the_shipped_executive_course_is_for_executives() -> None:
    assert load_course(COURSES / "keiei-katsuyo").audience == "executives"
    assert load_course(COURSES / "ai-kiso").audience == "everyone"


def test_sync_stores_and_updates_the_audience(sync_course: Any) -> None:
    assert sync_course(slug="keiei").audience == "everyone"
    assert sync_course(slug="keiei", audience="executives").audience == "executives"


def test_employees_do_not_see_a_course_for_executives(client: Any, company: dict[str, Any]) -> None:
    employee = company["employee"]
    client.login(employee.email)
    for url in _pages(employee.org_id):
        page = client.get(url).get_data(as_text=True)
        assert "/learn/kiso/" in page and "/learn/keiei/" not in page, url
    for url in (f"/o/{employee.org_id}/learn/keiei/", f"/o/{employee.org_id}{LESSON}"):
        assert client.get(url).status_code == 404, url
    assert client.submit(f"/o/{employee.org_id}{LESSON}/complete", page="/account").status_code == 404
    assert client.submit(f"/o/{employee.org_id}/learn/keiei/hajimeni/test/quiz", {"q0": "x"}, page="/account").status_code == 404
    assert count(LessonProgress) == 0 and count(QuizAttempt) == 0


@pytest.mark.parametrize("who", ["executive", "admin"])
def test_executives_and_company_admins_see_it(client: Any, company: dict[str, Any], who: str) -> None:
    person: User = company[who]
    client.login(person.email)
    for url in _pages(person.org_id):
        page = client.get(url).get_data(as_text=True)
        assert "/learn/keiei/" in page, url
    assert "経営者・管理者向け" in client.get(f"/o/{person.org_id}/learn/").get_data(as_text=True)
    assert client.get(f"/o/{person.org_id}/learn/keiei/").status_code == 200
    assert client.get(f"/o/{person.org_id}{LESSON}").status_code == 200
    client.submit(f"/o/{person.org_id}{LESSON}/complete", page=f"/o/{person.org_id}{LESSON}")
    assert count(LessonProgress) == 1


def test_trainers_see_it_among_the_company_courses(client: Any, company: dict[str, Any], create_user: Any) -> None:
    trainer = create_user(None, roles=(Role.TRAINER,), email="t@provider.example")
    db.session.add(TrainerAssignment(org_id=company["org"].id, trainer_id=trainer.id))
    db.session.commit()
    client.login(trainer.email)
    org_id = company["org"].id
    assert "/courses/keiei/progress" in client.get(f"/o/{org_id}/courses/").get_data(as_text=True)
    assert client.get(f"/o/{org_id}/courses/keiei/progress").status_code == 200
    keiei = db.session.scalar(sa.select(Course).where(Course.slug == "keiei"))
    assert f'value="{keiei.id}"' in client.get(f"/o/{org_id}/cohorts/new").get_data(as_text=True)


def test_a_cohort_that_teaches_it_opens_it_to_its_employees(client: Any, company: dict[str, Any], create_user: Any) -> None:
    from lms.cohorts import service

    employee, org = company["employee"], company["org"]
    other = create_user(org, email="other@example.jp")
    keiei = db.session.scalar(sa.select(Course).where(Course.slug == "keiei"))
    service.create_cohort(org, service.CohortDraft(
        name="経営層と推進担当", course_ids=[keiei.id], start_date=clock.today(), session_weekday=2,
        session_time=time(10), member_ids=[employee.id],
    ))
    db.session.commit()
    client.login(employee.email)
    for url in _pages(org.id):
        assert "/learn/keiei/" in client.get(url).get_data(as_text=True), url
    assert client.get(f"/o/{org.id}{LESSON}").status_code == 200
    client.logout()
    client.login(other.email)  # not in the cohort: still hidden
    assert "/learn/keiei/" not in client.get(f"/o/{org.id}/learn/").get_data(as_text=True)
    assert client.get(f"/o/{org.id}{LESSON}").status_code == 404


def test_export_then_sync_of_the_executive_course_round_trips(app: Any, client: Any, create_user: Any, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    assert runner.invoke(args=["courses", "sync", str(COURSES / "keiei-katsuyo")]).exit_code == 0
    create_user(None, roles=(Role.TRAINER,), email="t@provider.example")
    client.login("t@provider.example")
    archive = zipfile.ZipFile(io.BytesIO(client.get("/authoring/keiei-katsuyo/export.zip").data))
    archive.extractall(tmp_path)
    for path in (COURSES / "keiei-katsuyo").rglob("*"):
        if path.is_file():
            assert (tmp_path / "keiei-katsuyo" / path.relative_to(COURSES / "keiei-katsuyo")).read_bytes() == path.read_bytes(), path
    result = runner.invoke(args=["courses", "sync", str(tmp_path / "keiei-katsuyo")])
    assert "keiei-katsuyo: unchanged" in result.output
    assert db.session.scalar(sa.select(Course.audience).where(Course.slug == "keiei-katsuyo")) == "executives"
    assert "経営者・管理者向け" in client.get("/authoring/keiei-katsuyo/").get_data(as_text=True)
