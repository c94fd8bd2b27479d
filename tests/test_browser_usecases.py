"""In Chromium on a phone: an employee opens the use-case catalog from the menu, filters, reads a case, copies its template."""
from __future__ import annotations

from typing import Any

import pytest

from lms.accounts.roles import Role
from lms.extensions import db
from tests.browser import open_menu, shot, sign_in
from tests.usecaseworld import PLAIN, case_text, load_cases

pytestmark = pytest.mark.browser


def test_an_employee_finds_and_copies_a_case_on_a_phone(
    app: Any, phone: Any, server: Any, create_org: Any, create_user: Any
) -> None:
    org = create_org(industry="retail")
    person = create_user(org, roles=(Role.EMPLOYEE,))
    load_cases(shift_shitagaki=PLAIN,
               anzen=case_text("安全日誌を下書きする", industries="[construction]", departments="[施工]"))
    db.session.commit()
    violations: list[str] = []
    phone.on("console", lambda msg: "Content Security Policy" in msg.text and violations.append(msg.text))
    phone.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    base = f"{server.url}/o/{org.id}"

    sign_in(phone, server.url, person.email)
    open_menu(phone)
    phone.get_by_role("navigation").get_by_role("link", name="活用事例").click()
    phone.wait_for_url(f"{base}/cases/")
    phone.get_by_text("絞り込む").click()
    phone.get_by_role("link", name="介護").click()
    phone.wait_for_url(f"{base}/cases/?department=%E4%BB%8B%E8%AD%B7")
    assert phone.get_by_role("link", name="安全日誌を下書きする").count() == 0
    phone.get_by_role("link", name="シフト表の下書きを作る").click()
    phone.wait_for_url(f"{base}/cases/shift-shitagaki")
    assert "例：週60分" in phone.locator(".time-saved").inner_text()
    width, inner = phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"the case page scrolls sideways on a phone: {width}px in {inner}px"
    phone.get_by_role("button", name="コピー").click()
    phone.get_by_role("button", name="コピーしました").wait_for()
    assert phone.evaluate("navigator.clipboard.readText()").startswith("あなたは【業種】の店舗")
    shot(phone, "usecase-phone")
    assert violations == []
