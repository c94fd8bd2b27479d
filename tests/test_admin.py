from typing import Any

import pytest
import sqlalchemy as sa

from lms.accounts.models import TrainerAssignment, User
from lms.accounts.roles import Role
from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.orgs.models import Organization
from tests.conftest import count


@pytest.fixture
def admin(create_user: Any) -> User:
    return create_user(None, roles=(Role.ADMIN,), email="root@provider.example")


def test_an_admin_adds_a_client_company(client: Any, admin: User) -> None:
    client.login(admin.email)
    response = client.submit(
        "/admin/orgs/new", {"name": "株式会社テスト", "industry": "construction", "employee_band": "10-29", "prefecture": 20}
    )
    org = db.session.scalar(sa.select(Organization))
    assert response.headers["Location"] == f"/admin/orgs/{org.id}"
    assert (org.name, org.industry, org.prefecture) == ("株式会社テスト", "construction", 20)
    assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.org_id == org.id)) == "org.created"


def test_an_unknown_industry_is_refused(client: Any, admin: User) -> None:
    client.login(admin.email)
    response = client.submit(
        "/admin/orgs/new", {"name": "X", "industry": "mining", "employee_band": "10-29", "prefecture": 20}
    )
    assert response.status_code == 200 and count(Organization) == 0


def test_assigning_a_trainer_opens_the_company_to_them(client: Any, admin: User, create_org: Any, create_user: Any) -> None:
    org = create_org()
    trainer = create_user(None, roles=(Role.TRAINER,), email="t@provider.example")
    client.login(admin.email)
    client.submit(f"/admin/orgs/{org.id}/trainers", {"trainer_id": trainer.id}, page=f"/admin/orgs/{org.id}")
    assert count(TrainerAssignment) == 1
    trainer_client = client.application.test_client()
    trainer_client.login("t@provider.example")
    assert trainer_client.get(f"/o/{org.id}/members/").status_code == 200
    client.submit(f"/admin/orgs/{org.id}/trainers/{trainer.id}/remove", {}, page=f"/admin/orgs/{org.id}")
    assert trainer_client.get(f"/o/{org.id}/members/").status_code == 404


def test_an_admin_invites_a_trainer(client: Any, admin: User) -> None:
    client.login(admin.email)
    client.submit("/admin/staff", {"display_name": "講師 太郎", "email": "new.trainer@provider.example", "role": "trainer"})
    trainer = db.session.scalar(sa.select(User).where(User.email == "new.trainer@provider.example"))
    assert trainer.roles == {Role.TRAINER} and trainer.org_id is None and not trainer.has_password


def test_the_audit_log_shows_sign_ins_with_the_address(client: Any, admin: User) -> None:
    client.login(admin.email)
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "login.success" in page and "127.0.0.1" in page


def test_an_org_admin_cannot_demote_themselves(client: Any, create_org: Any, create_user: Any) -> None:
    boss = create_user(create_org(), roles=(Role.ORG_ADMIN,), email="boss@example.jp")
    client.login("boss@example.jp")
    response = client.submit(
        f"/o/{boss.org_id}/members/{boss.id}", {"display_name": "x", "department_id": 0, "roles": ["employee"], "is_active": "y"}
    )
    assert "自分自身の管理者権限を外したり" in response.get_data(as_text=True)
    assert db.session.get(User, boss.id).roles == {Role.ORG_ADMIN}


def test_an_org_admin_changes_a_members_roles(client: Any, create_org: Any, create_user: Any) -> None:
    org = create_org()
    create_user(org, roles=(Role.ORG_ADMIN,), email="boss@example.jp")
    member = create_user(org, email="m@example.jp")
    client.login("boss@example.jp")
    client.submit(
        f"/o/{org.id}/members/{member.id}",
        {"display_name": "新しい名前", "department_id": 0, "roles": ["employee", "executive"], "is_active": "y"},
    )
    member = db.session.get(User, member.id)
    assert member.display_name == "新しい名前" and member.roles == {Role.EMPLOYEE, Role.EXECUTIVE}
