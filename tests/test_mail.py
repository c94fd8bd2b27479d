"""The outbox: requests only write rows; the worker (lms.outbox) delivers them, retries, and shows admins why."""
from datetime import timedelta
from typing import Any, Iterator

import pytest
import sqlalchemy as sa

from lms import outbox
from lms.accounts.service import request_password_reset
from lms.core.clock import utcnow
from lms.extensions import db
from lms.mail.models import EmailMessage
from lms.transaction import commit
from tests.conftest import drain_outbox
from tests.mailserver import Inbox, free_port


class Refusing(Inbox):
    """An SMTP server that refuses every recipient with `code`."""

    code = "550 5.1.1 No such user here"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        return self.code


@pytest.fixture
def refusing() -> Iterator[Refusing]:
    from aiosmtpd.controller import Controller

    server = Refusing("127.0.0.1", free_port())
    controller = Controller(server, hostname=server.host, port=server.port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


class Later:
    """Moves the worker's clock: `later(minutes=5)`."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.offset = timedelta(0)
        monkeypatch.setattr(outbox, "utcnow", lambda: utcnow() + self.offset)

    def __call__(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


def _reset(email: str) -> EmailMessage:
    request_password_reset(email)
    commit()
    return db.session.scalar(sa.select(EmailMessage).where(EmailMessage.to_address == email))


def test_without_smtp_mail_is_kept_in_the_outbox_for_admins(client: Any, create_org: Any, create_user: Any) -> None:
    create_user(create_org(), email="o@example.jp")
    create_user(None, roles=("admin",), email="root@provider.example")
    client.submit("/password/forgot", {"email": "o@example.jp"})
    message = db.session.scalar(sa.select(EmailMessage))
    assert message.status == EmailMessage.QUEUED  # the request only wrote the row
    drain_outbox()
    assert message.status == EmailMessage.OUTBOX
    client.login("root@provider.example")
    listing = client.get("/admin/mail").get_data(as_text=True)
    assert "パスワード再設定のご案内" in listing
    body = client.get(f"/admin/mail/{message.id}").get_data(as_text=True)
    assert "http://lms.test/password/reset/" in body


def test_the_request_sends_nothing_and_the_worker_sends_each_message_once(make_app: Any, smtp_inbox: Any,
                                                                          create_org: Any, create_user: Any) -> None:
    app = make_app(LMS_SMTP_HOST=smtp_inbox.host, LMS_SMTP_PORT=smtp_inbox.port)
    with app.app_context():
        create_user(create_org(), email="s@example.jp")
        message = _reset("s@example.jp")
        assert smtp_inbox.messages == [] and message.status == EmailMessage.QUEUED
        assert drain_outbox() == 1 and drain_outbox() == 0
        (mail,) = smtp_inbox.messages
        assert mail["Message-ID"] == f"<outbox-{message.id}@lms.local>"
        assert message.status == EmailMessage.SENT and message.attempts == 1 and message.claim_token is None


@pytest.mark.allow_smtp
def test_an_unreachable_smtp_server_keeps_mail_waiting_with_backoff_and_tells_the_admin(
    make_app: Any, create_org: Any, create_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(LMS_SMTP_HOST="127.0.0.1", LMS_SMTP_PORT=free_port(), LMS_SMTP_TIMEOUT=2,
                   LMS_OUTBOX_MAX_ATTEMPTS=3)
    later = Later(monkeypatch)
    with app.app_context():
        create_user(create_org(), email="q@example.jp")
        create_user(None, roles=("admin",), email="root@provider.example")
        message = _reset("q@example.jp")  # the action committed although no server answers
        drain_outbox()
        assert message.status == EmailMessage.QUEUED and message.attempts == 1 and message.retrying
        assert "ConnectionRefusedError" in message.last_error
        first_wait = message.next_attempt_at - utcnow()
        assert timedelta(seconds=50) < first_wait <= timedelta(seconds=60)
        assert drain_outbox() == 0  # not due yet

        client = app.test_client()
        client.login("root@provider.example")
        page = client.get(f"/admin/mail/{message.id}").get_data(as_text=True)
        assert "再送予定" in page and "ConnectionRefusedError" in page
        assert "再送予定" in client.get("/admin/mail").get_data(as_text=True)

        later(seconds=61)
        drain_outbox()
        assert message.attempts == 2 and message.next_attempt_at - outbox.utcnow() > timedelta(seconds=110)  # doubled
        later(minutes=3)
        drain_outbox()
        assert message.status == EmailMessage.FAILED and message.attempts == 3 and message.next_attempt_at is None
        page = client.get(f"/admin/mail/{message.id}").get_data(as_text=True)
        assert "送信できませんでした" in page and "ConnectionRefusedError" in page
        listing = client.get("/admin/mail").get_data(as_text=True)
        assert "送信できませんでした" in listing and "ConnectionRefusedError" in listing


@pytest.mark.allow_smtp
def test_a_refusing_server_fails_the_message_at_once_with_its_reason(
    make_app: Any, refusing: Refusing, create_org: Any, create_user: Any
) -> None:
    app = make_app(LMS_SMTP_HOST=refusing.host, LMS_SMTP_PORT=refusing.port)
    with app.app_context():
        create_user(create_org(), email="gone@example.jp")
        message = _reset("gone@example.jp")
        drain_outbox()
        assert message.status == EmailMessage.FAILED and message.attempts == 1
        assert "550" in message.last_error and "No such user" in message.last_error


@pytest.mark.allow_smtp
def test_a_temporary_refusal_is_retried(make_app: Any, refusing: Refusing, create_org: Any, create_user: Any,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Refusing, "code", "451 4.3.0 Try again later")
    app = make_app(LMS_SMTP_HOST=refusing.host, LMS_SMTP_PORT=refusing.port)
    with app.app_context():
        create_user(create_org(), email="busy@example.jp")
        message = _reset("busy@example.jp")
        drain_outbox()
        assert message.retrying and "451" in message.last_error


def test_a_message_held_by_a_dead_worker_is_sent_after_the_lease_and_a_live_claim_is_left_alone(
    make_app: Any, smtp_inbox: Any, create_org: Any, create_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(LMS_SMTP_HOST=smtp_inbox.host, LMS_SMTP_PORT=smtp_inbox.port, LMS_OUTBOX_LEASE_SECONDS=300)
    later = Later(monkeypatch)
    with app.app_context():
        create_user(create_org(), email="d@example.jp")
        message = _reset("d@example.jp")
        dead = outbox.claim(10)  # a worker claims the row and is killed before sending
        assert [r.id for r in dead.rows] == [message.id]
        assert outbox.claim(10).rows == []  # another worker cannot take it meanwhile
        later(minutes=4)
        assert drain_outbox() == 0
        later(minutes=2)
        assert drain_outbox() == 1
        assert [m["To"] for m in smtp_inbox.messages] == ["d@example.jp"]
        assert message.status == EmailMessage.SENT and message.attempts == 2
        dead.done(message)  # the dead worker's late report changes nothing: its claim is gone
        db.session.refresh(message)
        assert message.status == EmailMessage.SENT and message.attempts == 2


def test_two_workers_claim_disjoint_rows(app: Any, create_org: Any, create_user: Any) -> None:
    for n in range(5):
        create_user(create_org(), email=f"w{n}@example.jp")
        request_password_reset(f"w{n}@example.jp")
    commit()
    first, second = outbox.claim(3), outbox.claim(3)
    assert len(first.rows) == 3 and len(second.rows) == 2
    assert not {r.id for r in first.rows} & {r.id for r in second.rows}


def test_the_worker_loop_delivers_and_stops_when_asked(app: Any, create_org: Any, create_user: Any,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    create_user(create_org(), email="loop@example.jp")
    message_id = _reset("loop@example.jp").id
    stop = threading.Event()
    real = outbox.drain_once

    def once_then_stop(limit: int | None = None) -> int:
        handled = real(limit)
        if not handled:
            stop.set()
        return handled

    monkeypatch.setattr(outbox, "drain_once", once_then_stop)
    outbox.run(poll_seconds=0.01, stop=stop)
    assert db.session.get(EmailMessage, message_id).status == EmailMessage.OUTBOX


def test_mail_is_rendered_in_the_recipients_language(app: Any, create_org: Any, create_user: Any) -> None:
    create_user(create_org(), email="en@example.jp", locale="en")
    request_password_reset("en@example.jp")
    commit()
    message = db.session.scalar(sa.select(EmailMessage))
    assert message.subject == "Resetting your password"
