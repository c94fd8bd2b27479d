"""Sessions end on the server: after a password change or reset, "sign out everywhere else" and sign-out.

A session is a `user_sessions` row; the cookie only names it. The last tests run
two real app server processes on the same database.
"""
from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
from http.cookies import SimpleCookie
from pathlib import Path
from datetime import timedelta
from typing import Any, Callable, Iterator
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_login.utils import encode_cookie

from lms.accounts import service
from lms.members import service as members_service
from lms.accounts.models import User, UserSession
from lms.accounts.roles import Role
from lms.audit.models import AuditEvent
from lms.extensions import db
from tests.conftest import PASSWORD, count

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def hanako(create_org: Callable[..., Any], create_user: Callable[..., User]) -> User:
    return create_user(create_org(), roles=(Role.EMPLOYEE,), email="hanako@example.jp")


def _signed_in(app: Flask, email: str = "hanako@example.jp") -> Any:
    client = app.test_client()
    assert client.login(email).status_code == 302
    assert client.get("/account").status_code == 200
    return client


def _is_signed_out(client: Any) -> bool:
    response = client.get("/account")
    return response.status_code == 302 and "/login" in response.headers["Location"]


def _copy(app: Flask, client: Any) -> Any:
    """A second browser holding a copy of `client`'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def _change_password(client: Any) -> Any:
    return client.submit(
        "/account/password", {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, page="/account"
    )


def test_a_password_change_ends_every_other_session_and_keeps_this_one(app: Flask, hanako: User) -> None:
    phone, desktop = _signed_in(app), _signed_in(app)
    response = _change_password(desktop)
    assert response.status_code == 302
    assert "他の端末ではログアウトしました" in desktop.get("/account").get_data(as_text=True)
    assert _is_signed_out(phone)
    assert not _is_signed_out(desktop)
    assert count(UserSession, UserSession.user_id == hanako.id) == 1


def test_a_wrong_current_password_ends_nothing(app: Flask, hanako: User) -> None:
    phone, desktop = _signed_in(app), _signed_in(app)
    response = desktop.submit(
        "/account/password", {"current": "not my password", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        page="/account",
    )
    assert response.status_code == 400
    assert not _is_signed_out(phone)


def test_a_password_reset_ends_every_session(app: Flask, hanako: User) -> None:
    phone = _signed_in(app)
    raw = service.issue_token(hanako, service.RESET, timedelta(hours=1))
    db.session.commit()
    stranger = app.test_client()
    response = stranger.submit(f"/password/reset/{raw}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert _is_signed_out(phone)
    assert count(UserSession, UserSession.user_id == hanako.id) == 0
    assert stranger.login("hanako@example.jp", NEW_PASSWORD).status_code == 302


def test_sign_out_everywhere_else_is_on_the_account_page_with_csrf(app: Flask, hanako: User) -> None:
    desktop = _signed_in(app)
    html = desktop.get("/account").get_data(as_text=True)
    form = re.search(r'<form method="post" action="/account/sessions/end".*?</form>', html, re.S)
    assert form, "no sign-out-everywhere form on the account page"
    assert 'name="csrf_token"' in form.group(0)
    assert "他のすべての端末からログアウト" in form.group(0)


def test_sign_out_everywhere_else_ends_the_others_and_keeps_this_one(app: Flask, hanako: User) -> None:
    phone, tablet, desktop = _signed_in(app), _signed_in(app), _signed_in(app)
    response = desktop.submit("/account/sessions/end", page="/account")
    assert response.status_code == 302
    assert "他のすべての端末からログアウトしました。" in desktop.get("/account").get_data(as_text=True)
    assert _is_signed_out(phone) and _is_signed_out(tablet)
    assert not _is_signed_out(desktop)
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "logout.others")).one()
    assert event.actor_id == hanako.id and event.details["sessions_ended"] == 2


def test_sign_out_everywhere_else_needs_the_csrf_token(app: Flask, hanako: User) -> None:
    phone, desktop = _signed_in(app), _signed_in(app)
    assert desktop.post("/account/sessions/end").status_code == 400
    assert not _is_signed_out(phone)


def test_a_cookie_copied_before_sign_out_is_refused_after_it(app: Flask, hanako: User) -> None:
    desktop = _signed_in(app)
    thief = _copy(app, desktop)
    assert not _is_signed_out(thief)  # the copy works while the session lives
    desktop.logout()
    assert _is_signed_out(thief)


def test_signing_out_one_browser_leaves_the_others_signed_in(app: Flask, hanako: User) -> None:
    phone, desktop = _signed_in(app), _signed_in(app)
    desktop.logout()
    assert _is_signed_out(desktop)
    assert not _is_signed_out(phone)


def test_a_copied_cookie_dies_with_a_password_change_elsewhere(app: Flask, hanako: User) -> None:
    phone, desktop = _signed_in(app), _signed_in(app)
    thief = _copy(app, phone)
    _change_password(desktop)
    assert _is_signed_out(thief)


def test_a_remember_me_cookie_dies_with_its_session(app: Flask, hanako: User) -> None:
    desktop = _signed_in(app)
    key = app.session_interface.get_signing_serializer(app).loads(desktop.get_cookie("session").value)["_user_id"]

    def remembered() -> Any:
        """A browser that has only a remember-me cookie for the desktop's session."""
        browser = app.test_client()
        browser.set_cookie(app.config.get("REMEMBER_COOKIE_NAME", "remember_token"), encode_cookie(key))
        return browser

    assert not _is_signed_out(remembered())
    desktop.logout()
    assert _is_signed_out(remembered())


