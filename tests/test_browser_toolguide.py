"""In Chromium on a phone: a company admin gets a recommendation for each of the three environments."""
from __future__ import annotations

from typing import Any, Callable

import pytest

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.orgs.models import Organization
from tests.browser import accessible_context, axe_violations, open_menu, shot, sign_in

pytestmark = pytest.mark.browser

PICKS = {"Microsoft 365": "copilot-chat", "Google Workspace": "gemini-workspace", "どちらでもない": "chatgpt-business"}


def test_an_admin_gets_a_recommendation_for_each_environment_on_a_phone(
    app: Any, browser: Any, server: Any, create_org: Callable[..., Organization], create_user: Callable[..., User],
) -> None:
    org = create_org(name="株式会社みなと精工")
    admin = create_user(org, roles=(Role.ORG_ADMIN,), email="admin@minato.example")
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  locale="ja-JP")
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda msg: "Content Security Policy" in msg.text and violations.append(msg.text))
    try:
        sign_in(page, server.url, admin.email)
        page.wait_for_load_state()
        open_menu(page)
        page.get_by_role("link", name="AIツール選定ガイド").first.click()
        page.wait_for_url(f"{server.url}/o/{org.id}/tool-guide/")
        for environment, tool_id in PICKS.items():
            page.get_by_role("radio", name=environment).check()
            page.get_by_role("radio", name="社内情報（会議メモ、見積、手順書など）").check()
            page.get_by_label("使う人は何人ですか").fill("12")
            page.get_by_role("radio", name="1人あたり月5,000円まで").check()
            # The page already shows the previous answer's result: wait for the new page, not for any result.
            with page.expect_navigation():
                page.get_by_role("button", name="おすすめを見る").click()
            pick = page.get_by_test_id("toolguide-pick")
            assert pick.get_attribute("data-tool") == tool_id, environment
            assert page.get_by_test_id("toolguide-reasons").locator("li").count() >= 4
            assert page.get_by_test_id("toolguide-runner-up").count() == 1
            assert "2026-12-01" in page.get_by_test_id("toolguide-checked").inner_text()
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"the guide scrolls sideways on a phone: {width}px"
            shot(page, f"toolguide-{tool_id}")
        page.get_by_role("link", name="2週間の試用で候補を比べる").click()
        assert page.get_by_test_id("kit-task").count() == 3
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the pilot kit scrolls sideways on a phone: {width}px"
        assert violations == []
    finally:
        context.close()


def test_axe_finds_nothing_serious_on_the_guide_its_result_and_the_kit(
    app: Any, browser: Any, server: Any, create_org: Callable[..., Organization], create_user: Callable[..., User],
) -> None:
    org = create_org(name="株式会社みなと精工")
    executive = create_user(org, roles=(Role.EXECUTIVE,), email="shacho@minato.example")
    context = accessible_context(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        sign_in(page, server.url, executive.email)
        page.wait_for_load_state()
        page.goto(f"{server.url}/o/{org.id}/tool-guide/")
        found = {"form": axe_violations(page)}
        page.get_by_role("radio", name="どちらでもない").check()
        page.get_by_role("radio", name="要配慮個人情報（病歴・障害・犯罪の経歴など）").check()
        page.get_by_label("使う人は何人ですか").fill("8")
        page.get_by_role("radio", name="追加の費用なし（今の契約の範囲だけ）").check()
        page.get_by_role("button", name="おすすめを見る").click()
        page.get_by_test_id("toolguide-keep-out").wait_for()
        found["keep-out"] = axe_violations(page)
        page.goto(f"{server.url}/o/{org.id}/tool-guide/pilot-kit")
        found["kit"] = axe_violations(page)
        assert {name: v for name, v in found.items() if v} == {}
    finally:
        context.close()
