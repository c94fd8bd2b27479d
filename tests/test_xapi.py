"""xAPI statements: the pure builders, and recording them in the transaction of the event (no LRS here)."""
from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Callable

import pytest
import sqlalchemy as sa

from lms.accounts.models import User
from lms.extensions import db
from lms.mail.models import EmailMessage
from lms.orgs.models import Organization
from lms.xapi import statements as st
from lms.xapi.models import XapiStatement
from tests.conftest import count
from tests.xapiworld import RUN_VERBS, cohort_run

SITE = st.Site(home_page="https://lms.example.jp", iri_base="https://lms.example.jp/xapi")
WHEN = datetime(2026, 12, 1, 1, 2, 3, 456789, tzinfo=timezone.utc)


def event(**fields: Any) -> st.Event:
    values: dict[str, Any] = {"id": "3f2b8c1e-0000-4000-8000-000000000001", "verb": "passed", "actor_id": "a-1",
                              "activity": st.quiz_activity("kiso", "tesuto", "確認テスト"), "timestamp": WHEN}
    values.update(fields)
    return st.Event(**values)


# --- the builders -----------------------------------------------------------------------------------

def test_the_actor_is_an_account_on_the_installation_and_never_an_email() -> None:
    statement = st.build(SITE, event())
    assert statement["actor"] == {"objectType": "Agent",
                                  "account": {"homePage": "https://lms.example.jp", "name": "a-1"}}
    assert "mbox" not in str(statement) and "@" not in str(statement)


def test_a_passed_quiz_carries_its_score_and_the_adl_verb() -> None:
    statement = st.build(SITE, event(score=st.Score(80), success=True))
    assert statement["id"] == "3f2b8c1e-0000-4000-8000-000000000001"
    assert statement["verb"] == {"id": "http://adlnet.gov/expapi/verbs/passed",
                                 "display": {"ja-JP": "合格した", "en-US": "passed"}}
    assert statement["result"] == {"score": {"scaled": 0.8, "raw": 80, "min": 0, "max": 100}, "success": True}
    assert statement["object"] == {
        "objectType": "Activity", "id": "https://lms.example.jp/xapi/activities/lesson/kiso/tesuto/quiz",
        "definition": {"type": "http://adlnet.gov/expapi/activities/assessment", "name": {"ja-JP": "確認テスト"}},
    }
    assert statement["timestamp"] == "2026-12-01T01:02:03.456Z"


def test_the_registration_is_the_cohorts_uuid_and_parents_are_context_activities() -> None:
    cohort = st.cohort_activity("c0ffee00-0000-4000-8000-000000000002", "2026年11月期")
    statement = st.build(SITE, event(verb="experienced", activity=st.lesson_activity("kiso", "towa", "生成AIとは"),
                                     registration="c0ffee00-0000-4000-8000-000000000002",
                                     parents=(st.course_activity("kiso", "生成AIの基礎"), cohort)))
    assert statement["context"]["registration"] == "c0ffee00-0000-4000-8000-000000000002"
    assert [p["id"] for p in statement["context"]["contextActivities"]["parent"]] == [
        "https://lms.example.jp/xapi/activities/course/kiso",
        "https://lms.example.jp/xapi/activities/cohort/c0ffee00-0000-4000-8000-000000000002",
    ]
    assert statement["context"]["language"] == "ja-JP" and "result" not in statement


def test_the_check_in_verb_and_its_extensions_live_under_the_projects_own_iri_base() -> None:
    statement = st.build(SITE, event(verb=st.REPORTED_USAGE, activity=st.usage_week_activity(date(2026, 11, 30)),
                                     extensions={"days-used": 3, "tasks": ["email"], "minutes-saved": 22.5}))
    assert statement["verb"]["id"] == "https://lms.example.jp/xapi/verbs/reported-usage"
    assert statement["verb"]["display"]["ja-JP"] == "AI 活用状況を報告した"
    assert statement["result"]["extensions"] == {
        "https://lms.example.jp/xapi/extensions/days-used": 3,
        "https://lms.example.jp/xapi/extensions/tasks": ["email"],
        "https://lms.example.jp/xapi/extensions/minutes-saved": 22.5,
    }
    assert statement["object"]["id"] == "https://lms.example.jp/xapi/activities/usage-week/2026-11-30"


