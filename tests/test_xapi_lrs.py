"""xAPI statements delivered to a real LRS on loopback (Ralph, tests/lrs.py) and read back from it."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import sqlalchemy as sa

from lms.accounts.models import User
from lms.extensions import db
from lms.mail.models import EmailMessage
from lms.orgs.models import Organization
from lms.xapi.models import XapiStatement
from tests.conftest import drain_outbox
from tests.guards import OutboundGuard
from tests.lrs import Ralph
from tests.mailserver import free_port
from tests.xapiworld import RUN_VERBS, cohort_run

VERB_IRIS = {
    "registered": "http://adlnet.gov/expapi/verbs/registered",
    "experienced": "http://adlnet.gov/expapi/verbs/experienced",
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "passed": "http://adlnet.gov/expapi/verbs/passed",
    "attended": "http://adlnet.gov/expapi/verbs/attended",
}


@pytest.fixture(scope="session")
def ralph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ralph]:
    lrs = Ralph(tmp_path_factory.mktemp("ralph"), free_port()).start()
    try:
        yield lrs
    finally:
        lrs.stop()


@pytest.fixture
def lrs(ralph: Ralph, outbound: OutboundGuard) -> Ralph:
    outbound.http_servers.add((ralph.host, ralph.port))
    return ralph


@pytest.fixture
def app_config(lrs: Ralph) -> dict[str, Any]:
    return lrs.config()


def outbox_rows(user: User) -> list[EmailMessage]:
    return list(db.session.scalars(
        sa.select(EmailMessage).join(XapiStatement, XapiStatement.outbox_id == EmailMessage.id)
        .where(XapiStatement.user_id == user.id).order_by(EmailMessage.id)
    ))


def make_due() -> None:
    """What the passing of time does to rows waiting to be retried."""
    db.session.execute(sa.update(EmailMessage).where(EmailMessage.status == EmailMessage.QUEUED)
                       .values(next_attempt_at=None))
    db.session.commit()


def test_a_learners_cohort_run_reaches_the_lrs_and_comes_back_with_the_right_verbs_and_actor(
        app: Any, lrs: Ralph, create_org: Callable[..., Organization], create_user: Callable[..., User],
        sync_course: Callable[..., Any]) -> None:
    run = cohort_run(create_org, create_user, sync_course)
    assert drain_outbox() == sum(RUN_VERBS.values())
    assert {row.status for row in outbox_rows(run.learner)} == {EmailMessage.SENT}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(XapiStatement).where(
        XapiStatement.user_id == run.learner.id, XapiStatement.sent_at.is_(None))) == 0

    home = app.config["LMS_BASE_URL"]
    stored = lrs.statements_of(home, run.learner.xapi_id)
    ours = {row.id: row.payload for row in db.session.scalars(
        sa.select(XapiStatement).where(XapiStatement.user_id == run.learner.id))}
    assert {s["id"] for s in stored} == set(ours)
    verbs: dict[str, int] = {}
    for statement in stored:
        assert statement["actor"]["account"] == {"homePage": home, "name": run.learner.xapi_id}
        assert "mbox" not in statement["actor"]
        verbs[statement["verb"]["id"]] = verbs.get(statement["verb"]["id"], 0) + 1
    expected = {VERB_IRIS[k]: n for k, n in RUN_VERBS.items() if k in VERB_IRIS}
    expected[app.config["LMS_XAPI_IRI_BASE"] + "/verbs/reported-usage"] = RUN_VERBS["reported-usage"]
    assert verbs == expected

    passed = next(s for s in stored if s["verb"]["id"] == VERB_IRIS["passed"])
    assert passed["result"]["score"] == {"scaled": 1.0, "raw": 100, "min": 0, "max": 100}
    assert passed["context"]["registration"] == run.cohort.uuid
    assert passed["object"]["definition"]["name"] == {"ja-JP": "確認テスト"}
    checkin = next(s for s in stored if s["verb"]["id"].endswith("/verbs/reported-usage"))
    extensions = app.config["LMS_XAPI_IRI_BASE"] + "/extensions/"
    assert checkin["result"]["extensions"][extensions + "days-used"] == 3
    assert checkin["result"]["extensions"][extensions + "tasks"] == ["email"]
    assert checkin["result"]["extensions"][extensions + "minutes-saved"] == 22.5
    # the LRS can also be asked by registration: the cohort's statements
    assert {s["id"] for s in lrs.statements(registration=run.cohort.uuid)} == {
        i for i, p in ours.items() if p["context"].get("registration") == run.cohort.uuid}


def test_a_statement_sent_twice_is_recognised_by_the_lrs_and_counted_once(
        app: Any, lrs: Ralph, create_org: Callable[..., Organization], create_user: Callable[..., User],
        sync_course: Callable[..., Any]) -> None:
    run = cohort_run(create_org, create_user, sync_course)
    drain_outbox()
    # a worker killed after the LRS stored them but before its "sent" commit: the rows are sent again
    db.session.execute(sa.update(EmailMessage).where(EmailMessage.id.in_([r.id for r in outbox_rows(run.learner)]))
                       .values(status=EmailMessage.QUEUED, sent_at=None))
    db.session.commit()
    drain_outbox()
    assert {row.status for row in outbox_rows(run.learner)} == {EmailMessage.SENT}
    assert len(lrs.statements_of(app.config["LMS_BASE_URL"], run.learner.xapi_id)) == sum(RUN_VERBS.values())


def test_a_statement_the_lrs_refuses_fails_with_its_message_and_the_others_of_the_batch_go_through(
        app: Any, lrs: Ralph, create_org: Callable[..., Organization], create_user: Callable[..., User],
        sync_course: Callable[..., Any]) -> None:
    run = cohort_run(create_org, create_user, sync_course)
    broken = db.session.scalar(sa.select(XapiStatement).where(XapiStatement.user_id == run.learner.id,
                                                              XapiStatement.verb == "attended"))
    assert broken is not None
    payload = dict(broken.payload)
    del payload["actor"]  # a bug that made a statement without an actor
    broken.payload = payload
    db.session.commit()
    drain_outbox()
    rows = {row.id: row for row in outbox_rows(run.learner)}
    bad = rows.pop(broken.outbox_id or 0)
    assert bad.status == EmailMessage.FAILED and bad.attempts == 1
    assert bad.last_error and bad.last_error.startswith("http 4") and "actor" in bad.last_error
    assert {row.status for row in rows.values()} == {EmailMessage.SENT}
    stored = lrs.statements_of(app.config["LMS_BASE_URL"], run.learner.xapi_id)
    assert len(stored) == sum(RUN_VERBS.values()) - 1 and broken.id not in {s["id"] for s in stored}


def test_wrong_credentials_fail_the_rows_with_the_lrss_message(
        app: Any, lrs: Ralph, create_org: Callable[..., Organization], create_user: Callable[..., User],
        sync_course: Callable[..., Any]) -> None:
    run = cohort_run(create_org, create_user, sync_course)
    app.config["LMS_XAPI_PASSWORD"] = "wrong"
    drain_outbox()
    errors = {(row.status, row.last_error) for row in outbox_rows(run.learner)}
    assert errors == {(EmailMessage.FAILED, "http 401: Invalid authentication credentials")}


def test_an_lrs_that_is_down_leaves_the_statements_waiting_until_it_is_back(
        app: Any, outbound: OutboundGuard, tmp_path: Path, create_org: Callable[..., Organization],
        create_user: Callable[..., User], sync_course: Callable[..., Any]) -> None:
    later = Ralph(tmp_path / "ralph", free_port())
    outbound.http_servers.add((later.host, later.port))
    app.config.update(later.config())
    run = cohort_run(create_org, create_user, sync_course)
    drain_outbox()  # nothing listens on the port yet
    rows = outbox_rows(run.learner)
    assert {row.status for row in rows} == {EmailMessage.QUEUED}
    assert all(row.retrying and row.last_error and row.last_error.startswith("network: ConnectError") for row in rows)
    assert drain_outbox() == 0  # not due yet: the outbox's backoff
    later.start()
    try:
        make_due()
        assert drain_outbox() == sum(RUN_VERBS.values())
        assert {row.status for row in outbox_rows(run.learner)} == {EmailMessage.SENT}
        assert len(later.statements_of(app.config["LMS_BASE_URL"], run.learner.xapi_id)) == sum(RUN_VERBS.values())
    finally:
        later.stop()


def test_an_attendance_mark_changed_then_taken_back_reaches_the_lrs_as_voidings_and_a_new_duration(
        app: Any, lrs: Ralph, create_org: Callable[..., Organization], create_user: Callable[..., User],
        sync_course: Callable[..., Any]) -> None:
    """Ralph 5.1 implements neither `voidedStatementId` nor leaving voided statements out of its answers (its
    GET lists every statement it stored), so this reads back all three kinds and checks what refers to what."""
    from lms.accounts.roles import Role
    from lms.cohorts.attendance import SessionMarks, save_attendance, session_dates

    run = cohort_run(create_org, create_user, sync_course)
    trainer = create_user(None, roles=(Role.TRAINER,))
    drain_outbox()
    home = app.config["LMS_BASE_URL"]
    checkin = next(s for s in lrs.statements_of(home, run.learner.xapi_id) if s["verb"]["id"].endswith("/reported-usage"))
    assert checkin["context"]["registration"] == run.cohort.uuid  # the cohort whose run covers the week
    first = db.session.scalar(sa.select(XapiStatement).where(XapiStatement.user_id == run.learner.id,
                                                             XapiStatement.verb == "attended"))
    assert first is not None
    (_week, first_day, _start) = session_dates(run.cohort)[0]

    save_attendance(run.cohort, {first_day: SessionMarks(45, {run.learner.id})}, actor=trainer)
    db.session.commit()
    save_attendance(run.cohort, {first_day: SessionMarks(45, {run.learner.id})}, actor=trainer)  # the same again
    db.session.commit()
    assert drain_outbox() == 2
    (voiding,) = lrs.statements_of(home, trainer.xapi_id or "")  # the voiding's actor is the trainer
    assert voiding["verb"]["id"] == "http://adlnet.gov/expapi/verbs/voided"
    assert voiding["object"] == {"objectType": "StatementRef", "id": first.id}
    attended = sorted((s for s in lrs.statements_of(home, run.learner.xapi_id) if s["verb"]["id"] == VERB_IRIS["attended"]),
                      key=lambda s: s["timestamp"])
    assert [s["id"] for s in attended][0] == first.id  # Ralph still returns the voided one
    assert [s["result"]["duration"] for s in attended] == [f"PT{run.cohort.session_minutes}M", "PT45M"]
    assert attended[1]["object"]["id"] == attended[0]["object"]["id"]
    assert attended[1]["context"]["registration"] == run.cohort.uuid

    save_attendance(run.cohort, {first_day: SessionMarks(None, set())}, actor=trainer)
    db.session.commit()
    save_attendance(run.cohort, {first_day: SessionMarks(None, set())}, actor=trainer)  # nothing left to take back
    db.session.commit()
    assert drain_outbox() == 1
    voidings = db.session.scalars(sa.select(XapiStatement).where(XapiStatement.verb == "voided")
                                  .order_by(XapiStatement.created_at, XapiStatement.id)).all()
    assert [v.payload["object"]["id"] for v in voidings] == [first.id, attended[1]["id"]]
    assert all(v.sent_at is not None for v in voidings)
    (taken_back,) = lrs.statements(statementId=voidings[1].id)
    assert taken_back["object"] == {"objectType": "StatementRef", "id": attended[1]["id"]}
    assert taken_back["verb"]["id"] == "http://adlnet.gov/expapi/verbs/voided"
