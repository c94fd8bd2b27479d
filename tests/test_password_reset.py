import re
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from lms.accounts.models import User, UserToken
from lms.core.clock import utcnow
from lms.extensions import db
from lms.mail.models import EmailMessage
from tests.conftest import count, drain_outbox, smtp_config


@pytest.fixture
def app_config(smtp_inbox: Any) -> dict[str, Any]:
    return smtp_config(smtp_inbox)


@pytest.fixture
def user(create_org: Any, create_user: Any) -> User:
    return create_user(create_org(), email="jiro@example.jp")


def _reset_link(inbox: Any) -> str:
    drain_outbox()
    (message,) = inbox.to("jiro@example.jp")
    match = re.search(r"http://lms\.test(/password/reset/\S+)", message.get_content())
    assert match, message.get_content()
    return match.group(1)


def test_reset_link_arrives_by_smtp_in_japanese(client: Any, user: User, smtp_inbox: Any) -> None:
    response = client.submit("/password/forgot", {"email": "jiro@example.jp"})
    assert response.status_code == 302
    drain_outbox()
    (message,) = smtp_inbox.to("jiro@example.jp")
    assert message["Subject"] == "【AI研修】パスワード再設定のご案内"
    assert "2時間後に無効" in message.get_content()


def test_the_link_sets_a_new_password_once(client: Any, user: User, smtp_inbox: Any) -> None:
    client.submit("/password/forgot", {"email": "jiro@example.jp"})
    link = _reset_link(smtp_inbox)
    response = client.submit(link, {"password": "brand new password", "confirm": "brand new password"})
    assert response.status_code == 302
    assert client.login("jiro@example.jp", "brand new password").status_code == 302
    client.logout()
    again = client.get(link)
    assert again.status_code == 410
    assert "このリンクは無効です" in again.get_data(as_text=True)


def test_an_expired_link_is_refused(client: Any, user: User, smtp_inbox: Any) -> None:
    client.submit("/password/forgot", {"email": "jiro@example.jp"})
    link = _reset_link(smtp_inbox)
    db.session.execute(sa.update(UserToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert client.get(link).status_code == 410


def test_unknown_address_gets_the_same_answer_and_no_mail(client: Any, user: User, smtp_inbox: Any) -> None:
    response = client.submit("/password/forgot", {"email": "nobody@example.jp"}, follow_redirects=True)
    assert "登録されている場合" in response.get_data(as_text=True)
    drain_outbox()
    assert smtp_inbox.messages == []
    assert count(EmailMessage) == 0


def test_mismatched_passwords_change_nothing(client: Any, user: User, smtp_inbox: Any) -> None:
    client.submit("/password/forgot", {"email": "jiro@example.jp"})
    link = _reset_link(smtp_inbox)
    response = client.submit(link, {"password": "brand new password", "confirm": "another password"})
    assert "2つのパスワードが一致しません。" in response.get_data(as_text=True)
    assert client.login("jiro@example.jp").status_code == 302


def test_short_passwords_are_refused_with_the_rule(client: Any, user: User, smtp_inbox: Any) -> None:
    client.submit("/password/forgot", {"email": "jiro@example.jp"})
    link = _reset_link(smtp_inbox)
    response = client.submit(link, {"password": "short", "confirm": "short"})
    assert "10文字以上にしてください。" in response.get_data(as_text=True)


def test_a_token_is_stored_only_as_a_hash(client: Any, user: User, smtp_inbox: Any) -> None:
    client.submit("/password/forgot", {"email": "jiro@example.jp"})
    raw = _reset_link(smtp_inbox).rsplit("/", 1)[1]
    stored = db.session.scalar(sa.select(UserToken.token_hash))
    assert stored != raw and len(stored) == 64