def test_attendance_carries_its_duration_and_unknown_verbs_or_naive_times_are_refused() -> None:
    session = st.session_activity("c1", date(2026, 11, 18), "11/18 のセッション")
    statement = st.build(SITE, event(verb="attended", activity=session, duration_minutes=90))
    assert statement["result"] == {"duration": "PT90M"}
    assert statement["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/meeting"
    with pytest.raises(ValueError):
        st.build(SITE, event(verb="liked"))
    with pytest.raises(ValueError):
        st.build(SITE, event(timestamp=datetime(2026, 12, 1)))


def test_a_score_below_the_minimum_or_above_the_maximum_is_clamped_in_scaled_only() -> None:
    assert st.Score(150).to_json() == {"scaled": 1.0, "raw": 150, "min": 0, "max": 100}
    assert st.Score(3, min=0, max=4).to_json()["scaled"] == 0.75


def test_a_check_in_carries_the_cohort_as_registration_and_parent_only_when_there_is_one() -> None:
    week = st.usage_week_activity(date(2026, 11, 30))
    alone = st.build(SITE, event(verb=st.REPORTED_USAGE, activity=week))
    assert alone["context"] == {"platform": "AI研修 LMS", "language": "ja-JP"}
    cohort = st.cohort_activity("c0ffee00-0000-4000-8000-000000000002", "2026年11月期")
    inside = st.build(SITE, event(verb=st.REPORTED_USAGE, activity=week,
                                  registration="c0ffee00-0000-4000-8000-000000000002", parents=(cohort,)))
    assert inside["context"]["registration"] == "c0ffee00-0000-4000-8000-000000000002"
    assert inside["context"]["contextActivities"] == {"parent": [{
        "objectType": "Activity", "id": "https://lms.example.jp/xapi/activities/cohort/c0ffee00-0000-4000-8000-000000000002",
        "definition": {"type": "http://adlnet.gov/expapi/activities/course", "name": {"ja-JP": "2026年11月期"}},
    }]}


def test_a_voiding_statement_refers_to_the_earlier_one_and_carries_nothing_else() -> None:
    statement = st.voiding(SITE, "9e0d0000-0000-4000-8000-000000000003", "trainer-1",
                           "3f2b8c1e-0000-4000-8000-000000000001", WHEN)
    assert statement == {
        "id": "9e0d0000-0000-4000-8000-000000000003",
        "actor": {"objectType": "Agent", "account": {"homePage": "https://lms.example.jp", "name": "trainer-1"}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"ja-JP": "取り消した", "en-US": "voided"}},
        "object": {"objectType": "StatementRef", "id": "3f2b8c1e-0000-4000-8000-000000000001"},
        "timestamp": "2026-12-01T01:02:03.456Z",
    }


# --- recording ------------------------------------------------------------------------------------

def verbs_of(user: User) -> dict[str, int]:
    found: dict[str, int] = {}
    for verb in db.session.scalars(sa.select(XapiStatement.verb).where(XapiStatement.user_id == user.id)):
        found[verb] = found.get(verb, 0) + 1
    return found


def test_without_an_lrs_a_cohort_run_is_recorded_for_export_but_nothing_is_queued(
        app: Any, create_org: Callable[..., Organization], create_user: Callable[..., User],
        sync_course: Callable[..., Any]) -> None:
    app.config["LMS_XAPI_ENDPOINT"] = ""
    run = cohort_run(create_org, create_user, sync_course)
    assert verbs_of(run.learner) == RUN_VERBS
    assert count(EmailMessage, EmailMessage.channel == "xapi") == 0
    rows = list(db.session.scalars(sa.select(XapiStatement).where(XapiStatement.user_id == run.learner.id)))
    assert all(row.outbox_id is None and row.sent_at is None and row.org_id == run.org.id for row in rows)
    assert all(row.payload["id"] == row.id and uuid.UUID(row.id).version == 4 for row in rows)
    # one opaque id per person and one registration per cohort, made once and kept
    assert run.learner.xapi_id and uuid.UUID(run.learner.xapi_id)
    assert {row.payload["actor"]["account"]["name"] for row in rows} == {run.learner.xapi_id}
    assert run.cohort.uuid
    assert {row.payload["context"].get("registration") for row in rows} == {run.cohort.uuid}  # the check-in too
    assert run.learner.email not in str([row.payload for row in rows])


