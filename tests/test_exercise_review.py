"""Issue 12 item 6: the trainers' review queue, good examples shared without names, executives' practice aggregates."""
from __future__ import annotations

import io
import zipfile
from datetime import datetime, time, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, render_template

from lms.accounts.models import TrainerAssignment, User
from lms.accounts.roles import Role
from lms.adoption import dashboard
from lms.audit.models import AuditEvent
from lms.cohorts import service as cohort_service
from lms.core import clock
from lms.exercises import queries
from lms.exercises.models import ExerciseAttempt
from lms.extensions import db
from lms.orgs.models import Department, Organization
from tests.practiceworld import BLOCKED, GOOD, WEAK, attempt, example_exercise

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc)


def _cohort(org: Organization, name: str, members: list[User], course: Any) -> int:
    cohort = cohort_service.create_cohort(org, cohort_service.CohortDraft(
        name=name, course_ids=[course.id], start_date=clock.today(), session_weekday=2, session_time=time(10),
        member_ids=[m.id for m in members],
    ))
    db.session.commit()
    return cohort.id


@pytest.fixture
def world(app: Flask, create_org: Any, create_user: Any, sync_course: Any) -> dict[str, Any]:
    org = create_org(name="株式会社練習", industry="manufacturing")
    other = create_org(name="株式会社よそ", industry="manufacturing")
    course = sync_course()
    sales = Department(org_id=org.id, name="営業部")
    db.session.add(sales)
    db.session.commit()
    people = [create_user(org, name=n, email=f"{e}@renshu.example", department_id=sales.id)
              for n, e in (("青木 一郎", "aoki"), ("井口 花子", "iguchi"), ("上田 次郎", "ueda"))]
    outsider = create_user(org, name="江藤 三郎", email="eto@renshu.example")  # another cohort of the same company
    stranger = create_user(other, name="小野 四郎", email="ono@yoso.example")
    trainer = create_user(None, roles=(Role.TRAINER,), email="trainer@provider.example")
    db.session.add(TrainerAssignment(org_id=org.id, trainer_id=trainer.id))
    admin = create_user(org, roles=(Role.ORG_ADMIN, Role.EMPLOYEE), email="admin@renshu.example", name="管理 者")
    executive = create_user(org, roles=(Role.EXECUTIVE,), email="exec@renshu.example", name="社長 太郎")
    db.session.commit()
    cohort_id = _cohort(org, "1月期", people, course)
    _cohort(org, "2月期", [outsider], course)
    _cohort(other, "よそ1月期", [stranger], course)
    exercise = example_exercise()
    return dict(org=org, other=other, people=people, outsider=outsider, stranger=stranger, trainer=trainer,
                admin=admin, executive=executive, cohort_id=cohort_id, exercise=exercise, sales=sales)


def _queue_url(w: dict[str, Any]) -> str:
    return f"/o/{w['org'].id}/cohorts/{w['cohort_id']}/practice"


def _login(app: Flask, user: User) -> Any:
    client = app.test_client()
    client.login(user.email)
    return client


# --- the queue ----------------------------------------------------------------------------------


def test_queue_lists_members_attempts_submitted_first_with_prompt_rubric_answer_and_self_check(
        app: Flask, world: dict[str, Any]) -> None:
    aoki, iguchi, ueda = world["people"]
    ex = world["exercise"]
    attempt(aoki, ex, WEAK, now=T0 + timedelta(hours=3))  # writing, most recent activity of the others
    attempt(iguchi, ex, WEAK, GOOD, answer="件名：納期遅延のおわび\n本文…", ticks=[True, False, True], submit=True,
            now=T0 + timedelta(hours=1))
    attempt(ueda, ex, BLOCKED, now=T0)
    attempt(world["outsider"], ex, GOOD)  # another cohort
    attempt(world["stranger"], ex, GOOD)  # another company

    rows = queries.review_queue(db.session.get(type(_cohort_obj(world)), world["cohort_id"]))
    assert [r.member.display_name for r in rows] == ["井口 花子", "青木 一郎", "上田 次郎"]
    assert rows[0].awaiting_review and not rows[1].awaiting_review

    page = _login(app, world["trainer"]).get(_queue_url(world))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.index("井口 花子") < html.index("青木 一郎") < html.index("上田 次郎")
    assert "江藤 三郎" not in html and "小野 四郎" not in html
    assert "ブラケット600個の納品が3日遅れます" in html  # the latest prompt
    assert "件名：納期遅延のおわび" in html  # the answer
    assert html.count('data-testid="awaiting"') == 1
    assert 'data-testid="blocked"' in html and "<mark>090-1234-5678</mark>" in html
    assert "担当者の携帯電話番号" in html  # the exercise's label for the planted secret
    assert "遅れの事実（数量と新しい納期）を伝えている" in html  # a criterion
    assert html.count("data-testid=\"self-check\"") == 1


