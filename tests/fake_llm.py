"""A fake OpenAI-compatible server on loopback, speaking the real protocol, scripted per test.

    fake = FakeLLM().start()
    fake.script(Reply("答えです。"), RateLimited(retry_after=30), ServerError(), ...)
    ... LMS_LLM_BASE_URL = fake.base_url ...

Each request to `POST /v1/chat/completions` takes the next scripted behaviour
(a request beyond the script is answered 500 and recorded in `unexpected`,
which the `fake_llm` fixture turns into a failure). A streamed reply is
written in small pieces that split events, lines and UTF-8 characters, as a
real network does. `received` keeps every request's headers and JSON body.
Behaviours that wait (`Slow`, `Hold`) wait on events the test sets; `stop()`
releases them all.
"""
from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PIECE_BYTES = 7  # a streamed body goes out in writes this small: every event and most characters are split


class Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"  # the body ends when the connection closes, so a cut looks like a real one

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw)
        except ValueError:
            body = {"unparsed": raw.decode("utf-8", "replace")}
        fake.received.append(Received(self.path, dict(self.headers), body))
        behaviour = fake.next_behaviour(self.path)
        try:
            behaviour.respond(self, body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to tell it
        finally:
            fake.answered.release()

    # --- helpers the behaviours use ---

    def send_json(self, status: int, document: Any, headers: dict[str, str] | None = None) -> None:
        self.send_raw(status, json.dumps(document, ensure_ascii=False).encode(), "application/json", headers)

    def send_raw(self, status: int, payload: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)
        self.wfile.flush()

    def start_stream(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        self.wfile.flush()

    def write_in_pieces(self, payload: bytes) -> None:
        for start in range(0, len(payload), PIECE_BYTES):
            self.wfile.write(payload[start:start + PIECE_BYTES])
            self.wfile.flush()

    def cut(self) -> None:
        """Close the connection abruptly, as a crashing server or a dropped link does."""
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(2)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeLLM


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


def completion(text: str, model: str, finish_reason: str = "stop", usage: bool = True) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": "chatcmpl-fake", "object": "chat.completion", "created": 1_764_547_200, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish_reason}],
    }
    if usage:
        document["usage"] = {"prompt_tokens": 12, "completion_tokens": len(text), "total_tokens": 12 + len(text)}
    return document


def chunk(model: str, delta: dict[str, str], finish_reason: str | None = None) -> bytes:
    document = {
        "id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1_764_547_200, "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }
    return b"data: " + json.dumps(document, ensure_ascii=False).encode() + b"\n\n"


def sse_events(text: str, model: str, pieces: int, finish_reason: str = "stop", usage: bool = False) -> list[bytes]:
    """The events of a streamed answer: the role, the text in `pieces` parts, the finish, [DONE]."""
    size = max(1, -(-len(text) // pieces))
    events = [chunk(model, {"role": "assistant", "content": ""})]
    events += [chunk(model, {"content": text[i:i + size]}) for i in range(0, len(text), size)]
    events.append(chunk(model, {}, finish_reason))
    if usage:
        events.append(b"data: " + json.dumps({
            "id": "chatcmpl-fake", "object": "chat.completion.chunk", "model": model, "choices": [],
            "usage": {"prompt_tokens": 12, "completion_tokens": len(text), "total_tokens": 12 + len(text)},
        }).encode() + b"\n\n")
    events.append(b"data: [DONE]\n\n")
    return events


class Behaviour:
    def respond(self, handler: Handler, body: dict[str, Any]) -> None:
        raise NotImplementedError


@dataclass
class Reply(Behaviour):
    """A good answer: JSON, or SSE when the request asked to stream."""

    text: str
    model: str = "fake-model"
    finish_reason: str = "stop"
    usage: bool = True
    pieces: int = 4

    def respond(self, handler: Handler, body: dict[str, Any]) -> None:
        if not body.get("stream"):
            handler.send_json(200, completion(self.text, self.model, self.finish_reason, self.usage))
            return
        handler.start_stream()
        events = sse_events(self.text, self.model, self.pieces, self.finish_reason, self.usage)
        handler.write_in_pieces(b"".join(events))


@dataclass
class RateLimited(Behaviour):
    retry_after: str | None = "30"

    def respond(self, handler: Handler, body: dict[str, Any]) -> None:
        headers = {"Retry-After": self.retry_after} if self.retry_after is not None else {}
        handler.send_json(429, {"error": {"message": "Rate limit reached for requests", "type": "requests"}}, headers)


@dataclass
class ServerError(Behaviour):
    status: int = 500
    message: str = "The server had an error while processing your request."

    def respond(self, handler: Handler, body: dict[str, Any]) -> None:
        handler.send_json(self.status, {"error": {"message": self.message, "type": "server_error"}})


@dataclass
class Rejected(Behaviour):
    status: int = 404
    message: str = "model 'nonexistent' not found"

    def respond(self, handler: Handler, body: dict[str, Any]) -> None:
        handler.send_json(self.status, {"error": {"message": self.message, "type": "invalid_request_error"}})


@dataclass
class Malformed(Behaviour):
    """A 200 that is not a chat completion: broken JSON (or, when streaming, a broken event)."""

    payload: bytes = b'{"choices": [{"message": {"content": "trunc'

    def respond(self, handler: Handler, body: dict[str, Any]) -> None:
        if body.get("stream"):
            handler.start_stream()
            handler.write_in_pieces(b"data: " + self.payload + b"\n\n")
            return
        handler.send_raw(200, self.payload, "application/json")


@dataclass
class Slow(Behaviour):
    """Says nothing for `seconds` (or until released), then replies: beyond a short read timeout."""

    seconds: float = 30.0
    then: Behaviour = field(default_factory=lambda: Reply("遅い答え"))
    released: threading.Event = field(default_factory=threading.Event)

    def respond(self, handler: Handler, body: dict[str, Any]) -> None:
        handler.server.fake.waiting.append(self.released)
        self.released.wait(self.seconds)
        self.then.respond(handler, body)


@dataclass
class Drip(Behaviour):
    """Starts a stream and then sends only keep-alive comments, one every `every` seconds, for `seconds`."""

    seconds: float = 10.0
    every: float = 0.05
    released: threading.Event = field(default_factory=threading.Event)

    def respond(self, handler: Handler, body: dict[str, Any]) -> None:
        handler.server.fake.waiting.append(self.released)
        handler.start_stream()
        handler.write_in_pieces(sse_events("", "fake-model", 1)[0])
        deadline = time.monotonic() + self.seconds
        while time.monotonic() < deadline and not self.released.wait(self.every):
            handler.write_in_pieces(b": keep-alive\n\n")


@dataclass
class CutMidStream(Behaviour):
    """Streams the first `after` parts of the answer and half an event, then the connection drops."""

    text: str
    after: int = 2
    pieces: int = 4
    model: str = "fake-model"

    def respond(self, handler: Handler, body: dict[str, Any]) -> None:
        events = sse_events(self.text, self.model, self.pieces)
        handler.start_stream()
        handler.write_in_pieces(b"".join(events[:1 + self.after]) + events[1 + self.after][:15])
        handler.cut()


@dataclass
class Hold(Behaviour):
    """Streams the first `after` parts, signals `holding`, waits for `go`, then finishes (or drops with `cut`)."""

    text: str
    after: int = 2
    pieces: int = 4
    model: str = "fake-model"
    cut: bool = False
    holding: threading.Event = field(default_factory=threading.Event)
    go: threading.Event = field(default_factory=threading.Event)

    def respond(self, handler: Handler, body: dict[str, Any]) -> None:
        events = sse_events(self.text, self.model, self.pieces)
        handler.start_stream()
        handler.write_in_pieces(b"".join(events[:1 + self.after]))
        self.holding.set()
        handler.server.fake.waiting.append(self.go)
        self.go.wait(60)
        if self.cut:
            handler.cut()
            return
        handler.write_in_pieces(b"".join(events[1 + self.after:]))


class FakeLLM:
    """The server: `start()`, `script(...)`, then point LMS_LLM_BASE_URL at `base_url`."""

    def __init__(self) -> None:
        self._script: deque[Behaviour] = deque()
        self._lock = threading.Lock()
        self.received: list[Received] = []
        self.unexpected: list[str] = []
        self.waiting: list[threading.Event] = []
        self.answered = threading.Semaphore(0)  # released once per request handled
        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.fake = self
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), name="fake-llm", daemon=True)

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def start(self) -> FakeLLM:
        self._thread.start()
        return self

    def stop(self) -> None:
        for event in self.waiting:
            event.set()
        self._server.shutdown()
        self._server.server_close()

    def script(self, *behaviours: Behaviour) -> FakeLLM:
        with self._lock:
            self._script.extend(behaviours)
        return self

    def next_behaviour(self, path: str) -> Behaviour:
        with self._lock:
            if path != "/v1/chat/completions":
                self.unexpected.append(f"POST {path}")
                return Rejected(404, f"no route {path}")
            if not self._script:
                self.unexpected.append("a request beyond the script")
                return ServerError(500, "the fake server has no scripted answer left")
            return self._script.popleft()
