"""A small client for OpenAI-compatible chat completions (Ollama, LM Studio, vLLM, llama.cpp, vendors).

No Flask here: `LLMClient(base_url, api_key, timeouts)` and one call,
`chat(messages, model=..., stream=...)`. Only `POST {base_url}/chat/completions`
is used, with the four fields every compatible server understands.

Streaming answers are server-sent events: `data: {chat.completion.chunk}`
lines, events separated by a blank line, ended by `data: [DONE]`. Network
reads split events (and UTF-8 characters) anywhere, so `SSEDecoder` buffers
bytes until an event is complete.

Every failure is one of the `LLMError` classes below. Retrying is not done
here: the outbox worker (lms.llm.delivery) retries `retryable` errors with
backoff, so a retry survives a restart, never blocks a worker in a sleep, and
its state is visible to admins. `reason` is what an admin reads.
"""
from __future__ import annotations

import codecs
import json
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

if TYPE_CHECKING:  # imported where a request is made: httpx (and its CLI's rich) is slow to import
    import httpx

ROLES = ("system", "user", "assistant")


class LLMError(Exception):
    """The model could not answer. `code` is stable (stored and shown translated); `detail` is for the admin."""

    code = "error"
    retryable = True

    def __init__(self, detail: str, *, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry_after = retry_after

    @property
    def reason(self) -> str:
        return f"{self.code}: {self.detail}"


class LLMTimeout(LLMError):
    """The server did not connect, or did not send the next part of the answer, in time."""

    code = "timeout"


class LLMRateLimited(LLMError):
    """429: the server asks us to slow down, perhaps saying for how long (Retry-After)."""

    code = "rate_limited"


class LLMServerError(LLMError):
    """5xx: the server failed; usually temporary."""

    code = "server_error"


class LLMUnreachable(LLMError):
    """Connection refused, reset, or closed before the answer was complete."""

    code = "unreachable"


class LLMBadResponse(LLMError):
    """The server answered something that is not a chat completion (HTML, broken JSON, no choices)."""

    code = "bad_response"
    retryable = False


class LLMRejected(LLMError):
    """4xx other than 408/429: wrong key, unknown model, a request the server refuses. Retrying will not help."""

    code = "rejected"
    retryable = False


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int | None
    completion_tokens: int | None
    total_tokens: int | None


@dataclass(frozen=True)
class Completion:
    text: str
    model: str | None
    finish_reason: str | None
    usage: Usage | None  # servers may leave it out, in streams most do unless asked


@dataclass(frozen=True)
class Timeouts:
    connect: float = 5.0
    read: float = 60.0  # the longest wait for the next bytes (the first token of a slow CPU model included)
    total: float = 300.0  # the whole answer, so a server that drips forever is cut off


class SSEDecoder:
    """Server-sent events from arbitrary byte pieces: yields each event's data once its blank line arrives."""

    def __init__(self) -> None:
        self._text = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._buffer = ""
        self._data: list[str] = []

    def feed(self, piece: bytes) -> list[str]:
        self._buffer += self._text.decode(piece)
        events: list[str] = []
        while True:
            cut = _line_end(self._buffer)
            if cut is None:
                return events
            line, self._buffer = self._buffer[:cut[0]], self._buffer[cut[1]:]
            if line == "":
                if self._data:
                    events.append("\n".join(self._data))
                    self._data = []
            elif line.startswith(":"):
                continue  # a comment (keep-alive)
            else:
                name, _, value = line.partition(":")
                if name == "data":
                    self._data.append(value[1:] if value.startswith(" ") else value)
                # event:, id:, retry: carry nothing a chat completion needs


def _line_end(text: str) -> tuple[int, int] | None:
    """Where the first line ends and the next begins (CRLF, LF or CR), or None when no line is complete."""
    for i, char in enumerate(text):
        if char == "\n":
            return i, i + 1
        if char == "\r":
            if i + 1 == len(text):
                return None  # a CR at the end may be the first half of CRLF
            return i, i + 2 if text[i + 1] == "\n" else i + 1
    return None


class LLMClient:
    """One OpenAI-compatible endpoint: `base_url` ends before `/chat/completions` (for example `http://localhost:11434/v1`)."""

    def __init__(self, base_url: str, api_key: str = "", timeouts: Timeouts = Timeouts()) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.timeouts = timeouts
        headers = {"Accept": "application/json, text/event-stream"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        import httpx

        self._http = httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(
                connect=timeouts.connect, read=timeouts.read, write=timeouts.read, pool=timeouts.connect
            ),
            follow_redirects=False,
        )

    def __enter__(self) -> LLMClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def chat(
        self,
        messages: list[dict[str, str]],
        *,
        model: str,
        temperature: float | None = None,
        max_tokens: int | None = None,
        stream: bool = False,
        on_delta: Callable[[str], None] | None = None,
    ) -> Completion:
        """Ask for one answer. With `stream`, `on_delta(text_so_far)` is called as the answer arrives.

        :raise LLMError: a subclass saying what went wrong; `on_delta` may raise to stop the stream.
        """
        body: dict[str, Any] = {"model": model, "messages": messages, "stream": stream}
        if temperature is not None:
            body["temperature"] = temperature
        if max_tokens is not None:
            body["max_tokens"] = max_tokens
        import httpx

        deadline = time.monotonic() + self.timeouts.total
        try:
            with self._http.stream("POST", self.url, json=body) as response:
                if response.status_code != 200:
                    response.read()
                    raise _status_error(response)
                kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
                if stream and kind == "text/event-stream":
                    return _read_stream(response.iter_bytes(), deadline, self.timeouts.total, on_delta)
                # Not asked to stream, or a server that ignored `stream`: one JSON document.
                completion = _parse_completion(_read_all(response, deadline, self.timeouts.total))
                if on_delta is not None and completion.text:
                    on_delta(completion.text)
                return completion
        except httpx.TimeoutException as exc:
            what = "connecting" if isinstance(exc, httpx.ConnectTimeout) else "waiting for the answer"
            raise LLMTimeout(f"no answer from {self.url} after {self._limit(exc):g} s {what}") from exc
        except httpx.TransportError as exc:  # refused, reset, closed mid-answer, bad HTTP
            raise LLMUnreachable(f"{self.url}: {type(exc).__name__}: {exc or 'connection lost'}") from exc

    def _limit(self, exc: httpx.TimeoutException) -> float:
        import httpx

        connecting = isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout))
        return self.timeouts.connect if connecting else self.timeouts.read