def _cohort_obj(world: dict[str, Any]) -> Any:
    from lms.cohorts.models import Cohort

    return db.session.get(Cohort, world["cohort_id"])


def test_the_cohort_page_links_to_the_queue_and_an_empty_queue_says_so(app: Flask, world: dict[str, Any]) -> None:
    client = _login(app, world["admin"])
    show = client.get(f"/o/{world['org'].id}/cohorts/{world['cohort_id']}/").get_data(as_text=True)
    assert _queue_url(world) in show
    html = client.get(_queue_url(world)).get_data(as_text=True)
    assert 'data-testid="queue-empty"' in html


def test_employees_and_executives_may_not_open_the_queue(app: Flask, world: dict[str, Any]) -> None:
    for user in (world["people"][0], world["executive"]):
        assert _login(app, user).get(_queue_url(world)).status_code == 403


def test_comment_round_trip_reaches_the_learner_and_completes_a_submitted_attempt(
        app: Flask, world: dict[str, Any]) -> None:
    iguchi = world["people"][1]
    a = attempt(iguchi, world["exercise"], WEAK, answer="下書き", submit=True)
    client = _login(app, world["trainer"])
    prefix = f"review-{a.id}"
    response = client.submit(f"{_queue_url(world)}/{a.id}",
                             {f"{prefix}-comment": "数量と納期が入っていて良いです。次は文体も指定しましょう。"},
                             page=_queue_url(world))
    assert response.status_code == 302
    db.session.expire_all()
    a = db.session.get(ExerciseAttempt, a.id)
    assert a.trainer_comment == "数量と納期が入っていて良いです。次は文体も指定しましょう。"
    assert a.reviewed_by_id == world["trainer"].id and not a.good_example
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "exercise.review")) is not None
    html = client.get(_queue_url(world)).get_data(as_text=True)
    assert "次は文体も指定しましょう。" in html and 'data-testid="awaiting"' not in html

    with app.test_request_context():
        rendered = render_template("exercises/_review.html", attempt=a)
    assert "次は文体も指定しましょう。" in rendered and 'data-testid="trainer-review"' in rendered
    with app.test_request_context():
        fresh = attempt(world["people"][0], world["exercise"], WEAK)
        assert render_template("exercises/_review.html", attempt=fresh).strip() == ""


def test_a_too_long_comment_is_refused_and_nothing_is_saved(app: Flask, world: dict[str, Any]) -> None:
    a = attempt(world["people"][0], world["exercise"], WEAK)
    client = _login(app, world["trainer"])
    response = client.submit(f"{_queue_url(world)}/{a.id}", {f"review-{a.id}-comment": "あ" * 2001},
                             page=_queue_url(world))
    assert response.status_code == 422
    assert "2000" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ExerciseAttempt, a.id).reviewed_at is None


def test_attempts_outside_the_cohort_cannot_be_reviewed_from_it(app: Flask, world: dict[str, Any]) -> None:
    outside = attempt(world["outsider"], world["exercise"], GOOD)
    foreign = attempt(world["stranger"], world["exercise"], GOOD)
    client = _login(app, world["trainer"])
    for a in (outside, foreign):
        response = client.submit(f"{_queue_url(world)}/{a.id}", {f"review-{a.id}-comment": "x"}, page=_queue_url(world))
        assert response.status_code == 404
        db.session.expire_all()
        assert db.session.get(ExerciseAttempt, a.id).reviewed_at is None


# --- good examples ------------------------------------------------------------------------------


def _mark_good(app: Flask, world: dict[str, Any], a: ExerciseAttempt) -> None:
    client = _login(app, world["trainer"])
    response = client.submit(f"{_queue_url(world)}/{a.id}", {f"review-{a.id}-comment": "お手本にします",
                                                               f"review-{a.id}-good_example": "y"},
                             page=_queue_url(world))
    assert response.status_code == 302
    db.session.expire_all()