def test_with_an_lrs_each_statement_gets_an_outbox_row_in_the_same_transaction(
        app: Any, create_org: Callable[..., Organization], create_user: Callable[..., User],
        sync_course: Callable[..., Any]) -> None:
    from lms.adoption import service as adoption

    app.config["LMS_XAPI_ENDPOINT"] = "http://127.0.0.1:9/xAPI"
    run = cohort_run(create_org, create_user, sync_course)
    rows = list(db.session.scalars(sa.select(XapiStatement).where(XapiStatement.user_id == run.learner.id)))
    outbox = {m.id: m for m in db.session.scalars(sa.select(EmailMessage).where(EmailMessage.channel == "xapi"))}
    assert len(rows) == sum(RUN_VERBS.values()) == len(outbox)
    assert {row.outbox_id for row in rows} == set(outbox)
    assert all(m.status == EmailMessage.QUEUED and m.org_id == run.org.id for m in outbox.values())

    before = count(XapiStatement)
    adoption.save_checkin(run.learner, adoption.this_week(), adoption.CheckinDraft(days_used=4, tasks=["email"]))
    db.session.rollback()  # the check-in is not saved: neither are its statement and outbox row
    assert count(XapiStatement) == before and count(EmailMessage, EmailMessage.channel == "xapi") == len(outbox)


def test_a_revisit_or_a_second_completion_makes_no_new_statement(
        app: Any, create_org: Callable[..., Organization], create_user: Callable[..., User],
        sync_course: Callable[..., Any]) -> None:
    from lms.courses.models import Lesson
    from lms.learning import service as learning

    run = cohort_run(create_org, create_user, sync_course)
    reading = db.session.scalar(sa.select(Lesson).where(Lesson.course_id == run.course.id, Lesson.kind == "reading"))
    assert reading is not None
    learning.progress_for(run.learner, reading)
    learning.mark_complete(run.learner, reading)
    db.session.commit()
    assert verbs_of(run.learner) == RUN_VERBS


def test_a_failed_quiz_is_sent_as_failed_with_its_score(
        app: Any, create_org: Callable[..., Organization], create_user: Callable[..., User],
        sync_course: Callable[..., Any]) -> None:
    from lms.courses.models import Lesson
    from lms.learning import service as learning

    org = create_org()
    learner = create_user(org)
    course = sync_course()
    quiz = db.session.scalar(sa.select(Lesson).where(Lesson.course_id == course.id, Lesson.kind == "quiz"))
    assert quiz is not None
    learning.submit_quiz(learner, quiz, {0: {0}, 1: {2}})
    db.session.commit()
    (row,) = db.session.scalars(sa.select(XapiStatement).where(XapiStatement.user_id == learner.id,
                                                               XapiStatement.verb == "failed"))
    assert row.payload["result"] == {"score": {"scaled": 0.0, "raw": 0, "min": 0, "max": 100}, "success": False}
    assert "registration" not in row.payload["context"]  # not in a cohort: no registration


# --- export and resend ----------------------------------------------------------------------------

def test_flask_xapi_export_writes_one_json_array_per_company_and_since_a_day(
        app: Any, tmp_path: Any, create_org: Callable[..., Organization], create_user: Callable[..., User],
        sync_course: Callable[..., Any]) -> None:
    import json
    from datetime import timedelta

    from lms.core.clock import today

    run = cohort_run(create_org, create_user, sync_course)
    other = create_org()
    other_person = create_user(other)
    from lms.adoption import service as adoption

    adoption.save_checkin(other_person, adoption.this_week(), adoption.CheckinDraft(days_used=1, tasks=["email"]))
    db.session.commit()
    runner = app.test_cli_runner()

    out = tmp_path / "ours.json"
    result = runner.invoke(args=["xapi", "export", str(out), "--org", str(run.org.id)])
    assert result.exit_code == 0, result.output
    statements = json.loads(out.read_text(encoding="utf-8"))
    assert len(statements) == sum(RUN_VERBS.values())
    assert {s["actor"]["account"]["name"] for s in statements} == {run.learner.xapi_id}
    assert f"{len(statements)} statement(s) written" in result.output

    everything = tmp_path / "all.json"
    assert runner.invoke(args=["xapi", "export", str(everything)]).exit_code == 0
    assert len(json.loads(everything.read_text(encoding="utf-8"))) == len(statements) + 1

    tomorrow = (today() + timedelta(days=1)).isoformat()
    assert runner.invoke(args=["xapi", "export", str(out), "--since", tomorrow]).exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8")) == []

    piped = runner.invoke(args=["xapi", "export", "-", "--org", str(run.org.id)])
    assert piped.exit_code == 0 and len(json.loads(piped.stdout)) == len(statements)

    refused = runner.invoke(args=["xapi", "export", str(out), "--org", "999999"])
    assert refused.exit_code != 0 and "no company with id 999999" in refused.output


