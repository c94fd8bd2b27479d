"""Refuse outbound network traffic from tests: mail and HTTP must never leave the machine by accident.

`OutboundGuard.install` patches `socket.socket.connect`/`connect_ex`, `socket.getaddrinfo` and
`smtplib.SMTP.connect` (which `SMTP_SSL` uses too). Loopback sockets stay allowed (the test
database, live servers, Chromium's debugging pipe is no socket at all); an SMTP connection is
allowed only to an address the test registered (`smtp_inbox` does) or when the test opted in; an
HTTP request through httpx (the AI-model client) only to a server the test registered (`fake_llm`
does), loopback included, so a test never talks to a model server it did not start.
Every refusal raises `OutboundRefused` where the connection was attempted *and* is kept, so
`check()` can fail the test even when the code under test caught the error (mail is retried).
"""
from __future__ import annotations

import ipaddress
import smtplib
import socket
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest


class OutboundRefused(ConnectionRefusedError):
    """A test tried to reach the outside world."""


LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def is_loopback(host: Any) -> bool:
    if host is None:
        return True
    text = host.decode() if isinstance(host, bytes) else str(host)
    if text.lower() in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(text.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


@dataclass
class OutboundGuard:
    refused: list[str] = field(default_factory=list)
    smtp_servers: set[tuple[str, int]] = field(default_factory=set)
    any_smtp: bool = False
    http_servers: set[tuple[str, int]] = field(default_factory=set)

    def refuse(self, what: str) -> OutboundRefused:
        self.refused.append(what)
        return OutboundRefused(f"outbound traffic from a test: {what}")

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        guard = self
        real_connect = socket.socket.connect
        real_connect_ex = socket.socket.connect_ex
        real_getaddrinfo = socket.getaddrinfo
        real_smtp_connect = smtplib.SMTP.connect
        real_http_request = httpx.HTTPTransport.handle_request

        def allowed(sock: socket.socket, address: Any) -> bool:
            if sock.family not in (socket.AF_INET, socket.AF_INET6):
                return True  # Unix sockets and the like never leave the machine
            return is_loopback(address[0])

        def connect(sock: socket.socket, address: Any) -> None:
            if not allowed(sock, address):
                raise guard.refuse(f"socket connection to {address!r}")
            return real_connect(sock, address)

        def connect_ex(sock: socket.socket, address: Any) -> int:
            if not allowed(sock, address):
                raise guard.refuse(f"socket connection to {address!r}")
            return real_connect_ex(sock, address)

        def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
            if not is_loopback(host):
                try:
                    ipaddress.ip_address(host.decode() if isinstance(host, bytes) else str(host))
                except ValueError:
                    raise guard.refuse(f"name lookup of {host!r}") from None
            return real_getaddrinfo(host, *args, **kwargs)

        def smtp_connect(smtp: smtplib.SMTP, host: str = "localhost", port: int = 0, source_address: Any = None) -> Any:
            if not guard.any_smtp and (host, int(port or smtp.default_port)) not in guard.smtp_servers:
                raise guard.refuse(f"SMTP connection to {host}:{port}")
            return real_smtp_connect(smtp, host, port, source_address)

        def http_request(transport: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
            if (request.url.host, request.url.port) not in guard.http_servers:
                raise guard.refuse(f"HTTP request to {request.url}")
            return real_http_request(transport, request)

        monkeypatch.setattr(socket.socket, "connect", connect)
        monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
        monkeypatch.setattr(smtplib.SMTP, "connect", smtp_connect)
        monkeypatch.setattr(httpx.HTTPTransport, "handle_request", http_request)

    def check(self) -> None:
        if self.refused:
            pytest.fail("unexpected outbound traffic: " + "; ".join(self.refused), pytrace=False)
