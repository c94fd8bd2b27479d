"""The OpenAI-compatible client against a fake server on loopback that speaks the real protocol."""
from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings, strategies as st

from lms.llm.client import (
    LLMBadResponse, LLMClient, LLMRateLimited, LLMRejected, LLMServerError, LLMTimeout, LLMUnreachable, SSEDecoder,
    Timeouts, _retry_after,
)
from tests.fake_llm import (
    CutMidStream, Drip, FakeLLM, Malformed, RateLimited, Rejected, Reply, ServerError, Slow, sse_events,
)
from tests.guards import OutboundRefused
from tests.mailserver import free_port

MESSAGES = [{"role": "system", "content": "あなたは社内文書の校正係です。"},
            {"role": "user", "content": "次の文を丁寧にしてください：明日までに出して。"}]
ANSWER = "明日までにご提出いただけますでしょうか。よろしくお願いいたします。"


def client(fake: FakeLLM, **timeouts: float) -> LLMClient:
    return LLMClient(fake.base_url, "secret-key", Timeouts(**{"connect": 2, "read": 2, "total": 10, **timeouts}))


def test_a_plain_answer_is_one_json_completion_with_usage(fake_llm: FakeLLM) -> None:
    fake_llm.script(Reply(ANSWER, model="qwen2.5:7b"))
    with client(fake_llm) as llm:
        answer = llm.chat(MESSAGES, model="qwen2.5:7b", temperature=0.2, max_tokens=500)
    assert answer.text == ANSWER and answer.model == "qwen2.5:7b" and answer.finish_reason == "stop"
    assert answer.usage is not None and answer.usage.total_tokens == 12 + len(ANSWER)
    (request,) = fake_llm.received
    assert request.path == "/v1/chat/completions"
    assert request.headers["Authorization"] == "Bearer secret-key"
    assert request.body == {"model": "qwen2.5:7b", "messages": MESSAGES, "stream": False,
                            "temperature": 0.2, "max_tokens": 500}


def test_no_api_key_sends_no_authorization_header(fake_llm: FakeLLM) -> None:
    fake_llm.script(Reply(ANSWER))
    with LLMClient(fake_llm.base_url + "/") as llm:  # a trailing slash is fine too
        llm.chat(MESSAGES, model="m")
    assert "Authorization" not in fake_llm.received[0].headers


def test_a_streamed_answer_arrives_piece_by_piece_across_split_network_writes(fake_llm: FakeLLM) -> None:
    fake_llm.script(Reply(ANSWER, pieces=5, usage=False))
    seen: list[str] = []
    with client(fake_llm) as llm:
        answer = llm.chat(MESSAGES, model="m", stream=True, on_delta=seen.append)
    assert answer.text == ANSWER and answer.finish_reason == "stop"
    assert answer.usage is None  # most servers send no usage in a stream unless asked: tolerated
    assert len(seen) == 5 and seen[-1] == ANSWER and all(ANSWER.startswith(s) for s in seen)
    assert fake_llm.received[0].body["stream"] is True


def test_a_usage_only_last_chunk_is_read(fake_llm: FakeLLM) -> None:
    fake_llm.script(Reply(ANSWER, usage=True))
    with client(fake_llm) as llm:
        answer = llm.chat(MESSAGES, model="m", stream=True)
    assert answer.text == ANSWER and answer.usage is not None and answer.usage.completion_tokens == len(ANSWER)


def test_429_is_rate_limited_with_the_servers_retry_after(fake_llm: FakeLLM) -> None:
    fake_llm.script(RateLimited(retry_after="17"))
    with client(fake_llm) as llm, pytest.raises(LLMRateLimited) as caught:
        llm.chat(MESSAGES, model="m", stream=True)
    assert caught.value.retryable and caught.value.retry_after == 17
    assert caught.value.reason == "rate_limited: HTTP 429: Rate limit reached for requests"


def test_retry_after_may_be_an_http_date_or_missing() -> None:
    assert _retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0  # in the past: now
    assert _retry_after("soon") is None and _retry_after(None) is None and _retry_after("2.5") == 2.5


def test_500_is_a_server_error_to_retry(fake_llm: FakeLLM) -> None:
    fake_llm.script(ServerError(502, "upstream model crashed"))
    with client(fake_llm) as llm, pytest.raises(LLMServerError) as caught:
        llm.chat(MESSAGES, model="m")
    assert caught.value.retryable and caught.value.reason == "server_error: HTTP 502: upstream model crashed"


def test_an_unknown_model_is_rejected_for_good_with_a_hint(fake_llm: FakeLLM) -> None:
    fake_llm.script(Rejected(404, "model 'llama9' not found, try pulling it first"))
    with client(fake_llm) as llm, pytest.raises(LLMRejected) as caught:
        llm.chat(MESSAGES, model="llama9")
    assert not caught.value.retryable
    assert "model 'llama9' not found" in caught.value.reason and "LMS_LLM_MODEL" in caught.value.reason


def test_a_wrong_key_is_rejected_for_good(fake_llm: FakeLLM) -> None:
    fake_llm.script(Rejected(401, "Incorrect API key provided"))
    with client(fake_llm) as llm, pytest.raises(LLMRejected) as caught:
        llm.chat(MESSAGES, model="m")
    assert "LMS_LLM_API_KEY" in caught.value.reason


def test_an_answer_slower_than_the_read_timeout_is_a_timeout(fake_llm: FakeLLM) -> None:
    fake_llm.script(Slow(seconds=30))
    with client(fake_llm, read=0.3) as llm, pytest.raises(LLMTimeout) as caught:
        llm.chat(MESSAGES, model="m", stream=True)
    assert caught.value.retryable and "after 0.3 s waiting for the answer" in caught.value.reason


