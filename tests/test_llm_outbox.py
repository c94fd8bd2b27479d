"""The AI model through the outbox: a request only writes rows; the worker asks the model and stores the answer once."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

import pytest
import sqlalchemy as sa
from flask import Flask

from lms import outbox
from lms.core.clock import utcnow
from lms.extensions import db
from lms.llm import service
from lms.llm.models import LLMRequest, LLMUsage
from lms.llm.service import (
    BUDGET_EXHAUSTED, DONE, FAILED, QUEUED, STREAMING, InvalidMessages, LLMUnavailable, PersonalDataFound,
    completion_state, request_completion,
)
from lms.mail.models import EmailMessage
from lms.orgs.models import Organization
from lms.transaction import commit
from tests.conftest import count, drain_outbox, llm_config
from tests.mailserver import free_port
from tests.fake_llm import CutMidStream, FakeLLM, Hold, Malformed, RateLimited, Rejected, Reply, ServerError, Slow

ROOT = Path(__file__).resolve().parents[1]
PROMPT = [{"role": "system", "content": "あなたは営業資料の作成を手伝うアシスタントです。"},
          {"role": "user", "content": "新製品（架空）の特長を、中小企業の経営者向けに3点で説明してください。"}]
ANSWER = "1. 導入が簡単です。\n2. 費用が月額制で読みやすいです。\n3. 社内の問い合わせが減ります。"


@pytest.fixture
def app_config(fake_llm: FakeLLM) -> dict[str, Any]:
    return llm_config(fake_llm)


class Later:
    """Moves the worker's clock: `later(seconds=30)`."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.offset = timedelta(0)
        monkeypatch.setattr(outbox, "utcnow", lambda: utcnow() + self.offset)

    def __call__(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


@pytest.fixture
def org(create_org: Callable[..., Organization]) -> Organization:
    return create_org(llm_enabled=True, llm_monthly_budget=5)


def ask(org: Organization, ref_id: int = 1, messages: list[dict[str, str]] = PROMPT, purpose: str = "exercise") -> int:
    request_id = request_completion(org, purpose, ref_id, messages)
    commit()
    return request_id


def outbox_row(request_id: int) -> EmailMessage:
    request = db.session.get(LLMRequest, request_id, populate_existing=True)
    assert request is not None and request.outbox_id is not None
    return db.session.get(EmailMessage, request.outbox_id, populate_existing=True)


def state(org: Organization, request_id: int) -> service.CompletionState:
    found = completion_state(org, request_id)
    assert found is not None
    return found


# --- the happy path ---------------------------------------------------------------------------------------------


def test_a_request_is_only_a_row_until_the_worker_asks_and_stores_the_streamed_answer(
    app: Flask, org: Organization, fake_llm: FakeLLM
) -> None:
    fake_llm.script(Reply(ANSWER, model="qwen2.5:7b-instruct"))
    request_id = ask(org)
    assert fake_llm.received == []  # nothing is sent from the request
    assert state(org, request_id) == service.CompletionState(QUEUED, "")
    row = outbox_row(request_id)
    assert row.channel == "llm" and row.org_id == org.id
    assert "新製品" not in row.body_text  # admins never see the prompt

    assert drain_outbox() == 1
    done = state(org, request_id)
    assert done.status == DONE and done.text == ANSWER and done.finished
    assert done.model == "qwen2.5:7b-instruct" and done.finish_reason == "stop"
    request = db.session.get(LLMRequest, request_id)
    assert request.total_tokens == 12 + len(ANSWER) and request.completed_at is not None
    (sent,) = fake_llm.received
    assert sent.body["messages"] == PROMPT and sent.body["model"] == "fake-model" and sent.body["stream"] is True
    assert sent.headers["Authorization"] == "Bearer test-key"
    assert outbox_row(request_id).status == EmailMessage.SENT and service.used_this_month(org) == 1


def test_without_streaming_the_json_answer_is_stored(app: Flask, org: Organization, fake_llm: FakeLLM) -> None:
    app.config["LMS_LLM_STREAM"] = False
    fake_llm.script(Reply(ANSWER, usage=False))
    request_id = ask(org)
    drain_outbox()
    assert state(org, request_id).text == ANSWER and fake_llm.received[0].body["stream"] is False
    assert db.session.get(LLMRequest, request_id).total_tokens is None  # no usage: tolerated


def test_asking_again_for_the_same_reference_sends_nothing_twice(
    app: Flask, org: Organization, fake_llm: FakeLLM
) -> None:
    fake_llm.script(Reply(ANSWER))
    first = ask(org, ref_id=7)
    assert ask(org, ref_id=7) == first  # a double click
    drain_outbox()
    assert ask(org, ref_id=7) == first  # and after the answer
    drain_outbox()
    assert len(fake_llm.received) == 1 and count(EmailMessage, EmailMessage.channel == "llm") == 1
    assert service.used_this_month(org) == 1


# --- faults: retried with backoff, or failed with a reason -------------------------------------------------------


def test_429_waits_for_the_servers_retry_after_then_answers(
    app: Flask, org: Organization, fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    later = Later(monkeypatch)
    fake_llm.script(RateLimited(retry_after="120"), Reply(ANSWER))
    request_id = ask(org)
    drain_outbox()
    row = outbox_row(request_id)
    assert row.status == EmailMessage.QUEUED and row.retrying and row.attempts == 1
    assert row.last_error == "rate_limited: HTTP 429: Rate limit reached for requests"
    assert timedelta(seconds=115) < row.next_attempt_at - utcnow() <= timedelta(seconds=120)
    waiting = state(org, request_id)
    assert waiting.status == QUEUED and waiting.reason_code == "rate_limited"
    assert waiting.retry_at == row.next_attempt_at
    assert "混み合って" in waiting.reason  # said in Japanese

    assert drain_outbox() == 0  # not due yet
    later(seconds=121)
    drain_outbox()
    assert state(org, request_id).text == ANSWER and len(fake_llm.received) == 2
    assert outbox_row(request_id).attempts == 2 and service.used_this_month(org) == 1  # a retry costs no budget


def test_server_errors_back_off_doubling_then_fail_with_the_reason_for_admins(
    app: Flask, client: Any, org: Organization, fake_llm: FakeLLM, create_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.config["LMS_LLM_MAX_ATTEMPTS"] = 3
    later = Later(monkeypatch)
    fake_llm.script(ServerError(), ServerError(503, "model is loading"), ServerError())
    request_id = ask(org)
    drain_outbox()
    assert timedelta(seconds=9) < outbox_row(request_id).next_attempt_at - utcnow() <= timedelta(seconds=10)
    later(seconds=11)
    drain_outbox()
    row = outbox_row(request_id)
    assert row.last_error == "server_error: HTTP 503: model is loading"
    assert timedelta(seconds=19) < row.next_attempt_at - outbox.utcnow() <= timedelta(seconds=20)  # doubled
    later(seconds=21)
    drain_outbox()
    row = outbox_row(request_id)
    assert row.status == EmailMessage.FAILED and row.attempts == 3 and len(fake_llm.received) == 3
    failed = state(org, request_id)
    assert failed.status == FAILED and failed.reason_code == "server_error" and failed.text == ""

    create_user(None, roles=("admin",), email="root@provider.example")
    client.login("root@provider.example")
    listing = client.get("/admin/mail").get_data(as_text=True)
    assert "AIモデルへの依頼" in listing and "送信できませんでした" in listing and "server_error: HTTP 500" in listing
    detail = client.get(f"/admin/mail/{row.id}").get_data(as_text=True)
    assert "server_error: HTTP 500" in detail and "新製品" not in detail


def test_a_model_slower_than_the_timeout_is_retried(app: Flask, org: Organization, fake_llm: FakeLLM) -> None:
    app.config["LMS_LLM_READ_TIMEOUT"] = 0.3
    fake_llm.script(Slow(seconds=30))
    request_id = ask(org)
    drain_outbox()
    row = outbox_row(request_id)
    assert row.retrying and row.last_error.startswith("timeout: no answer from") and "0.3 s" in row.last_error
    assert state(org, request_id).reason_code == "timeout"


def test_a_model_server_that_is_down_is_retried(
    app: Flask, org: Organization, fake_llm: FakeLLM, outbound: Any
) -> None:
    port = free_port()
    outbound.http_servers.add(("127.0.0.1", port))
    app.config["LMS_LLM_BASE_URL"] = f"http://127.0.0.1:{port}/v1"  # nothing listens there
    request_id = ask(org)
    drain_outbox()
    row = outbox_row(request_id)
    assert row.retrying and row.last_error.startswith("unreachable:") and "ConnectError" in row.last_error
    assert state(org, request_id).reason_code == "unreachable" and "接続できません" in state(org, request_id).reason


def test_nonsense_from_the_server_fails_at_once(app: Flask, org: Organization, fake_llm: FakeLLM) -> None:
    fake_llm.script(Malformed(b"<html>It works!</html>"))
    request_id = ask(org)
    drain_outbox()
    row = outbox_row(request_id)
    assert row.status == EmailMessage.FAILED and row.attempts == 1 and row.last_error.startswith("bad_response:")
    assert state(org, request_id).reason_code == "bad_response"


def test_an_answer_without_text_fails_at_once(app: Flask, org: Organization, fake_llm: FakeLLM) -> None:
    fake_llm.script(Reply("", finish_reason="content_filter"))
    request_id = ask(org)
    drain_outbox()
    reason = "bad_response: the model answered with no text (finish reason content_filter)"
    assert outbox_row(request_id).last_error == reason
    assert state(org, request_id).status == FAILED


def test_an_unknown_model_fails_at_once_telling_the_admin_what_to_check(
    app: Flask, org: Organization, fake_llm: FakeLLM
) -> None:
    fake_llm.script(Rejected(404, "model 'fake-model' not found"))
    request_id = ask(org)
    drain_outbox()
    assert "LMS_LLM_MODEL" in outbox_row(request_id).last_error
    assert state(org, request_id).reason_code == "rejected"


def test_a_stream_cut_midway_is_asked_again_and_stored_once(
    app: Flask, org: Organization, fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.config["LMS_LLM_PARTIAL_SECONDS"] = 0  # the partial answer is saved, then must not survive
    later = Later(monkeypatch)
    fake_llm.script(CutMidStream(ANSWER, after=2), Reply(ANSWER))
    request_id = ask(org)
    drain_outbox()
    assert outbox_row(request_id).last_error.startswith("unreachable: the connection closed")
    assert state(org, request_id).text == ""  # the half answer is not shown as if it were the answer
    later(seconds=11)
    drain_outbox()
    assert state(org, request_id).text == ANSWER and len(fake_llm.received) == 2


def test_a_retry_after_a_failure_can_be_asked_for_again(app: Flask, org: Organization, fake_llm: FakeLLM) -> None:
    fake_llm.script(Malformed(), Reply(ANSWER))
    first = ask(org, ref_id=3)
    drain_outbox()
    assert state(org, first).status == FAILED
    assert ask(org, ref_id=3) == first  # the learner presses "ask again": same request, a new delivery
    drain_outbox()
    assert state(org, first).text == ANSWER and count(EmailMessage, EmailMessage.channel == "llm") == 2
    assert service.used_this_month(org) == 2


def test_a_worker_asks_for_one_answer_per_pass_after_the_mail_and_gives_the_rest_back(
    app: Flask, org: Organization, fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_llm.script(Reply("一"), Reply("二"))
    first, second = ask(org, ref_id=1), ask(org, ref_id=2)
    db.session.add(EmailMessage(to_address="a@example.jp", subject="お知らせ", body_text="本文", kind="test"))
    commit()
    order: list[str] = []
    for channel in ("mail", "llm"):
        real = outbox.DISPATCHERS[channel]
        monkeypatch.setitem(outbox.DISPATCHERS, channel,
                            lambda claim, rows, real=real, channel=channel: order.append(channel) or real(claim, rows))

    assert outbox.drain_once() == 2  # the mail and one answer; the other request was given back
    assert order == ["mail", "llm"]  # the mail, though queued last, does not wait for the model
    assert state(org, first).text == "一"
    waiting = outbox_row(second)
    assert waiting.status == EmailMessage.QUEUED and waiting.attempts == 0 and waiting.claim_token is None
    assert not waiting.retrying  # given back, due at once for any worker
    drain_outbox()
    assert state(org, second).text == "二" and outbox_row(second).attempts == 1


# --- the budget -------------------------------------------------------------------------------------------------


def test_a_used_up_budget_refuses_at_enqueue_and_sends_nothing(
    app: Flask, create_org: Any, fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = create_org(llm_enabled=True, llm_monthly_budget=2)
    fake_llm.script(Reply("一"), Reply("二"))
    ids = [ask(org, ref_id=n) for n in (1, 2, 3)]
    refused = state(org, ids[2])
    assert refused.status == BUDGET_EXHAUSTED and refused.finished and "2" in refused.reason
    assert db.session.get(LLMRequest, ids[2]).outbox_id is None
    drain_outbox()
    assert len(fake_llm.received) == 2 and service.used_this_month(org) == 2
    assert ask(org, ref_id=3) == ids[2] and state(org, ids[2]).status == BUDGET_EXHAUSTED  # still no room

    next_month = datetime(2027, 1, 1, 0, 1, tzinfo=timezone(timedelta(hours=9)))  # Japan time
    monkeypatch.setattr("lms.core.clock.utcnow", lambda: next_month.astimezone(timezone.utc))
    fake_llm.script(Reply("三"))
    assert ask(org, ref_id=3) == ids[2] and state(org, ids[2]).status == QUEUED  # a new month, a new budget
    drain_outbox()
    assert state(org, ids[2]).text == "三"
    assert db.session.scalar(sa.select(LLMUsage.requests).where(LLMUsage.month == "2027-01")) == 1


def test_a_budget_of_zero_refuses_everything(app: Flask, create_org: Any, fake_llm: FakeLLM) -> None:
    org = create_org(llm_enabled=True, llm_monthly_budget=0)
    assert state(org, ask(org)).status == BUDGET_EXHAUSTED
    assert count(EmailMessage) == 0


def test_the_month_is_japans(app: Flask) -> None:
    assert service.current_month(datetime(2026, 12, 31, 15, 0, tzinfo=timezone.utc)) == "2027-01"
    assert service.current_month(datetime(2026, 12, 31, 14, 59, tzinfo=timezone.utc)) == "2026-12"


# --- refused before anything is stored --------------------------------------------------------------------------


@pytest.mark.parametrize("prompt", [
    "田中様の電話番号 090-1234-5678 に連絡する文面を作ってください。",
    "見積書を tanaka@example.co.jp に送る文面を作ってください。",
])
def test_a_prompt_with_personal_data_is_refused_and_nothing_is_stored(
    app: Flask, org: Organization, fake_llm: FakeLLM, prompt: str
) -> None:
    with pytest.raises(PersonalDataFound) as caught:
        request_completion(org, "exercise", 1, [PROMPT[0], {"role": "user", "content": prompt}])
    found = {(index, finding.kind) for index, finding in caught.value.findings}
    assert found & {(1, "phone"), (1, "email")} and all(index == 1 for index, _kind in found)
    assert count(LLMRequest) == 0 and count(EmailMessage) == 0 and service.used_this_month(org) == 0


def test_the_guard_reads_only_what_the_user_wrote(app: Flask, org: Organization, fake_llm: FakeLLM) -> None:
    system = {"role": "system", "content": "お問い合わせ先（架空）: 03-0000-0000"}  # the exercise's own text
    ask(org, messages=[system, PROMPT[1]])
    assert count(LLMRequest) == 1
    fake_llm.script(Reply(ANSWER))
    drain_outbox()


@pytest.mark.parametrize("messages", [
    [], [{"role": "user", "content": "   "}], [{"role": "tool", "content": "x"}], [{"role": "system", "content": "x"}],
    [{"role": "user", "content": "x" * 100_001}], "just a string",
])
def test_messages_that_are_not_a_chat_are_refused(app: Flask, org: Organization, messages: Any) -> None:
    with pytest.raises(InvalidMessages):
        request_completion(org, "exercise", 1, messages)
    assert count(LLMRequest) == 0


def test_nothing_is_asked_when_the_model_is_off(app: Flask, create_org: Any, org: Organization) -> None:
    with pytest.raises(LLMUnavailable):
        request_completion(create_org(), "exercise", 1, PROMPT)  # the company did not turn it on
    app.config["LMS_LLM_BASE_URL"] = ""
    assert not service.is_available(org)
    with pytest.raises(LLMUnavailable):
        request_completion(org, "exercise", 1, PROMPT)  # nor the installation
    assert count(LLMRequest) == 0


def test_a_company_that_turns_the_model_off_stops_what_waits(app: Flask, org: Organization, fake_llm: FakeLLM) -> None:
    request_id = ask(org)
    org.llm_enabled = False
    commit()
    drain_outbox()
    assert fake_llm.received == [] and state(org, request_id).reason_code == "off"


def test_another_companys_request_is_not_found(
    app: Flask, create_org: Any, org: Organization, fake_llm: FakeLLM
) -> None:
    request_id = ask(org)
    assert completion_state(create_org(llm_enabled=True), request_id) is None
    fake_llm.script(Reply(ANSWER))
    drain_outbox()


# --- streaming, workers that die, and two processes at once (real commits) ---------------------------------------


def _wait_for(condition: Callable[[], bool], what: str, seconds: float = 30) -> None:
    """Poll until `condition` holds (another thread or process is at work); fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.02)


def _text_is(org: Organization, request_id: int, text: str) -> Callable[[], bool]:
    def check() -> bool:
        db.session.rollback()  # a fresh snapshot of what the worker committed
        found = completion_state(org, request_id)
        return found is not None and found.text == text
    return check


@pytest.mark.real_commits
def test_the_answer_so_far_is_visible_while_it_streams(app: Flask, org: Organization, fake_llm: FakeLLM) -> None:
    app.config["LMS_LLM_PARTIAL_SECONDS"] = 0
    hold = Hold(ANSWER, after=2, pieces=4)
    fake_llm.script(hold)
    request_id = ask(org)
    worker = threading.Thread(target=_drain_in, args=(app,))
    worker.start()
    try:
        assert hold.holding.wait(30)
        partial = ANSWER[:2 * -(-len(ANSWER) // 4)]
        _wait_for(_text_is(org, request_id, partial), "the first half of the answer")
        assert state(org, request_id).status == STREAMING and not state(org, request_id).finished
    finally:
        hold.go.set()
        worker.join(30)
    db.session.rollback()
    assert state(org, request_id).status == DONE and state(org, request_id).text == ANSWER


def _drain_in(app: Flask) -> None:
    with app.app_context():
        outbox.drain()


@pytest.mark.real_commits
def test_a_worker_killed_mid_stream_leaves_it_to_the_next_which_stores_the_answer_once(
    app: Flask, base_config: dict[str, Any], org: Organization, fake_llm: FakeLLM, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hold = Hold(ANSWER, after=2, pieces=4)
    fake_llm.script(hold, Reply(ANSWER))
    request_id = ask(org)
    config = {**base_config, **llm_config(fake_llm), "LMS_LLM_PARTIAL_SECONDS": 0}
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "LMS_TEST_WORKER_CONFIG": json.dumps(config)},
    )
    try:
        assert hold.holding.wait(60), (tmp_path / "worker.log").read_text()
        partial = ANSWER[:2 * -(-len(ANSWER) // 4)]
        _wait_for(_text_is(org, request_id, partial), "the worker to save the answer so far")
        os.kill(worker.pid, signal.SIGKILL)  # mid-stream
    finally:
        worker.wait(30)
        log.close()
    db.session.rollback()
    assert state(org, request_id).status == STREAMING  # what the page shows until the lease runs out

    later = Later(monkeypatch)
    assert drain_outbox() == 0  # the dead worker's claim still holds
    later(seconds=app.config["LMS_OUTBOX_LEASE_SECONDS"] + 1)
    assert drain_outbox() == 1
    done = state(org, request_id)
    assert done.status == DONE and done.text == ANSWER  # not the partial text plus the answer
    assert len(fake_llm.received) == 2 and outbox_row(request_id).attempts == 2
    assert count(LLMRequest) == 1 and count(EmailMessage) == 1 and service.used_this_month(org) == 1


WORKER = """
import json, os
from lms import create_app, outbox
app = create_app(json.loads(os.environ["LMS_TEST_WORKER_CONFIG"]))
with app.app_context():
    outbox.run(0.05)
"""


@pytest.mark.real_commits
def test_two_processes_racing_for_the_last_request_of_the_budget_never_both_get_it(
    app: Flask, create_org: Any, fake_llm: FakeLLM
) -> None:
    org_id = create_org(llm_enabled=True, llm_monthly_budget=1).id
    start = threading.Barrier(2)
    results: list[int] = []

    def enqueue(ref_id: int) -> None:
        with app.app_context():
            org = db.session.get(Organization, org_id)
            start.wait(10)
            results.append(request_completion(org, "exercise", ref_id, PROMPT))
            commit()

    threads = [threading.Thread(target=enqueue, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 2
    org = db.session.get(Organization, org_id)
    statuses = sorted(state(org, request_id).status for request_id in results)
    assert statuses == [BUDGET_EXHAUSTED, QUEUED] and service.used_this_month(org) == 1
    assert count(EmailMessage) == 1


@pytest.mark.real_commits
def test_a_double_click_racing_itself_makes_one_request(app: Flask, org: Organization, fake_llm: FakeLLM) -> None:
    start = threading.Barrier(2)
    results: list[int] = []
    org_id = org.id

    def enqueue() -> None:
        with app.app_context():
            mine = db.session.get(Organization, org_id)
            start.wait(10)
            results.append(request_completion(mine, "exercise", 42, PROMPT))
            commit()

    threads = [threading.Thread(target=enqueue) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 2 and results[0] == results[1]
    assert count(LLMRequest) == 1 and count(EmailMessage) == 1 and service.used_this_month(org) == 1
