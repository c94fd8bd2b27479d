"""The tool guide's pages: who may see them, the recommendation, a broken table, the pilot kit as XLSX."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Callable

import pytest
from flask import Flask
from openpyxl import load_workbook

from lms.accounts.models import TrainerAssignment, User
from lms.accounts.roles import Role
from lms.extensions import db
from lms.orgs.models import Organization
from lms.toolguide import kit

ANSWERS = {"environment": "m365", "data": "internal", "headcount": "12", "budget": "up_to_5000"}


@pytest.fixture
def people(create_org: Callable[..., Organization], create_user: Callable[..., User]) -> dict[str, Any]:
    org = create_org(name="株式会社みなと精工")
    other = create_org(name="株式会社よそ")
    trainer = create_user(None, roles=(Role.TRAINER,), email="trainer@provider.example")
    db.session.add(TrainerAssignment(org_id=org.id, trainer_id=trainer.id))
    db.session.commit()
    return {
        "org": org, "other": other, "trainer": trainer,
        "admin": create_user(org, roles=(Role.ORG_ADMIN,), email="admin@minato.example"),
        "executive": create_user(org, roles=(Role.EXECUTIVE,), email="shacho@minato.example"),
        "employee": create_user(org, roles=(Role.EMPLOYEE,), email="emp@minato.example"),
        "outsider": create_user(other, roles=(Role.ORG_ADMIN,), email="admin@yoso.example"),
    }


def url(org: Organization, tail: str = "") -> str:
    return f"/o/{org.id}/tool-guide/{tail}"


@pytest.mark.parametrize("who", ["admin", "executive", "trainer", "employee"])
def test_every_role_of_the_company_gets_a_recommendation(app: Flask, people: dict[str, Any], who: str) -> None:
    client = app.test_client()
    client.login(people[who].email)
    page = client.get(url(people["org"]))
    assert page.status_code == 200
    assert 'data-testid="toolguide-result"' not in page.get_data(as_text=True)
    answer = client.submit(url(people["org"]), ANSWERS)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert 'data-testid="toolguide-pick" data-tool="copilot-chat"' in html
    assert 'data-testid="toolguide-runner-up"' in html
    assert "2026-12-01" in html  # the table's checked date
    assert "提供元の公式ページ" in html  # the vendor's page decides


def test_other_companies_and_anonymous_visitors_get_nothing(app: Flask, people: dict[str, Any]) -> None:
    anonymous = app.test_client()
    assert anonymous.get(url(people["org"])).status_code == 302
    for who in ("outsider", "trainer"):
        client = app.test_client()
        client.login(people[who].email)
        target = people["org"] if who == "outsider" else people["other"]
        for tail in ("", "pilot-kit", "pilot-kit.xlsx"):
            assert client.get(url(target, tail)).status_code == 404, (who, tail)


def test_sensitive_data_gets_no_tool_and_advice_to_keep_it_out(app: Flask, people: dict[str, Any]) -> None:
    client = app.test_client()
    client.login(people["admin"].email)
    html = client.submit(url(people["org"]), {**ANSWERS, "data": "sensitive"}).get_data(as_text=True)
    assert 'data-testid="toolguide-keep-out"' in html
    assert 'data-testid="toolguide-pick"' not in html


def test_wrong_answers_are_explained(app: Flask, people: dict[str, Any]) -> None:
    client = app.test_client()
    client.login(people["admin"].email)
    answer = client.submit(url(people["org"]), {**ANSWERS, "headcount": "0", "environment": ""})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'data-testid="toolguide-result"' not in html
    assert html.count('class="error"') == 2


def test_the_menu_links_the_guide_for_admins_and_executives(app: Flask, people: dict[str, Any]) -> None:
    for who, linked in (("admin", True), ("executive", True), ("employee", False)):
        client = app.test_client()
        client.login(people[who].email)
        html = client.get(url(people["org"], "pilot-kit")).get_data(as_text=True)
        assert (f'href="{url(people["org"])}"' in html.split("</header>")[0]) == linked, who


def test_the_whole_table_is_shown_with_dates_and_vendor_pages(app: Flask, people: dict[str, Any]) -> None:
    from lms.toolguide.table import DEFAULT_PATH, load_table

    client = app.test_client()
    client.login(people["employee"].email)
    html = client.get(url(people["org"])).get_data(as_text=True)
    table = load_table(DEFAULT_PATH)
    for tool in table.tools:
        assert tool.name in html
        for fact in tool.facts.values():
            assert f'href="{fact.source}"' in html
    assert "要確認" in html


def test_trainers_find_the_guide_on_their_companies_page(app: Flask, people: dict[str, Any]) -> None:
    client = app.test_client()
    client.login(people["trainer"].email)
    assert f'href="{url(people["org"])}"' in client.get("/trainer").get_data(as_text=True)


def test_a_broken_table_stops_the_guide_and_names_the_line(app: Flask, people: dict[str, Any],
                                                          tmp_path: Path) -> None:
    bad = tmp_path / "tools.yaml"
    bad.write_text("checked: 2026-12-01\ntools:\n  - id: x\n    colour: blue\n", encoding="utf-8")
    app.config["TOOLGUIDE_FILE"] = str(bad)
    try:
        client = app.test_client()
        client.login(people["admin"].email)
        page = client.get(url(people["org"]))
        assert page.status_code == 503
        assert f"{bad.as_posix()}:4" in page.get_data(as_text=True)
    finally:
        app.config.pop("TOOLGUIDE_FILE")


def test_the_pilot_kit_prints_and_downloads_with_the_three_tasks(app: Flask, people: dict[str, Any]) -> None:
    client = app.test_client()
    client.login(people["executive"].email)
    page = client.get(url(people["org"], "pilot-kit")).get_data(as_text=True)
    assert page.count('data-testid="kit-task"') == 3
    for task in kit.TASKS:
        assert task.title in page
    download = client.get(url(people["org"], "pilot-kit.xlsx"))
    assert download.status_code == 200
    assert download.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(download.data))
    assert len(book.sheetnames) == 3
    tasks = list(book.worksheets[1].iter_rows(min_row=2, values_only=True))
    assert [(row[0], row[1], row[3]) for row in tasks] == [(t.number, t.title, t.material) for t in kit.TASKS]
    scores = list(book.worksheets[2].iter_rows(values_only=True))
    assert len(scores) == 1 + len(kit.TASKS) * len(kit.CRITERIA)
    assert scores[0][3:6] == tuple(f"{c}（1〜5）" for c in kit.CANDIDATES)
    assert {row[1] for row in scores[1:]} == {c.name for c in kit.CRITERIA}