def test_an_org_admin_downloads_the_companys_statements_and_no_one_elses(
        app: Any, client: Any, create_org: Callable[..., Organization], create_user: Callable[..., User],
        sync_course: Callable[..., Any]) -> None:
    import json

    from lms.accounts.roles import Role
    from lms.adoption import service as adoption

    run = cohort_run(create_org, create_user, sync_course)
    other = create_org()
    adoption.save_checkin(create_user(other), adoption.this_week(), adoption.CheckinDraft(days_used=1, tasks=["email"]))
    admin = create_user(run.org, roles=(Role.ORG_ADMIN,))
    db.session.commit()

    client.login(run.learner.email)
    assert client.get(f"/o/{run.org.id}/xapi/export.json").status_code == 403
    client.logout()
    client.login(admin.email)
    assert "xapi/export.json" in client.get(f"/o/{run.org.id}/members/").get_data(as_text=True)
    answer = client.get(f"/o/{run.org.id}/xapi/export.json")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    assert "attachment" in answer.headers["Content-Disposition"] and answer.headers["Cache-Control"] == "no-store"
    statements = json.loads(answer.get_data(as_text=True))
    assert {s["actor"]["account"]["name"] for s in statements} == {run.learner.xapi_id}
    assert len(statements) == sum(RUN_VERBS.values())
    assert client.get(f"/o/{other.id}/xapi/export.json").status_code == 404  # another company: not there at all


def test_resend_queues_failed_and_unsent_statements_again(
        app: Any, create_org: Callable[..., Organization], create_user: Callable[..., User],
        sync_course: Callable[..., Any]) -> None:
    app.config["LMS_XAPI_ENDPOINT"] = ""
    run = cohort_run(create_org, create_user, sync_course)
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["xapi", "resend", "--unsent"])
    assert refused.exit_code != 0 and "LMS_XAPI_ENDPOINT is empty" in refused.output

    app.config["LMS_XAPI_ENDPOINT"] = "http://127.0.0.1:9/xAPI"
    result = runner.invoke(args=["xapi", "resend", "--unsent"])
    assert result.exit_code == 0, result.output
    total = sum(RUN_VERBS.values())
    assert f"{total} statement(s) queued" in result.output
    assert count(EmailMessage, EmailMessage.channel == "xapi", EmailMessage.status == EmailMessage.QUEUED) == total

    db.session.execute(sa.update(EmailMessage).where(EmailMessage.channel == "xapi")
                       .values(status=EmailMessage.FAILED, last_error="http 401: Invalid authentication credentials"))
    db.session.commit()
    assert "0 statement(s)" in runner.invoke(args=["xapi", "resend", "--unsent"]).output
    assert f"{total} statement(s)" in runner.invoke(args=["xapi", "resend", "--failed", "--org", str(run.org.id)]).output
    assert count(EmailMessage, EmailMessage.channel == "xapi", EmailMessage.status == EmailMessage.QUEUED) == total
    assert count(EmailMessage, EmailMessage.channel == "xapi", EmailMessage.status == EmailMessage.FAILED) == total