def _read_all(response: httpx.Response, deadline: float, total: float) -> bytes:
    parts = []
    for piece in response.iter_bytes():
        parts.append(piece)
        _check_deadline(deadline, total)
    return b"".join(parts)


def _check_deadline(deadline: float, total: float) -> None:
    if time.monotonic() > deadline:
        raise LLMTimeout(f"the answer took longer than {total:g} s in all")


def _status_error(response: httpx.Response) -> LLMError:
    status = response.status_code
    detail = f"HTTP {status}: {_error_message(response)}"
    retry_after = _retry_after(response.headers.get("retry-after"))
    if status == 429:
        return LLMRateLimited(detail, retry_after=retry_after)
    if status == 408:
        return LLMTimeout(detail)
    if status >= 500:
        return LLMServerError(detail, retry_after=retry_after)
    if status in (401, 403):
        return LLMRejected(detail + " (check LMS_LLM_API_KEY)")
    if status == 404:
        return LLMRejected(detail + " (check LMS_LLM_BASE_URL and LMS_LLM_MODEL)")
    return LLMRejected(detail)


def _error_message(response: httpx.Response) -> str:
    """The server's own words: OpenAI-style `{"error": {"message"}}`, else the start of the body."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        error = None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return error["message"][:300]
    if isinstance(error, str):
        return error[:300]
    text = " ".join(response.text.split())
    return text[:300] or response.reason_phrase


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: a number, or an HTTP date."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max((when - datetime.now(timezone.utc)).total_seconds(), 0.0)


def _json(raw: bytes | str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except ValueError:
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        raise LLMBadResponse(f"{what} is not JSON: {' '.join(text.split())[:200]!r}") from None
    if not isinstance(value, dict):
        raise LLMBadResponse(f"{what} is not a JSON object")
    if value.get("error"):
        error = value["error"]
        message = error.get("message") if isinstance(error, dict) else error
        raise LLMServerError(f"the server reported an error: {str(message)[:300]}")
    return value


def _usage(value: Any) -> Usage | None:
    if not isinstance(value, dict):
        return None

    def number(key: str) -> int | None:
        n = value.get(key)
        return n if isinstance(n, int) and not isinstance(n, bool) else None

    return Usage(number("prompt_tokens"), number("completion_tokens"), number("total_tokens"))


def _first_choice(document: dict[str, Any], what: str) -> dict[str, Any] | None:
    choices = document.get("choices")
    if choices is None and "usage" in document and what == "a streamed chunk":
        return None  # a usage-only chunk that leaves out `choices` altogether
    if not isinstance(choices, list):
        raise LLMBadResponse(f"{what} has no choices")
    if not choices:
        return None  # a usage-only chunk
    choice = choices[0]
    if not isinstance(choice, dict):
        raise LLMBadResponse(f"{what} has a malformed choice")
    return choice


def _parse_completion(raw: bytes) -> Completion:
    document = _json(raw, "the answer")
    choice = _first_choice(document, "the answer")
    if choice is None:
        raise LLMBadResponse("the answer has no choices")
    message = choice.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    if content is not None and not isinstance(content, str):
        raise LLMBadResponse("the answer's content is not text")
    return Completion(content or "", _text_or_none(document.get("model")),
                      _text_or_none(choice.get("finish_reason")), _usage(document.get("usage")))


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _read_stream(
    pieces: Iterable[bytes], deadline: float, total: float, on_delta: Callable[[str], None] | None
) -> Completion:
    parts: list[str] = []
    model = finish_reason = None
    usage = None
    for data in _events(pieces, deadline, total):
        if data.strip() == "[DONE]":
            break
        chunk = _json(data, "a streamed chunk")
        model = _text_or_none(chunk.get("model")) or model
        usage = _usage(chunk.get("usage")) or usage
        choice = _first_choice(chunk, "a streamed chunk")
        if choice is None:
            continue
        finish_reason = _text_or_none(choice.get("finish_reason")) or finish_reason
        delta = choice.get("delta")
        content = delta.get("content") if isinstance(delta, dict) else None
        if isinstance(content, str) and content:
            parts.append(content)
            if on_delta is not None:
                on_delta("".join(parts))
    else:
        # The connection closed without [DONE]. An answer that said how it finished is whole (some servers
        # skip [DONE]); otherwise it was cut off and must be asked for again.
        if finish_reason is None:
            raise LLMUnreachable("the connection closed before the answer was complete")
    return Completion("".join(parts), model, finish_reason, usage)


def _events(pieces: Iterable[bytes], deadline: float, total: float) -> Iterator[str]:
    decoder = SSEDecoder()
    for piece in pieces:
        yield from decoder.feed(piece)
        _check_deadline(deadline, total)
    # An event without its blank line at the end was cut off: it is dropped, and the missing [DONE] tells.
