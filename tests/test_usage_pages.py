"""The usage import pages: org admins upload, preview and confirm; others are refused."""
from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any, Callable

import pytest
import sqlalchemy as sa

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.extensions import db
from lms.orgs.models import Organization
from lms.usage.models import UsageImport, UsageTelemetry
from tests.conftest import count

DATA = Path(__file__).parent / "data" / "usage"


@pytest.fixture
def org(create_org: Callable[..., Organization], create_user: Callable[..., User]) -> Organization:
    org = create_org("例示商事株式会社")
    for name in ("sato.hanako", "suzuki.ichiro", "tanaka.yuki"):
        create_user(org, email=f"{name}@example.co.jp")
    create_user(org, roles=(Role.ORG_ADMIN,), email="admin@example.co.jp")
    create_user(org, roles=(Role.EXECUTIVE,), email="boss@example.co.jp")
    return org


def upload(client: Any, org: Organization, name: str, source: str = "auto") -> Any:
    return client.submit(f"/o/{org.id}/usage/", {"source": source, "file": (io.BytesIO((DATA / name).read_bytes()), name)})


def test_upload_preview_confirm(client: Any, org: Organization) -> None:
    client.login("admin@example.co.jp")
    response = upload(client, org, "m365_copilot_user_detail.csv")
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    assert "Microsoft 365 Copilot" in page
    assert "yamada.taro@other.example" in page  # listed as unmatched
    assert count(UsageTelemetry) == 0  # nothing before confirming
    assert client.submit(preview_url, {}).status_code == 302
    assert count(UsageTelemetry) == 3
    assert client.submit(preview_url, {}).status_code == 200  # applied once only
    assert count(UsageTelemetry) == 3


def test_the_same_file_again_says_nothing_new(client: Any, org: Organization) -> None:
    client.login("admin@example.co.jp")
    client.submit(upload(client, org, "gemini_activity.csv").headers["Location"], {})
    preview_url = upload(client, org, "gemini_activity.csv").headers["Location"]
    assert "data-testid=\"confirm-import\"" in client.get(preview_url).get_data(as_text=True)
    response = client.submit(preview_url, {}, follow_redirects=True)
    assert "新しいデータはありません" in response.get_data(as_text=True)


def test_file_problems_are_shown_and_nothing_kept(client: Any, org: Organization) -> None:
    client.login("admin@example.co.jp")
    response = upload(client, org, "m365_copilot_concealed.csv")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Microsoft 365 管理センター" in page
    response = upload(client, org, "gemini_activity.csv", source="viva")
    assert response.status_code == 400
    assert "Gemini for Workspace" in response.get_data(as_text=True)
    assert count(UsageImport) == 0


def test_row_problems_show_row_and_column_and_cannot_be_confirmed(client: Any, org: Organization) -> None:
    client.login("admin@example.co.jp")
    data = b"PersonId,MetricDate,Total_Copilot_active_days\r\nsato.hanako@example.co.jp,2099-01-04,1\r\n"
    response = client.submit(f"/o/{org.id}/usage/", {"source": "auto", "file": (io.BytesIO(data), "v.csv")})
    preview_url = response.headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    assert re.search(r"2\s*行目.*MetricDate", page)
    assert "confirm-import" not in page
    client.submit(preview_url, {})
    assert count(UsageTelemetry) == 0


def test_only_org_admins(client: Any, org: Organization) -> None:
    client.login("boss@example.co.jp")
    assert client.get(f"/o/{org.id}/usage/").status_code == 403


def test_upload_needs_the_csrf_token(client: Any, org: Organization) -> None:
    client.login("admin@example.co.jp")
    response = client.post(f"/o/{org.id}/usage/", data={"source": "auto", "file": (io.BytesIO(b"x"), "x.csv")})
    assert response.status_code == 400
    assert count(UsageImport) == 0


def test_own_format_columns_are_chosen_once(client: Any, org: Organization) -> None:
    client.login("admin@example.co.jp")
    data = "メールアドレス,利用日\r\nsato.hanako@example.co.jp,2026/11/24\r\nsato.hanako@example.co.jp,2026/11/25\r\n"
    response = client.submit(f"/o/{org.id}/usage/", {"source": "auto", "file": (io.BytesIO(data.encode()), "own.csv")})
    columns_url = response.headers["Location"]
    assert columns_url.endswith("/columns")
    page = client.get(columns_url).get_data(as_text=True)
    assert "メールアドレス" in page and "sato.hanako@example.co.jp" in page
    waiting = client.get(columns_url.removesuffix("/columns")).get_data(as_text=True)
    assert "列の選択" in waiting and "confirm-import" not in waiting
    client.submit(columns_url.removesuffix("/columns"), {})
    assert count(UsageTelemetry) == 0
    response = client.submit(columns_url, {"email": "メールアドレス", "date": "メールアドレス", "activity": ""})
    assert response.status_code == 200  # the same column twice is refused
    response = client.submit(columns_url, {"email": "メールアドレス", "date": "利用日", "activity": ""})
    preview_url = response.headers["Location"]
    assert client.submit(preview_url, {}).status_code == 302
    assert count(UsageTelemetry) == 1
    response = client.submit(f"/o/{org.id}/usage/", {"source": "auto", "file": (io.BytesIO(data.encode()), "again.csv")})
    assert not response.headers["Location"].endswith("/columns")  # the saved choice reads it


@pytest.mark.parametrize(("name", "kind"), [
    ("m365_copilot_user_detail.csv", "m365"), ("m365_copilot_user_detail_api.csv", "m365"),
    ("viva_person_query_cleaned.csv", "viva"), ("viva_person_query_cp932.csv", "viva"),
    ("chatgpt_user_engagement_weekly.csv", "chatgpt"), ("chatgpt_user_engagement_monthly.csv", "chatgpt"),
    ("claude_enterprise_analytics.xlsx", "claude"), ("gemini_activity.csv", "gemini"),
])
def test_every_kind_of_sample_export_goes_through_the_pages(
        client: Any, org: Organization, name: str, kind: str) -> None:
    """The issue's 'done when': an org admin imports each kind of export in the browser, detected from its header."""
    from lms.usage import sources
    from lms.usage.messages import SOURCE_LABELS

    client.login("admin@example.co.jp")
    response = upload(client, org, name)
    assert response.status_code == 302, name
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert str(SOURCE_LABELS[getattr(sources, kind.upper())]) in preview  # the detected source is shown
    assert count(UsageTelemetry) == 0
    assert client.submit(response.headers["Location"], {}).status_code == 302
    assert count(UsageTelemetry) > 0
    assert {i.status for i in db.session.scalars(sa.select(UsageImport))} == {"applied"}
