"""In Chromium on a phone: an org admin uploads a vendor's usage export, sees the preview, confirms."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lms.accounts.roles import Role
from lms.extensions import db
from lms.usage.models import UsageTelemetry
from tests.browser import accessible_context, assert_accessible, shot, sign_in
from tests.conftest import count

pytestmark = pytest.mark.browser

DATA = Path(__file__).parent / "data" / "usage"


def test_an_org_admin_imports_a_copilot_report_on_a_phone(
    app: Any, browser: Any, server: Any, create_org: Any, create_user: Any
) -> None:
    org = create_org("例示商事株式会社")
    for name in ("sato.hanako", "suzuki.ichiro", "tanaka.yuki"):
        create_user(org, email=f"{name}@example.co.jp")
    admin = create_user(org, roles=(Role.ORG_ADMIN,), email="admin@example.co.jp")
    context = accessible_context(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda msg: "Content Security Policy" in msg.text and violations.append(msg.text))
    sign_in(page, server.url, admin.email)
    page.goto(f"{server.url}/o/{org.id}/members/")
    page.get_by_role("link", name="AI利用データ").click()
    page.wait_for_url(f"{server.url}/o/{org.id}/usage/")

    page.get_by_label("利用データのファイル（CSVまたはExcelの.xlsx）").set_input_files(str(DATA / "m365_copilot_concealed.csv"))
    page.get_by_role("button", name="ファイルを確認する").click()
    assert "Microsoft 365 管理センター" in page.locator(".problems").inner_text()
    assert_accessible(page)

    page.get_by_label("利用データのファイル（CSVまたはExcelの.xlsx）").set_input_files(str(DATA / "m365_copilot_user_detail.csv"))
    page.get_by_role("button", name="ファイルを確認する").click()
    page.wait_for_url(f"{server.url}/o/{org.id}/usage/*")
    assert "Microsoft 365 Copilot 使用状況（ユーザーの詳細）" in page.get_by_test_id("detected-source").inner_text()
    assert "3人" in page.get_by_test_id("matched").inner_text()
    assert "1件" in page.get_by_test_id("unmatched").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll on a phone
    assert_accessible(page)
    shot(page, "usage-import-preview-phone")
    page.get_by_test_id("confirm-import").click()
    page.wait_for_url(f"{server.url}/o/{org.id}/usage/")
    assert "新しい週：3件" in page.locator(".flash").inner_text()
    db.session.rollback()
    assert count(UsageTelemetry) == 3
    assert violations == []
    context.close()


def test_an_org_admin_picks_the_columns_of_an_own_format_on_a_phone(
    app: Any, browser: Any, server: Any, create_org: Any, create_user: Any, tmp_path: Path
) -> None:
    org = create_org("例示商事株式会社")
    create_user(org, email="sato.hanako@example.co.jp")
    admin = create_user(org, roles=(Role.ORG_ADMIN,), email="admin@example.co.jp")
    own = tmp_path / "社内ログ.csv"
    own.write_bytes("メールアドレス,利用日,回数\r\nsato.hanako@example.co.jp,2026/11/24,2\r\n".encode("cp932"))
    context = accessible_context(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda msg: "Content Security Policy" in msg.text and violations.append(msg.text))
    sign_in(page, server.url, admin.email)
    page.goto(f"{server.url}/o/{org.id}/usage/")
    page.get_by_label("利用データのファイル（CSVまたはExcelの.xlsx）").set_input_files(str(own))
    page.get_by_role("button", name="ファイルを確認する").click()
    page.wait_for_url(f"{server.url}/o/{org.id}/usage/*/columns")
    assert_accessible(page)
    page.get_by_label("メールアドレスの列").select_option("メールアドレス")
    page.get_by_label("日付の列").select_option("利用日")
    page.get_by_label("利用回数の列（数値。0より大きい日を利用日として数えます）").select_option("回数")
    page.get_by_role("button", name="この列でファイルを読み取る").click()
    assert "自社の形式（保存した列の選択）" in page.get_by_test_id("detected-source").inner_text()
    page.get_by_test_id("confirm-import").click()
    page.wait_for_url(f"{server.url}/o/{org.id}/usage/")
    db.session.rollback()
    assert count(UsageTelemetry) == 1
    assert violations == []
    context.close()