def test_the_cookie_names_a_session_not_the_person(app: Flask, hanako: User) -> None:
    desktop = _signed_in(app)
    key = app.session_interface.get_signing_serializer(app).loads(desktop.get_cookie("session").value)["_user_id"]
    assert key != str(hanako.id) and len(key) >= 40
    # Only a hash of the key is stored.
    assert count(UserSession, UserSession.key_hash == key) == 0


def test_a_deactivated_persons_sessions_are_refused(app: Flask, hanako: User) -> None:
    desktop = _signed_in(app)
    hanako.is_active = False
    db.session.commit()
    assert _is_signed_out(desktop)


def test_deactivating_ends_the_sessions_so_reactivating_does_not_revive_them(app: Flask, hanako: User) -> None:
    desktop = _signed_in(app)
    members_service.update_member(hanako, name=hanako.display_name, department=None, roles=frozenset({Role.EMPLOYEE}),
                          is_active=False, actor=hanako)
    db.session.commit()
    hanako.is_active = True
    db.session.commit()
    assert _is_signed_out(desktop)


# --- two app server processes on one database ---------------------------------

SERVER = """
import json, sys
from werkzeug.serving import make_server
from lms import create_app

app = create_app(json.loads(sys.argv[1]))
server = make_server("127.0.0.1", 0, app, threaded=True)
print(server.server_port, flush=True)
server.serve_forever()
"""


class Browser:
    """A minimal browser over http.client: one cookie jar, no redirects followed, forms posted with their token."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode()
            for value in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(value).items():
                    if morsel.value:
                        self.cookies[name] = morsel.value
                    else:
                        self.cookies.pop(name, None)
            return response.status, dict(response.headers), text
        finally:
            conn.close()

    def submit(self, path: str, form: dict[str, str], *, page: str) -> int:
        _, _, html = self.request("GET", page)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
        assert token, f"no CSRF token on {page}"
        status, _, _ = self.request("POST", path, {**form, "csrf_token": token.group(1)})
        return status

    def signed_in(self) -> bool:
        status, headers, _ = self.request("GET", "/account")
        if status == 200:
            return True
        assert status == 302 and "/login" in headers["Location"], (status, headers)
        return False


@pytest.fixture
def two_servers(app: Flask, base_config: dict[str, Any]) -> Iterator[tuple[int, int]]:
    """Processes A and B: the same code and secret key on the test database, each its own memory."""
    config = json.dumps({k: v for k, v in base_config.items() if k != "TESTING"})
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    processes = [
        subprocess.Popen([sys.executable, "-c", SERVER, config], stdout=subprocess.PIPE, cwd=root, env=env, text=True)
        for _ in range(2)
    ]
    try:
        ports = [int(p.stdout.readline()) for p in processes]  # type: ignore[union-attr]
        yield ports[0], ports[1]
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
            process.stdout.close()  # type: ignore[union-attr]


@pytest.mark.real_commits
def test_a_password_change_through_process_b_ends_the_session_held_in_process_a(
    two_servers: tuple[int, int], hanako: User
) -> None:
    port_a, port_b = two_servers
    phone = Browser(port_a)
    assert phone.submit("/login", {"email": "hanako@example.jp", "password": PASSWORD}, page="/login") == 302
    assert phone.signed_in()
    copied = Browser(port_b)
    copied.cookies = dict(phone.cookies)
    assert copied.signed_in(), "one secret key: process B accepts A's cookie while the session lives"

    desktop = Browser(port_b)
    assert desktop.submit("/login", {"email": "hanako@example.jp", "password": PASSWORD}, page="/login") == 302
    change = {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert desktop.submit("/account/password", change, page="/account") == 302

    assert not phone.signed_in(), "process A refuses the old session at once"
    assert not copied.signed_in()
    assert desktop.signed_in()


@pytest.mark.real_commits
def test_a_cookie_copied_before_sign_out_in_process_a_is_refused_by_process_b(
    two_servers: tuple[int, int], hanako: User
) -> None:
    port_a, port_b = two_servers
    desktop = Browser(port_a)
    assert desktop.submit("/login", {"email": "hanako@example.jp", "password": PASSWORD}, page="/login") == 302
    thief = Browser(port_b)
    thief.cookies = dict(desktop.cookies)
    assert thief.signed_in()
    assert desktop.submit("/logout", {}, page="/account") == 302
    assert not desktop.signed_in()
    assert not thief.signed_in()