def test_a_server_that_keeps_the_stream_open_without_answering_hits_the_total_limit(fake_llm: FakeLLM) -> None:
    fake_llm.script(Drip(seconds=20))
    with client(fake_llm, read=5, total=0.5) as llm, pytest.raises(LLMTimeout) as caught:
        llm.chat(MESSAGES, model="m", stream=True)
    assert caught.value.reason == "timeout: the answer took longer than 0.5 s in all"


def test_malformed_json_is_a_bad_response_not_retried(fake_llm: FakeLLM) -> None:
    fake_llm.script(Malformed())
    with client(fake_llm) as llm, pytest.raises(LLMBadResponse) as caught:
        llm.chat(MESSAGES, model="m")
    assert not caught.value.retryable and caught.value.reason.startswith("bad_response: the answer is not JSON")


def test_a_malformed_streamed_chunk_is_a_bad_response(fake_llm: FakeLLM) -> None:
    fake_llm.script(Malformed(b"{oops"))
    with client(fake_llm) as llm, pytest.raises(LLMBadResponse, match="a streamed chunk is not JSON"):
        llm.chat(MESSAGES, model="m", stream=True)


def test_an_html_error_page_is_a_bad_response(fake_llm: FakeLLM) -> None:
    fake_llm.script(Malformed(b"<html><body>502 Bad Gateway</body></html>"))
    with client(fake_llm) as llm, pytest.raises(LLMBadResponse, match="Bad Gateway"):
        llm.chat(MESSAGES, model="m")


def test_json_without_choices_is_a_bad_response(fake_llm: FakeLLM) -> None:
    fake_llm.script(Malformed(b'{"object": "list", "data": []}'))
    with client(fake_llm) as llm, pytest.raises(LLMBadResponse, match="no choices"):
        llm.chat(MESSAGES, model="m")


def test_a_connection_closed_mid_stream_is_retryable_and_keeps_nothing(fake_llm: FakeLLM) -> None:
    fake_llm.script(CutMidStream(ANSWER, after=2))
    seen: list[str] = []
    with client(fake_llm) as llm, pytest.raises(LLMUnreachable) as caught:
        llm.chat(MESSAGES, model="m", stream=True, on_delta=seen.append)
    assert caught.value.retryable and "closed before the answer was complete" in caught.value.reason
    assert seen and seen[-1] != ANSWER  # part of it had arrived


def test_a_refused_connection_is_unreachable(outbound: Any) -> None:
    port = free_port()
    outbound.http_servers.add(("127.0.0.1", port))
    with LLMClient(f"http://127.0.0.1:{port}/v1") as llm, pytest.raises(LLMUnreachable) as caught:
        llm.chat(MESSAGES, model="m")
    assert caught.value.retryable and "ConnectError" in caught.value.reason


def test_a_server_that_ignores_stream_and_answers_json_is_read_too(fake_llm: FakeLLM) -> None:
    class JsonAnyway(Reply):
        def respond(self, handler: Any, body: dict[str, Any]) -> None:
            super().respond(handler, {**body, "stream": False})

    fake_llm.script(JsonAnyway(ANSWER))
    seen: list[str] = []
    with client(fake_llm) as llm:
        assert llm.chat(MESSAGES, model="m", stream=True, on_delta=seen.append).text == ANSWER
    assert seen == [ANSWER]


def test_the_outbound_guard_refuses_http_to_a_server_the_test_did_not_start(outbound: Any) -> None:
    fake = FakeLLM().start()  # a real server on loopback, but not registered with the guard
    try:
        with LLMClient(fake.base_url) as llm, pytest.raises(OutboundRefused):
            llm.chat(MESSAGES, model="m")
        assert fake.received == []
    finally:
        fake.stop()
    assert outbound.refused == [f"HTTP request to {fake.base_url}/chat/completions"]
    outbound.refused.clear()  # this test wanted the refusal


def test_the_guard_fails_a_test_that_reached_out_even_when_the_error_was_caught(outbound: Any) -> None:
    with LLMClient("http://127.0.0.1:9/v1") as llm:
        try:
            llm.chat(MESSAGES, model="m")
        except OSError:
            pass
    assert outbound.refused == ["HTTP request to http://127.0.0.1:9/v1/chat/completions"]
    outbound.refused.clear()  # this test wanted the refusal


# --- the SSE decoder on its own ---------------------------------------------------------------------------------


def test_events_end_at_a_blank_line_and_comments_and_other_fields_are_ignored() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b": keep-alive\n\nevent: message\nid: 3\ndata: one\n") == []
    assert decoder.feed(b"data: two\n\ndata:three\r\n\r\n") == ["one\ntwo", "three"]


@settings(max_examples=60, deadline=None)
@given(cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=40), crlf=st.booleans())
def test_any_split_of_the_bytes_gives_the_same_events(cuts: list[int], crlf: bool) -> None:
    raw = b"".join(sse_events("見積書の下書きです。金額は税抜きで記載しています。", "m", pieces=6))
    if crlf:
        raw = raw.replace(b"\n", b"\r\n")
    whole = SSEDecoder().feed(raw)
    points = sorted({c % (len(raw) + 1) for c in cuts})
    decoder, events, start = SSEDecoder(), [], 0
    for point in points + [len(raw)]:
        events += decoder.feed(raw[start:point])
        start = point
    assert events == whole and whole[-1] == "[DONE]" and len(whole) >= 8
