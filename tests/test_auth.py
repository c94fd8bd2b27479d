from typing import Any, Callable

import pytest
import sqlalchemy as sa

from lms.accounts.models import LoginCounter, User
from lms.accounts.roles import Role
from lms.audit.models import AuditEvent
from lms.extensions import db
from tests.conftest import PASSWORD, count


@pytest.fixture
def employee(create_org: Callable[..., Any], create_user: Callable[..., User]) -> User:
    return create_user(create_org(), roles=(Role.EMPLOYEE,), email="hanako@example.jp")


def test_sign_in_lands_on_the_employee_home(client: Any, employee: User) -> None:
    response = client.login("hanako@example.jp")
    assert response.status_code == 302
    home = client.get("/", follow_redirects=True)
    assert home.request.path == f"/o/{employee.org_id}/"
    assert "マイ学習" in home.get_data(as_text=True)


def test_email_is_matched_case_insensitively(client: Any, employee: User) -> None:
    assert client.login("  Hanako@Example.JP ").status_code == 302


def test_wrong_password_gets_a_clear_message(client: Any, employee: User) -> None:
    response = client.login("hanako@example.jp", "wrong password!")
    assert response.status_code == 401
    assert "メールアドレスまたはパスワードが正しくありません。" in response.get_data(as_text=True)


def test_unknown_email_gets_the_same_message_as_a_wrong_password(client: Any, employee: User) -> None:
    wrong_password = client.login("hanako@example.jp", "wrong password!").get_data(as_text=True)
    unknown = client.login("nobody@example.jp", "wrong password!").get_data(as_text=True)
    assert "正しくありません" in unknown
    assert wrong_password.count("正しくありません") == unknown.count("正しくありません")


def test_account_is_throttled_after_repeated_failures_even_with_the_right_password(client: Any, employee: User) -> None:
    for _ in range(5):
        assert client.login("hanako@example.jp", "wrong password!").status_code == 401
    response = client.login("hanako@example.jp")
    assert response.status_code == 429
    assert "15分ほど待ってから" in response.get_data(as_text=True)


def test_unknown_accounts_are_throttled_too_so_throttling_reveals_nothing(client: Any, employee: User) -> None:
    for _ in range(5):
        client.login("nobody@example.jp", "wrong password!")
    assert client.login("nobody@example.jp", "wrong password!").status_code == 429


def test_address_is_throttled_across_accounts(make_app: Callable[..., Any], create_org: Any, create_user: Any) -> None:
    app = make_app(LMS_LOGIN_MAX_PER_ADDRESS=3)
    client = app.test_client()
    with app.app_context():
        for i in range(3):
            client.login(f"someone{i}@example.jp", "wrong password!")
        assert client.login("another@example.jp", "wrong password!").status_code == 429


def test_success_clears_the_account_failures(client: Any, employee: User) -> None:
    for _ in range(3):
        client.login("hanako@example.jp", "wrong password!")
    client.login("hanako@example.jp")
    assert count(LoginCounter, LoginCounter.key.like("acct:%")) == 0


def test_deactivated_account_cannot_sign_in(client: Any, employee: User) -> None:
    employee.is_active = False
    db.session.commit()
    assert client.login("hanako@example.jp").status_code == 401


def test_deactivating_signs_the_person_out(client: Any, employee: User) -> None:
    client.login("hanako@example.jp")
    employee.is_active = False
    db.session.commit()
    assert client.get(f"/o/{employee.org_id}/").status_code == 302


def test_sign_in_and_failures_are_audited(client: Any, employee: User) -> None:
    client.login("hanako@example.jp", "wrong password!")
    client.login("hanako@example.jp")
    actions = list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions == ["login.failure", "login.success"]


def test_sign_out_needs_a_post(client: Any, employee: User) -> None:
    client.login("hanako@example.jp")
    assert client.get("/logout").status_code == 405
    assert client.logout().status_code == 302
    assert client.get(f"/o/{employee.org_id}/").status_code == 302


def test_a_forged_csrf_token_is_refused(client: Any, employee: User) -> None:
    response = client.post("/login", data={"email": "hanako@example.jp", "password": PASSWORD, "csrf_token": "forged"})
    assert response.status_code == 400
    assert "フォームの有効期限が切れたか" in response.get_data(as_text=True)


def test_next_parameter_cannot_redirect_to_another_site(client: Any, employee: User) -> None:
    token = client.csrf_token()
    response = client.post(
        "/login?next=//evil.example/x", data={"email": "hanako@example.jp", "password": PASSWORD, "csrf_token": token}
    )
    assert response.headers["Location"] == "/"


def test_next_parameter_keeps_a_local_path(client: Any, employee: User) -> None:
    token = client.csrf_token()
    response = client.post(
        "/login?next=/account", data={"email": "hanako@example.jp", "password": PASSWORD, "csrf_token": token}
    )
    assert response.headers["Location"] == "/account"


def test_passwords_are_stored_with_scrypt(employee: User) -> None:
    assert employee.password_hash.startswith("scrypt:")


def test_session_cookie_is_httponly_and_samesite(client: Any, employee: User) -> None:
    response = client.login("hanako@example.jp")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_cookie_is_secure_in_production(make_app: Callable[..., Any], create_org: Any, create_user: Any) -> None:
    app = make_app(SESSION_COOKIE_SECURE=True)
    with app.app_context():
        create_user(create_org(), email="sec@example.jp")
        response = app.test_client().login("sec@example.jp")
    assert "Secure" in response.headers["Set-Cookie"]


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        ((Role.ADMIN,), "/admin/"),
        ((Role.TRAINER,), "/trainer"),
        ((Role.EXECUTIVE,), "/o/{org}/executive"),
        ((Role.ORG_ADMIN, Role.EMPLOYEE), "/o/{org}/members/"),
        ((Role.EMPLOYEE,), "/o/{org}/"),
    ],
)
def test_each_role_lands_on_its_own_home(client: Any, create_org: Any, create_user: Any, roles: Any, expected: str) -> None:
    org = create_org()
    staff = Role.ADMIN in roles or Role.TRAINER in roles
    user = create_user(None if staff else org, roles=roles)
    client.login(user.email)
    assert client.get("/").headers["Location"] == expected.format(org=org.id)
    assert client.get(expected.format(org=org.id)).status_code == 200