def test_each_scored_exercise_prompt_is_passed_or_failed_with_its_score_and_a_blocked_one_is_not_sent(
        app: Any, create_org: Callable[..., Organization], create_user: Callable[..., User],
        sync_course: Callable[..., Any]) -> None:
    from lms.courses.models import Lesson
    from lms.exercises import service as exercises
    from lms.exercises.models import Exercise
    from tests.test_exercise_player import BLOCKED, GOOD, PHONE, WEAK

    course = sync_course(exercise="owabi-mail")
    lesson = db.session.scalar(sa.select(Lesson).where(Lesson.course_id == course.id, Lesson.slug == "renshu"))
    exercise = db.session.scalar(sa.select(Exercise).where(Exercise.slug == "owabi-mail"))
    assert lesson is not None and exercise is not None
    learner = create_user(create_org())
    attempt = exercises.attempt_for(learner, exercise, lesson)
    weak = exercises.submit_prompt(attempt, WEAK)
    exercises.submit_prompt(attempt, BLOCKED)
    good = exercises.submit_prompt(attempt, GOOD)
    db.session.commit()
    rows = list(db.session.scalars(sa.select(XapiStatement).where(
        XapiStatement.user_id == learner.id, XapiStatement.verb.in_(["passed", "failed"])).order_by(XapiStatement.created_at)))
    assert [(r.verb, r.payload["result"]["score"]["raw"]) for r in rows] == [("failed", weak.score), ("passed", good.score)]
    assert rows[1].payload["object"]["id"].endswith("/xapi/activities/exercise/owabi-mail")
    assert rows[1].payload["result"]["success"] is True
    parents = [p["id"] for p in rows[1].payload["context"]["contextActivities"]["parent"]]
    assert parents[0].endswith("/activities/lesson/kiso/renshu") and parents[1].endswith("/activities/course/kiso")
    assert PHONE not in str([r.payload for r in rows])  # no prompt text in any statement


# --- what the dispatcher does with each kind of answer (a scripted LRS; the real one is in test_xapi_lrs.py) ---

@pytest.mark.parametrize("answers, status, error", [
    ([(429, {"Retry-After": "120"}, {"detail": "slow down"})], EmailMessage.QUEUED, "http 429: slow down"),
    ([(503, {}, "maintenance")], EmailMessage.QUEUED, "http 503: maintenance"),
    ([(400, {}, {"detail": "bad"}), (200, {}, []), (400, {}, {"detail": "bad statement"})], None, None),
    ([(409, {}, {"detail": "dup"}), (409, {}, {"detail": "A different statement already exists"}), (200, {}, [])],
     EmailMessage.SENT, None),
])
def test_the_dispatcher_retries_fails_or_splits_by_the_lrss_answer(
        app: Any, monkeypatch: pytest.MonkeyPatch, create_org: Callable[..., Organization],
        create_user: Callable[..., User], answers: list[tuple[int, dict[str, str], Any]], status: str | None,
        error: str | None) -> None:
    import json
    from datetime import timedelta

    import httpx

    from lms.adoption import service as adoption
    from lms.core.clock import utcnow
    from lms.xapi import delivery
    from tests.conftest import drain_outbox

    app.config["LMS_XAPI_ENDPOINT"] = "http://lrs.invalid/xAPI"
    learner = create_user(create_org())
    adoption.save_checkin(learner, adoption.this_week(), adoption.CheckinDraft(days_used=2, tasks=["email"]))
    adoption.save_checkin(learner, adoption.this_week(), adoption.CheckinDraft(days_used=3, tasks=["email"]))
    db.session.commit()
    script = list(answers)
    posted: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["X-Experience-API-Version"] == "1.0.3"
        assert request.url.path == "/xAPI/statements"
        posted.append(len(json.loads(request.content)))
        code, headers, body = script.pop(0)
        return httpx.Response(code, headers=headers, json=body) if not isinstance(body, str) else \
            httpx.Response(code, headers=headers, text=body)

    real = delivery.client_from_config
    monkeypatch.setattr(delivery, "client_from_config", lambda: real(httpx.MockTransport(handler)))
    drain_outbox()
    assert not script  # every scripted answer was used
    rows = list(db.session.scalars(sa.select(EmailMessage).where(EmailMessage.channel == "xapi").order_by(EmailMessage.id)))
    if status is None:  # the batch was refused; sent again one by one: the first went, the second failed
        assert posted == [2, 1, 1]
        assert [(r.status, r.last_error) for r in rows] == [
            (EmailMessage.SENT, None), (EmailMessage.FAILED, "http 400: bad statement")]
        return
    assert {(r.status, r.last_error) for r in rows} == {(status, error)}
    if answers[0][0] == 429:
        assert all(r.next_attempt_at and r.next_attempt_at - utcnow() > timedelta(seconds=110) for r in rows)


