"""Real headless Chromium through the real sign-in form, per role, on a desktop and a phone."""
from __future__ import annotations

import re
from typing import Any

import pytest

from lms.accounts.roles import Role
from tests.browser import shot, sign_in, sign_out

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("role", "home", "heading"),
    [
        ("admin", "/admin/", "顧客企業"),
        ("trainer", "/trainer", "担当企業"),
        ("executive", "/o/{org}/executive", "会社の状況"),
        ("org_admin", "/o/{org}/members/", "メンバー"),
        ("employee", "/o/{org}/", "マイ学習"),
    ],
)
def test_each_role_signs_in_lands_home_and_signs_out(
    page: Any, server: Any, create_org: Any, create_user: Any, role: str, home: str, heading: str
) -> None:
    org = create_org(name="株式会社みなと精工")
    staff = role in ("admin", "trainer")
    roles = (Role(role), Role.EMPLOYEE) if role == "org_admin" else (Role(role),)
    user = create_user(None if staff else org, roles=roles, email=f"{role}@example.jp")
    sign_in(page, server.url, user.email)
    page.wait_for_url(server.url + home.format(org=org.id))
    assert page.get_by_test_id("home-title").inner_text() == heading
    shot(page, f"home-{role}")
    sign_out(page)
    assert page.get_by_role("heading", name="ログイン").is_visible()
    assert page.csp_violations == []


def test_a_wrong_password_shows_the_message_on_the_form(page: Any, server: Any, create_org: Any, create_user: Any) -> None:
    create_user(create_org(), email="emp@example.jp")
    page.goto(server.url + "/login")
    page.get_by_label("メールアドレス").fill("emp@example.jp")
    page.get_by_label("パスワード").fill("wrong password")
    page.get_by_role("button", name="ログイン").click()
    assert page.get_by_role("alert").inner_text() == "メールアドレスまたはパスワードが正しくありません。"


def test_the_language_switch_turns_the_page_english(page: Any, server: Any) -> None:
    page.goto(server.url + "/login")
    page.get_by_label("表示言語").select_option("en")
    page.get_by_test_id("language-submit").click()
    page.wait_for_url(server.url + "/login")
    assert page.get_by_role("heading", name="Sign in").is_visible()
    assert page.locator("html").get_attribute("lang") == "en"
    shot(page, "login-english")


def test_an_employee_signs_in_on_a_phone_without_sideways_scrolling(phone: Any, server: Any, create_org: Any, create_user: Any) -> None:
    org = create_org(name="株式会社みなと精工")
    create_user(org, email="phone@example.jp")
    sign_in(phone, server.url, "phone@example.jp")
    phone.wait_for_url(f"{server.url}/o/{org.id}/")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    shot(phone, "phone-employee-home")
    phone.get_by_text("メニュー").click()
    assert phone.get_by_role("link", name="アカウント設定").is_visible()


def test_keyboard_users_can_skip_to_the_content(page: Any, server: Any) -> None:
    page.goto(server.url + "/login")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "本文へ移動"


def test_the_desktop_shows_the_navigation_without_a_menu_button(page: Any, server: Any, create_org: Any, create_user: Any) -> None:
    org = create_org(name="株式会社みなと精工")
    user = create_user(org, roles=(Role.EXECUTIVE, Role.ORG_ADMIN, Role.EMPLOYEE), email="boss@example.jp", name="鈴木 美咲")
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, server.url, user.email)
    page.wait_for_url(re.compile(rf"{re.escape(server.url)}/o/{org.id}/.*"))
    assert not page.get_by_text("メニュー", exact=True).is_visible()
    nav = page.get_by_role("navigation", name="メイン")
    for label in ("マイ学習", "AI活用状況", "メンバー", "コホート"):
        assert nav.get_by_role("link", name=label).is_visible(), label
    assert page.get_by_test_id("header-user").inner_text() == "鈴木 美咲"
    nav.get_by_role("link", name="メンバー").click()
    page.wait_for_url(f"{server.url}/o/{org.id}/members/")
    assert nav.get_by_role("link", name="メンバー").get_attribute("aria-current") == "page"
    shot(page, "desktop-navigation")
    assert page.get_by_role("button", name="ログアウト").is_visible()


def test_a_phone_keeps_the_navigation_behind_the_menu_button(phone: Any, server: Any, create_org: Any, create_user: Any) -> None:
    org = create_org()
    create_user(org, email="phone@example.jp")
    sign_in(phone, server.url, "phone@example.jp")
    phone.wait_for_url(f"{server.url}/o/{org.id}/")
    assert not phone.get_by_role("navigation", name="メイン").get_by_role("link", name="マイ学習").is_visible()
    phone.get_by_text("メニュー", exact=True).click()
    assert phone.get_by_role("navigation", name="メイン").get_by_role("link", name="マイ学習").is_visible()
