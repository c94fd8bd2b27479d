"""The suite's own plumbing: rollback isolation, real commits where marked, and no outbound traffic."""
from __future__ import annotations

import smtplib
import socket
from typing import Any, Callable

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.orgs.models import Organization
from tests.conftest import drain_outbox, count
from tests.guards import OutboundGuard, OutboundRefused
from tests.mailserver import free_port

# --- rollback isolation (the default) ---


def test_a_test_runs_inside_one_outer_transaction(app: Flask, create_org: Callable[..., Organization]) -> None:
    create_org("ロールバック株式会社")
    connection = db.session.get_bind()
    assert isinstance(connection, sa.Connection)
    assert connection.in_transaction() and not connection.in_nested_transaction()  # the commit released a savepoint


def test_a_statement_counter_on_the_engine_sees_the_tests_statements(app: Flask) -> None:
    """Tests count queries by listening on db.engine; on PostgreSQL that once saw nothing at all."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        count(Organization)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert [s for s in seen if "FROM organizations" in s]


def test_what_the_previous_test_committed_is_gone(app: Flask) -> None:
    assert count(Organization) == 0


def test_a_request_sees_what_the_test_committed_and_the_test_sees_what_the_request_committed(
    client: Any, create_org: Callable[..., Organization], create_user: Callable[..., Any],
) -> None:
    from lms.accounts.models import UserSession as SignIn

    create_user(create_org(), email="rollback@example.jp")
    assert client.login("rollback@example.jp").status_code == 302
    assert count(SignIn) == 1


def test_a_second_connection_is_refused_while_the_transaction_is_rolled_back(app: Flask) -> None:
    with pytest.raises(RuntimeError, match="real_commits"):
        db.engine.connect()


def test_another_thread_is_refused_the_tests_connection(app: Flask) -> None:
    import threading

    errors: list[BaseException] = []

    def query() -> None:
        with app.app_context():
            try:
                count(Organization)
            except RuntimeError as error:
                errors.append(error)

    thread = threading.Thread(target=query)
    thread.start()
    thread.join()
    assert len(errors) == 1 and "real_commits" in str(errors[0])


def test_a_change_to_the_shared_apps_config_is_undone(app: Flask) -> None:
    assert "SUITE_PROBE" not in app.config
    app.config["SUITE_PROBE"] = True


def test_the_change_of_the_previous_test_is_gone(app: Flask) -> None:
    assert "SUITE_PROBE" not in app.config


# --- real commits (marked) ---


@pytest.mark.real_commits
def test_a_marked_test_commits_for_real(app: Flask, create_org: Callable[..., Organization]) -> None:
    create_org("コミット株式会社")
    with db.engine.connect() as other:
        assert other.scalar(sa.select(sa.func.count()).select_from(Organization)) == 1


def test_after_a_marked_test_every_table_is_empty(app: Flask) -> None:
    assert count(Organization) == 0


# --- no outbound traffic ---


def test_a_connection_beyond_loopback_is_refused_and_fails_the_test(outbound: OutboundGuard) -> None:
    with pytest.raises(OutboundRefused):
        socket.create_connection(("192.0.2.1", 80), timeout=1)  # TEST-NET-1: never routed
    assert outbound.refused
    with pytest.raises(pytest.fail.Exception, match="192.0.2.1"):
        outbound.check()
    outbound.refused.clear()


def test_a_name_lookup_is_refused(outbound: OutboundGuard) -> None:
    with pytest.raises(OutboundRefused):
        socket.getaddrinfo("smtp.example.com", 25)
    assert outbound.refused == ["name lookup of 'smtp.example.com'"]
    outbound.refused.clear()


def test_smtp_is_refused_even_on_loopback_unless_to_the_tests_inbox(outbound: OutboundGuard) -> None:
    with pytest.raises(OutboundRefused):
        smtplib.SMTP("127.0.0.1", free_port(), timeout=1)
    with pytest.raises(OutboundRefused):
        smtplib.SMTP_SSL("127.0.0.1", free_port(), timeout=1)
    assert len(outbound.refused) == 2
    outbound.refused.clear()


def test_mail_the_app_fails_to_send_still_fails_the_test(
    make_app: Callable[..., Flask], create_org: Any, create_user: Any, outbound: OutboundGuard,
) -> None:
    from lms.accounts.service import request_password_reset
    from lms.transaction import commit

    app = make_app(LMS_SMTP_HOST="127.0.0.1", LMS_SMTP_PORT=free_port())
    with app.app_context():
        create_user(create_org(), email="guard@example.jp")
        request_password_reset("guard@example.jp")
        commit()
        drain_outbox()  # the outbox worker catches the refusal and keeps the message queued ...
    assert outbound.refused  # ... but the guard saw it
    outbound.refused.clear()


def test_the_tests_own_inbox_and_loopback_are_allowed(smtp_inbox: Any, outbound: OutboundGuard) -> None:
    with smtplib.SMTP(smtp_inbox.host, smtp_inbox.port, timeout=10) as smtp:
        smtp.sendmail("a@example.jp", ["b@example.jp"], b"Subject: hi\r\n\r\nhello\r\n")
    assert len(smtp_inbox.messages) == 1
    assert outbound.refused == []