def test_taking_attendance_back_voids_each_persons_own_statement_once(
        app: Any, create_org: Callable[..., Organization], create_user: Callable[..., User],
        sync_course: Callable[..., Any]) -> None:
    from lms.cohorts import service as cohorts
    from lms.cohorts.attendance import SessionMarks, save_attendance, session_dates

    run = cohort_run(create_org, create_user, sync_course)
    other = create_user(run.org)
    cohorts.add_members(run.cohort, {other.id})
    (_week, day, _start) = session_dates(run.cohort)[0]
    save_attendance(run.cohort, {day: SessionMarks(None, {run.learner.id, other.id})}, actor=None)
    save_attendance(run.cohort, {day: SessionMarks(None, set())}, actor=None)
    save_attendance(run.cohort, {day: SessionMarks(None, {other.id})}, actor=None)
    save_attendance(run.cohort, {day: SessionMarks(None, set())}, actor=None)
    db.session.commit()

    def statements(verb: str, user: User) -> list[XapiStatement]:
        return list(db.session.scalars(sa.select(XapiStatement).where(
            XapiStatement.verb == verb, XapiStatement.user_id == user.id).order_by(XapiStatement.created_at)))

    for person, marks in ((run.learner, 1), (other, 2)):
        attended, voided = statements("attended", person), statements("voided", person)
        assert len(attended) == marks == len(voided)
        assert sorted(v.payload["object"]["id"] for v in voided) == sorted(a.id for a in attended)
        assert all(v.payload["actor"]["account"]["name"] == person.xapi_id for v in voided)  # no trainer named


def test_changing_attendance_minutes_voids_the_earlier_statement_and_sends_the_new_duration(
        app: Any, create_org: Callable[..., Organization], create_user: Callable[..., User],
        sync_course: Callable[..., Any]) -> None:
    from lms.accounts.roles import Role
    from lms.cohorts import service as cohorts
    from lms.cohorts.attendance import SessionMarks, save_attendance, session_dates

    app.config["LMS_XAPI_ENDPOINT"] = "http://127.0.0.1:9/xAPI"
    run = cohort_run(create_org, create_user, sync_course)
    trainer = create_user(None, roles=(Role.TRAINER,))
    other = create_user(run.org)
    cohorts.add_members(run.cohort, {other.id})
    (_week, day, _start) = session_dates(run.cohort)[0]
    save_attendance(run.cohort, {day: SessionMarks(None, {run.learner.id, other.id})}, actor=trainer)
    db.session.commit()
    first = statements("attended", run.learner)
    assert [s.payload["result"]["duration"] for s in first] == [f"PT{run.cohort.session_minutes}M"]
    before = count(XapiStatement)

    saved = save_attendance(run.cohort, {day: SessionMarks(None, {run.learner.id, other.id})}, actor=trainer)
    assert saved.changed == 0 and count(XapiStatement) == before  # the same minutes: nothing to say

    saved = save_attendance(run.cohort, {day: SessionMarks(45, {run.learner.id, other.id})}, actor=trainer)
    assert saved.changed == 2
    rolled = count(XapiStatement)
    db.session.rollback()  # not saved: neither are its statements
    assert count(XapiStatement) == before

    save_attendance(run.cohort, {day: SessionMarks(45, {run.learner.id, other.id})}, actor=trainer)
    db.session.commit()
    assert count(XapiStatement) == rolled == before + 4  # per person: a voiding and a new attended
    for person in (run.learner, other):
        attended, voided = statements("attended", person), statements("voided", person)
        (voiding,) = voided
        assert voiding.payload["object"] == {"objectType": "StatementRef", "id": attended[0].id}
        assert voiding.payload["actor"]["account"]["name"] == trainer.xapi_id
        assert [s.payload["result"]["duration"] for s in attended] == [f"PT{run.cohort.session_minutes}M", "PT45M"]
        assert attended[1].payload["object"] == attended[0].payload["object"]
        assert attended[1].payload["context"]["registration"] == run.cohort.uuid
        assert all(s.outbox_id is not None for s in (voiding, attended[1]))

    # a second change voids the statement the first change sent, not the one already voided
    save_attendance(run.cohort, {day: SessionMarks(30, {run.learner.id})}, actor=trainer)  # the other taken back
    db.session.commit()
    attended, voided = statements("attended", run.learner), statements("voided", run.learner)
    assert [v.payload["object"]["id"] for v in voided] == [attended[0].id, attended[1].id]
    assert attended[2].payload["result"]["duration"] == "PT30M"
    assert [v.payload["object"]["id"] for v in statements("voided", other)] == [
        a.id for a in statements("attended", other)]


def statements(verb: str, user: User) -> list[XapiStatement]:
    return list(db.session.scalars(sa.select(XapiStatement).where(
        XapiStatement.verb == verb, XapiStatement.user_id == user.id).order_by(XapiStatement.created_at, XapiStatement.id)))


