"""The sign-in throttle holds under real concurrency: the count is one atomic statement, never read-then-write."""
from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any, Callable

import pytest
import sqlalchemy as sa

from lms.accounts.models import LoginCounter, User
from lms.accounts.roles import Role
from lms.core.clock import utcnow
from lms.extensions import db
from tests.conftest import PASSWORD, count

pytestmark = pytest.mark.real_commits  # many clients in threads, each on its own connection

PARALLEL = 20


@pytest.fixture
def counted_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count every password check, and make each one slow enough that the requests overlap."""
    checks: list[str] = []
    lock = threading.Lock()
    original = User.check_password

    def check(self: User, password: str) -> bool:
        with lock:
            checks.append(self.email)
        time.sleep(0.2)  # widens the race window; nothing below asserts on time
        return original(self, password)

    monkeypatch.setattr(User, "check_password", check)
    return checks


def _race(app: Any, email: str, password: str) -> list[int]:
    """PARALLEL sign-ins released at once, each from its own client (own session, own connection)."""
    clients = [app.test_client() for _ in range(PARALLEL)]
    tokens = [c.csrf_token("/login") for c in clients]
    barrier = threading.Barrier(PARALLEL)
    statuses: list[int] = []
    lock = threading.Lock()

    def attempt(client: Any, token: str) -> None:
        barrier.wait()
        response = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=attempt, args=pair) for pair in zip(clients, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


@pytest.fixture
def race_app(make_app: Callable[..., Any]) -> Any:
    # Enough pooled connections for every parallel request.
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": PARALLEL + 5, "max_overflow": 10, "pool_timeout": 60})
    with app.app_context():
        yield app


def test_parallel_wrong_passwords_get_at_most_the_limit_of_password_checks(
    race_app: Any, create_org: Any, create_user: Any, counted_checks: list[str]
) -> None:
    create_user(create_org(), roles=(Role.EMPLOYEE,), email="hanako@example.jp")
    statuses = _race(race_app, "hanako@example.jp", "wrong password!")
    limit = race_app.config["LMS_LOGIN_MAX_PER_ACCOUNT"]
    assert len(counted_checks) == limit
    assert sorted(statuses) == [401] * limit + [429] * (PARALLEL - limit)
    # Attempts refused for the account are not held against the address (an office behind one NAT).
    assert count(LoginCounter, LoginCounter.key == "addr:127.0.0.1", LoginCounter.attempts == limit) == 1


def test_parallel_attempts_on_an_unknown_account_are_limited_too(race_app: Any, create_org: Any) -> None:
    statuses = _race(race_app, "nobody@example.jp", "wrong password!")
    limit = race_app.config["LMS_LOGIN_MAX_PER_ACCOUNT"]
    assert sorted(statuses) == [401] * limit + [429] * (PARALLEL - limit)


def test_the_right_password_after_the_race_is_throttled_too(
    race_app: Any, create_org: Any, create_user: Any, counted_checks: list[str]
) -> None:
    create_user(create_org(), roles=(Role.EMPLOYEE,), email="hanako@example.jp")
    _race(race_app, "hanako@example.jp", "wrong password!")
    assert race_app.test_client().login("hanako@example.jp", PASSWORD).status_code == 429


def test_successful_sign_ins_do_not_use_up_the_address(make_app: Callable[..., Any], create_org: Any, create_user: Any) -> None:
    app = make_app(LMS_LOGIN_MAX_PER_ADDRESS=3)
    with app.app_context():
        org = create_org()
        for i in range(6):
            create_user(org, email=f"person{i}@example.jp")
        assert [app.test_client().login(f"person{i}@example.jp").status_code for i in range(6)] == [302] * 6


def test_the_count_starts_again_after_the_window(client: Any, create_org: Any, create_user: Any, app: Any) -> None:
    create_user(create_org(), email="hanako@example.jp")
    for _ in range(5):
        client.login("hanako@example.jp", "wrong password!")
    assert client.login("hanako@example.jp").status_code == 429
    window = timedelta(minutes=app.config["LMS_LOGIN_WINDOW_MINUTES"], seconds=1)
    db.session.execute(sa.update(LoginCounter).values(window_started_at=utcnow() - window))
    db.session.commit()
    assert client.login("hanako@example.jp").status_code == 302
