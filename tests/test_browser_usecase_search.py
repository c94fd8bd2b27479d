"""In Chromium on a phone: an employee searches the use-case catalog for ｼﾌﾄ and narrows the result with a facet."""
from __future__ import annotations

from typing import Any

import pytest

from lms.accounts.roles import Role
from lms.extensions import db
from tests.browser import sign_in
from tests.test_usecase_search import case as plain_case
from tests.usecaseworld import PLAIN, case_text, load_cases

pytestmark = pytest.mark.browser


def test_an_employee_finds_shift_cases_by_search_on_a_phone(
    app: Any, phone: Any, server: Any, create_org: Any, create_user: Any
) -> None:
    org = create_org(industry="retail")
    person = create_user(org, roles=(Role.EMPLOYEE,))
    load_cases(shift_shitagaki=PLAIN,  # retail, food_service, accommodation, healthcare_welfare; 店舗, 介護
               kaigo_shift=case_text("介護のシフトを組む", industries="[healthcare_welfare]", departments="[介護]"),
               anzen=plain_case("安全日誌を下書きする", "現場の作業内容から、当日の安全日誌を作ります。",
                                industries="[construction]", departments="[施工]"))
    db.session.commit()
    violations: list[str] = []
    phone.on("console", lambda msg: "Content Security Policy" in msg.text and violations.append(msg.text))
    base = f"{server.url}/o/{org.id}"

    sign_in(phone, server.url, person.email)
    phone.goto(f"{base}/cases/")
    phone.get_by_label("事例を探す").fill("ｼﾌﾄ")  # half-width katakana, as a phone keyboard may give
    phone.get_by_role("button", name="検索").click()
    phone.wait_for_url(f"{base}/cases/?q=%EF%BD%BC%EF%BE%8C%EF%BE%84")
    cards = phone.locator(".card h2").all_inner_texts()
    assert cards == ["シフト表の下書きを作る", "介護のシフトを組む"]  # both in the title: by title (シ before 介)
    assert phone.get_by_text("「ｼﾌﾄ」に合う事例：2件").count() == 1
    phone.get_by_text("絞り込む").click()
    phone.locator('[data-facet="department"]').get_by_role("link", name="店舗").click()
    phone.wait_for_url(f"{base}/cases/?department=%E5%BA%97%E8%88%97&q=%EF%BD%BC%EF%BE%8C%EF%BE%84")
    assert phone.locator(".card h2").all_inner_texts() == ["シフト表の下書きを作る"]
    assert phone.get_by_label("事例を探す").input_value() == "ｼﾌﾄ"
    width, inner = phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"the catalog scrolls sideways on a phone: {width}px in {inner}px"
    assert violations == []