def test_a_good_example_is_shared_with_the_cohort_without_a_name(app: Flask, world: dict[str, Any]) -> None:
    aoki, iguchi, ueda = world["people"]
    ex = world["exercise"]
    good = attempt(iguchi, ex, WEAK, GOOD)
    _mark_good(app, world, good)
    assert db.session.get(ExerciseAttempt, good.id).good_example

    assert [g.prompt for g in queries.good_examples(world["org"], ex, aoki)] == [GOOD]
    assert queries.good_examples(world["org"], ex, iguchi) == []  # not one's own
    assert queries.good_examples(world["org"], ex, world["outsider"]) == []  # another cohort
    assert queries.good_examples(world["other"], ex, world["stranger"]) == []  # another company

    examples = queries.good_examples(world["org"], ex, aoki)
    assert set(vars(examples[0])) == {"prompt", "score"}  # nothing that names or points at a person
    with app.test_request_context():
        html = render_template("exercises/_good_examples.html", attempt=None, exercise=ex, good_examples=examples)
        empty = render_template("exercises/_good_examples.html", attempt=None, exercise=ex, good_examples=[])
    assert GOOD in html and "井口" not in html and iguchi.email not in html
    assert empty.strip() == ""


def test_a_prompt_the_guard_found_anything_in_is_never_shared(app: Flask, world: dict[str, Any]) -> None:
    aoki, iguchi, ueda = world["people"]
    ex = world["exercise"]
    # Only blocked prompts: the service refuses to mark it good at all.
    blocked = attempt(ueda, ex, BLOCKED)
    _mark_good(app, world, blocked)
    assert not db.session.get(ExerciseAttempt, blocked.id).good_example
    # A clean passing prompt, then a blocked one: the clean one is shared, the blocked one never.
    mixed = attempt(iguchi, ex, GOOD, BLOCKED)
    _mark_good(app, world, mixed)
    shared = [g.prompt for g in queries.good_examples(world["org"], ex, aoki)]
    assert shared == [GOOD]
    assert all("090-1234-5678" not in p and "佐藤一郎" not in p for p in shared)


def test_a_passing_revision_with_a_finding_that_is_not_blocking_is_not_shared(app: Flask, world: dict[str, Any]) -> None:
    aoki, iguchi, _ueda = world["people"]
    ex = world["exercise"]
    a = attempt(iguchi, ex, GOOD)
    _mark_good(app, world, a)
    revision = a.revisions[-1]
    revision.result = {**revision.result, "findings": [{"kind": "email", "start": 0, "end": 1, "text": "x", "label": ""}]}
    db.session.commit()
    assert queries.good_examples(world["org"], ex, aoki) == []


# --- executives ---------------------------------------------------------------------------------


def _practise_in_sales(world: dict[str, Any], create_user: Any, n: int) -> list[User]:
    extra = [create_user(world["org"], name=f"営業 {i}号", email=f"sales{i}@renshu.example",
                         department_id=world["sales"].id) for i in range(n)]
    return extra


def test_dashboard_practice_section_counts_per_department_through_the_threshold(
        app: Flask, world: dict[str, Any], create_user: Any) -> None:
    ex = world["exercise"]
    aoki, iguchi, ueda = world["people"]
    extra = _practise_in_sales(world, create_user, 2)
    attempt(aoki, ex, GOOD)  # passed
    attempt(iguchi, ex, BLOCKED, GOOD)  # blocked once, then passed
    attempt(ueda, ex, BLOCKED, BLOCKED)  # blocked twice
    attempt(extra[0], ex, WEAK)
    attempt(extra[1], ex, WEAK)
    attempt(world["outsider"], ex, WEAK)  # no department: one person, under the threshold
    attempt(world["stranger"], ex, GOOD)  # another company: not counted

    board = dashboard.build(world["org"])
    by_name = {p.name: p for p in board.practice}
    hidden = by_name[""]
    assert (hidden.people, hidden.attempts, hidden.pass_rate, hidden.blocked_prompts, hidden.blocked_people) == (
        None, None, None, None, None)
    # 営業部 beside the company row would give the lone outsider's figures by subtraction: hidden too.
    sales = by_name["営業部"]
    assert (sales.people, sales.attempts, sales.pass_rate, sales.blocked_prompts, sales.blocked_people) == (
        None, None, None, None, None)
    company = board.practice[-1]
    assert company.name == world["org"].name
    assert (company.people, company.attempts, company.blocked_prompts, company.blocked_people) == (6, 6, 3, 2)

    # Below the threshold everything is "—".
    settings = __import__("lms.adoption.service", fromlist=["settings_for"]).settings_for(world["org"].id)
    settings.min_group = 7
    db.session.commit()
    board = dashboard.build(world["org"])
    assert all(p.people is None and p.pass_rate is None and p.blocked_prompts is None for p in board.practice)


