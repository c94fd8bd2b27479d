from typing import Any

import pytest
import sqlalchemy as sa

from lms.accounts.service import request_password_reset
from lms.extensions import db
from lms.mail.models import EmailMessage
from lms.transaction import commit
from tests.mailserver import free_port


def test_without_smtp_mail_is_kept_in_the_outbox_for_admins(client: Any, create_org: Any, create_user: Any) -> None:
    create_user(create_org(), email="o@example.jp")
    create_user(None, roles=("admin",), email="root@provider.example")
    client.submit("/password/forgot", {"email": "o@example.jp"})
    message = db.session.scalar(sa.select(EmailMessage))
    assert message.status == EmailMessage.OUTBOX
    client.login("root@provider.example")
    listing = client.get("/admin/mail").get_data(as_text=True)
    assert "パスワード再設定のご案内" in listing
    body = client.get(f"/admin/mail/{message.id}").get_data(as_text=True)
    assert "http://lms.test/password/reset/" in body


@pytest.mark.allow_smtp
def test_an_unreachable_smtp_server_keeps_mail_queued_and_the_action_done(make_app: Any, create_org: Any, create_user: Any) -> None:
    app = make_app(LMS_SMTP_HOST="127.0.0.1", LMS_SMTP_PORT=free_port(), LMS_SMTP_TIMEOUT=2)
    with app.app_context():
        create_user(create_org(), email="q@example.jp")
        request_password_reset("q@example.jp")
        commit()
        message = db.session.scalar(sa.select(EmailMessage))
        assert message.status == EmailMessage.QUEUED
        assert message.attempts == 1 and message.last_error


def test_mail_is_rendered_in_the_recipients_language(app: Any, create_org: Any, create_user: Any) -> None:
    create_user(create_org(), email="en@example.jp", locale="en")
    request_password_reset("en@example.jp")
    commit()
    message = db.session.scalar(sa.select(EmailMessage))
    assert message.subject == "Resetting your password"
