"""Mail and calendar settings: a calendar URL never touches the mail choices; the digest is for executives."""
from __future__ import annotations

import re
from typing import Any

import pytest

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.extensions import db

BOXES = ("notify_module_open", "notify_reminder", "notify_digest")


def _ticked(html: str) -> dict[str, bool]:
    """Which mail checkboxes the page shows, and whether each is ticked."""
    found = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if name and name.group(1) in BOXES:
            found[name.group(1)] = " checked" in tag
    return found


def _prefs(user: User) -> tuple[bool, bool, bool]:
    db.session.expire_all()
    fresh = db.session.get(User, user.id)
    return fresh.notify_module_open, fresh.notify_reminder, fresh.notify_digest


@pytest.fixture
def employee(create_org: Any, create_user: Any) -> User:
    return create_user(create_org(), email="ito@minato.example", name="伊藤 大輔")


@pytest.mark.parametrize("action", [{}, {"revoke": "1"}], ids=["issue", "revoke"])
def test_issuing_or_revoking_a_calendar_url_shows_and_keeps_the_stored_mail_choices(
    client: Any, employee: User, action: dict[str, str]
) -> None:
    client.login(employee.email)
    client.submit("/account/calendar", {}, page="/account/notifications")  # a feed exists, so revoke has one
    response = client.submit("/account/calendar", action, page="/account/notifications", follow_redirects=True)
    assert response.status_code == 200
    assert _ticked(response.get_data(as_text=True)) == {"notify_module_open": True, "notify_reminder": True}
    assert _prefs(employee) == (True, True, True)


def test_saving_after_issuing_a_calendar_url_keeps_every_mail(client: Any, employee: User) -> None:
    """The reported path: issue a URL, then press 保存 on the page it answers with (posting what it shows)."""
    client.login(employee.email)
    html = client.submit("/account/calendar", {}, page="/account/notifications").get_data(as_text=True)
    shown = {name: "y" for name, ticked in _ticked(html).items() if ticked}
    client.submit("/account/notifications", shown)
    assert _prefs(employee) == (True, True, True)


def test_a_stored_choice_that_is_off_stays_off_and_shows_off(client: Any, employee: User) -> None:
    employee.notify_reminder = False
    db.session.commit()
    client.login(employee.email)
    html = client.submit("/account/calendar", {}, page="/account/notifications").get_data(as_text=True)
    assert _ticked(html) == {"notify_module_open": True, "notify_reminder": False}
    assert _prefs(employee) == (True, False, True)


def test_employees_are_not_offered_the_executive_digest_and_saving_leaves_it_alone(client: Any, employee: User) -> None:
    client.login(employee.email)
    page = client.get("/account/notifications").get_data(as_text=True)
    assert "notify_digest" not in page and "経営者向けの週次サマリー" not in page
    client.submit("/account/notifications", {"notify_module_open": "y", "notify_digest": ""})
    assert _prefs(employee) == (True, False, True)  # the reminder box was unticked; the digest is not theirs to change


def test_executives_are_offered_the_digest(client: Any, create_org: Any, create_user: Any) -> None:
    boss = create_user(create_org(), roles=(Role.EXECUTIVE,), email="suzuki@minato.example")
    client.login(boss.email)
    page = client.get("/account/notifications").get_data(as_text=True)
    assert _ticked(page) == {"notify_module_open": True, "notify_reminder": True, "notify_digest": True}
    assert "経営者向けの週次サマリー" in page
    client.submit("/account/notifications", {"notify_module_open": "y", "notify_reminder": "y"})
    assert _prefs(boss) == (True, True, False)