def test_practice_counts_take_two_queries_whatever_the_number_of_departments(
        app: Flask, world: dict[str, Any], create_user: Any) -> None:
    ex = world["exercise"]
    for i in range(4):
        dept = Department(org_id=world["org"].id, name=f"部{i}")
        db.session.add(dept)
        db.session.commit()
        attempt(create_user(world["org"], department_id=dept.id), ex, WEAK)
    statements: list[str] = []
    engine = sa.engine.Engine  # every engine: the test's session may run on its own connection

    def count(*args: Any) -> None:
        if "exercise_attempts" in args[2]:
            statements.append(args[2])

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        departments, company = queries.practice_counts(world["org"])
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(departments) == 4 and company.people == 4
    assert len(statements) == 2


def test_an_executives_pages_and_exports_hold_no_prompt_text_and_no_learner_name(
        app: Flask, world: dict[str, Any], create_user: Any) -> None:
    ex = world["exercise"]
    people = world["people"] + _practise_in_sales(world, create_user, 3)
    for person in people:
        attempt(person, ex, BLOCKED, GOOD, answer="件名：おわび 回答本文", submit=True)
    _mark_good(app, world, db.session.scalar(sa.select(ExerciseAttempt).where(ExerciseAttempt.user_id == people[0].id)))
    from lms.adoption.exports import TABLES

    client = _login(app, world["executive"])
    org_id = world["org"].id
    bodies = {}
    for url in [f"/o/{org_id}/adoption/", f"/o/{org_id}/adoption/export.xlsx",
                *[f"/o/{org_id}/adoption/export/{name}.csv" for name in TABLES]]:
        response = client.get(url)
        assert response.status_code == 200, url
        if url.endswith(".xlsx"):
            with zipfile.ZipFile(io.BytesIO(response.data)) as book:
                bodies[url] = "".join(book.read(n).decode("utf-8") for n in book.namelist() if n.endswith(".xml"))
        else:
            bodies[url] = response.get_data(as_text=True)
    assert 'data-testid="practice"' in bodies[f"/o/{org_id}/adoption/"]
    assert "営業部" in bodies[f"/o/{org_id}/adoption/export/practice.csv"]
    secrets = ["ブラケット600個", "090-1234-5678", "佐藤一郎", "件名：おわび", "お手本にします", "大和精機",
               *[p.display_name for p in people]]
    for url, body in bodies.items():
        for text in secrets:
            assert text not in body, f"{url} shows {text}"
    # The executive reaches no queue either.
    assert client.get(_queue_url(world)).status_code == 403


def test_the_queue_takes_the_same_number_of_queries_for_three_members_or_more(
        app: Flask, world: dict[str, Any], create_user: Any) -> None:
    from lms.cohorts.models import Cohort, CohortMember

    ex = world["exercise"]

    def statements() -> int:
        db.session.expire_all()
        cohort = db.session.get(Cohort, world["cohort_id"])
        assert cohort is not None and cohort.org_id  # loaded before counting
        seen: list[str] = []

        def count(*args: Any) -> None:
            seen.append(args[2])

        sa.event.listen(sa.engine.Engine, "before_cursor_execute", count)
        try:
            rows = queries.review_queue(cohort)
            for row in rows:  # what the page reads of each row
                _ = (row.member.display_name, row.exercise.title, row.criteria, row.ticks, row.answers, row.prompt_parts)
        finally:
            sa.event.remove(sa.engine.Engine, "before_cursor_execute", count)
        return len(seen)

    for person in world["people"]:
        attempt(person, ex, WEAK)
    few = statements()
    for i in range(4):
        person = create_user(world["org"], email=f"more{i}@renshu.example")
        db.session.add(CohortMember(org_id=world["org"].id, cohort_id=world["cohort_id"], user_id=person.id, joined_week=1,
                                    added_at=T0))
        db.session.commit()
        attempt(person, ex, WEAK, GOOD)
    assert len(queries.review_queue(db.session.get(Cohort, world["cohort_id"]))) == 7
    assert statements() == few