def test_a_check_in_is_registered_to_the_cohort_whose_run_covers_its_week_the_latest_start_first(
        app: Any, create_org: Callable[..., Organization], create_user: Callable[..., User],
        sync_course: Callable[..., Any]) -> None:
    from lms.adoption import service as adoption
    from lms.cohorts import service as cohorts
    from lms.cohorts.models import Cohort
    from lms.core.clock import utcnow
    from lms.xapi import service as xapi

    org = create_org()
    learner, outsider = create_user(org), create_user(org)
    course = sync_course()
    week = adoption.this_week()

    def cohort(name: str, start: date, weeks: int, members: set[int]) -> Cohort:
        made = cohorts.create_cohort(org, cohorts.CohortDraft(
            name=name, course_ids=[course.id], start_date=start, session_weekday=start.weekday(), session_time=time(10),
            member_ids=sorted(members)), now=datetime.combine(start, time(0), tzinfo=timezone.utc) - timedelta(days=1))
        made.weeks = weeks
        return made

    cohort("ended the day before", week - timedelta(days=14), 2, {learner.id})  # its last day: the Sunday before
    cohort("starts the Monday after", week + timedelta(days=7), 4, {learner.id})
    db.session.commit()
    checkin = adoption.save_checkin(learner, week, adoption.CheckinDraft(days_used=2, minutes_bucket=1, tasks=["email"]))
    db.session.commit()
    (alone,) = statements("reported-usage", learner)
    assert "registration" not in alone.payload["context"] and "contextActivities" not in alone.payload["context"]

    older = cohort("older, ends on the Monday", week - timedelta(days=41), 6, {learner.id, outsider.id})
    newer = cohort("newer, starts on the Sunday", week + timedelta(days=6), 4, {learner.id})
    later = cohort("someone else's, starts later", week + timedelta(days=3), 4, {outsider.id})
    db.session.commit()
    learner_id, org_id, newer_id = learner.id, org.id, newer.id
    queries: list[str] = []

    def counted(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            queries.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", counted)
    try:
        found = xapi._cohort_in_week(learner_id, org_id, week)
        assert found is not None and found.id == newer_id
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", counted)
    assert len(queries) == 1, queries  # one query, whatever the number of cohorts
    assert xapi._cohort_in_week(outsider.id, org.id, week) == later
    assert xapi._cohort_in_week(outsider.id, org.id, week - timedelta(days=7)) == older

    adoption.save_checkin(learner, week, adoption.CheckinDraft(days_used=3, minutes_bucket=1, tasks=["email"]),
                          now=utcnow())
    db.session.commit()
    assert checkin.revision == 2
    latest = statements("reported-usage", learner)[-1]
    assert latest.payload["context"]["registration"] == newer.uuid
    assert latest.payload["context"]["contextActivities"]["parent"] == [{
        "objectType": "Activity", "id": f"{app.config['LMS_XAPI_IRI_BASE']}/activities/cohort/{newer.uuid}",
        "definition": {"type": "http://adlnet.gov/expapi/activities/course", "name": {"ja-JP": "newer, starts on the Sunday"}},
    }]


# --- settings ------------------------------------------------------------------------------------------------

def test_the_settings_default_to_recording_only_and_derive_the_iri_base_from_the_sites_address(tmp_path: Any) -> None:
    from lms.config import ConfigError, load_settings

    env = {"LMS_ENV": "development", "LMS_BASE_URL": "https://lms.example.jp/"}
    settings = load_settings(env, tmp_path)
    assert settings["LMS_XAPI_ENDPOINT"] == "" and settings["LMS_XAPI_IRI_BASE"] == "https://lms.example.jp/xapi"
    settings = load_settings({**env, "LMS_XAPI_ENDPOINT": "https://lrs.example.jp/xAPI/",
                              "LMS_XAPI_IRI_BASE": "https://id.example.jp/lms/"}, tmp_path)
    assert settings["LMS_XAPI_ENDPOINT"] == "https://lrs.example.jp/xAPI"
    assert settings["LMS_XAPI_IRI_BASE"] == "https://id.example.jp/lms"
    with pytest.raises(ConfigError, match="LMS_XAPI_ENDPOINT must start with http"):
        load_settings({**env, "LMS_XAPI_ENDPOINT": "lrs.example.jp/xAPI"}, tmp_path)
