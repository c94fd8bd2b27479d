import re
from typing import Any

import pytest
import sqlalchemy as sa

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.extensions import db
from lms.orgs.models import Department
from tests.conftest import count, drain_outbox, smtp_config


@pytest.fixture
def app_config(smtp_inbox: Any) -> dict[str, Any]:
    return smtp_config(smtp_inbox)


@pytest.fixture
def org_admin(create_org: Any, create_user: Any) -> User:
    org = create_org(name="株式会社みなと精工")
    db.session.add(Department(org_id=org.id, name="製造部"))
    db.session.commit()
    return create_user(org, roles=(Role.ORG_ADMIN, Role.EMPLOYEE), email="boss@example.jp")


def _invite(client: Any, org_admin: User, email: str = "new@example.jp") -> Any:
    dept_id = db.session.scalar(sa.select(Department.id))
    return client.submit(
        f"/o/{org_admin.org_id}/members/invite",
        {"display_name": "新人 一郎", "email": email, "department_id": dept_id, "roles": ["employee"]},
    )


def test_an_invited_person_sets_a_password_and_is_signed_in(client: Any, org_admin: User, smtp_inbox: Any) -> None:
    client.login("boss@example.jp")
    assert _invite(client, org_admin).status_code == 302
    drain_outbox()
    (message,) = smtp_inbox.to("new@example.jp")
    assert "株式会社みなと精工" in message["Subject"]
    link = re.search(r"http://lms\.test(/invite/\S+)", message.get_content()).group(1)  # type: ignore[union-attr]
    client.logout()
    page = client.get(link)
    assert "新人 一郎" in page.get_data(as_text=True)
    response = client.submit(link, {"password": "my first password", "confirm": "my first password"})
    assert response.headers["Location"] == "/"
    assert client.get("/").headers["Location"] == f"/o/{org_admin.org_id}/"
    user = db.session.scalar(sa.select(User).where(User.email == "new@example.jp"))
    assert user.department.name == "製造部" and user.roles == {Role.EMPLOYEE}


def test_inviting_a_registered_address_is_refused(client: Any, org_admin: User, smtp_inbox: Any) -> None:
    client.login("boss@example.jp")
    response = _invite(client, org_admin, email="boss@example.jp")
    assert "このメールアドレスはすでに登録されています。" in response.get_data(as_text=True)
    drain_outbox()
    assert smtp_inbox.messages == []


def test_an_employee_cannot_invite(client: Any, org_admin: User, create_user: Any, smtp_inbox: Any) -> None:
    create_user(org_admin.org, email="staff@example.jp")
    client.login("staff@example.jp")
    assert client.get(f"/o/{org_admin.org_id}/members/invite").status_code == 403
    assert count(User) == 2


def test_the_invitation_request_only_queues_its_mail_and_the_worker_sends_it(
    client: Any, org_admin: User, smtp_inbox: Any
) -> None:
    client.login("boss@example.jp")
    _invite(client, org_admin)
    from lms.mail.models import EmailMessage

    message = db.session.scalar(sa.select(EmailMessage))
    assert message.status == EmailMessage.QUEUED and smtp_inbox.messages == []
    assert drain_outbox() == 1
    assert message.status == EmailMessage.SENT and message.sent_at is not None
    assert [m["To"] for m in smtp_inbox.messages] == ["new@example.jp"]
