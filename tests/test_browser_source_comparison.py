"""In Chromium on a phone: the executive reads self-report beside the usage data per department and by week."""
from __future__ import annotations

import re
from typing import Any, Callable

import pytest

from lms.accounts.models import User
from lms.orgs.models import Organization
from tests.browser import shot, sign_in
from tests.test_source_comparison import hand_built

pytestmark = pytest.mark.browser


@pytest.fixture
def company(create_org: Callable[..., Organization], create_user: Callable[..., User]) -> dict[str, Any]:
    return hand_built(create_org, create_user)


def _cells(page: Any, table: str, name: str) -> list[str]:
    row = page.get_by_test_id(f"table-{table}").locator(
        "tbody tr", has=page.locator("th[scope=row]", has_text=re.compile(rf"^{re.escape(name)}$")))
    assert row.count() == 1, f"one row for {name}"
    return [c.strip() for c in row.locator("td").all_inner_texts()]


def test_the_comparison_per_department_and_week_reads_on_a_phone(
    app: Any, phone: Any, server: Any, company: dict[str, Any]
) -> None:
    org = company["org"]
    violations: list[str] = []
    phone.on("console", lambda msg: "Content Security Policy" in msg.text and violations.append(msg.text))
    sign_in(phone, server.url, "boss@example.co.jp")
    phone.wait_for_url(re.compile(rf"{re.escape(server.url)}/o/{org.id}/.*"))
    phone.goto(f"{server.url}/o/{org.id}/adoption/")

    assert _cells(phone, "sources", "営業部") == ["6", "66.7%", "50.0%", "2", "1"]
    assert _cells(phone, "sources", "会社全体") == ["11", "81.8%", "72.7%", "2", "1"]
    assert phone.get_by_test_id("table-source_weeks").locator("tbody tr").count() == 1
    width, inner = phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"the dashboard scrolls sideways on a phone: {width}px in {inner}px"
    for person in company["people"]:
        assert person.display_name not in phone.content()
    assert violations == []
    phone.get_by_test_id("table-sources").scroll_into_view_if_needed()
    shot(phone, "adoption-sources-phone")
