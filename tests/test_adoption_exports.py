"""Exports (no-store, one workbook), the executive home and the privacy threshold employees are told."""
from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from typing import Any, Callable

import openpyxl
import pytest
from zoneinfo import ZoneInfo

from lms.accounts.models import TrainerAssignment, User
from lms.accounts.roles import Role
from lms.adoption import service
from lms.adoption.rules import week_start
from lms.core.clock import utcnow
from lms.extensions import db
from lms.orgs.models import Organization
from tests.adoptionworld import company_using_ai

THIS_WEEK = week_start(utcnow().astimezone(ZoneInfo("Asia/Tokyo")).date())


@pytest.fixture
def company(create_org: Callable[..., Organization], create_user: Callable[..., User]) -> dict[str, Any]:
    """Six people in sales with four weeks of answers, an executive, a trainer, a course."""
    org, people = company_using_ai(create_org, create_user, name="株式会社テスト精工", this_week=THIS_WEEK)
    executive = create_user(org, roles=(Role.EXECUTIVE,))
    trainer = create_user(None, roles=(Role.TRAINER,))
    db.session.add(TrainerAssignment(org_id=org.id, trainer_id=trainer.id))
    db.session.commit()
    return {"org": org, "people": people, "executive": executive, "trainer": trainer}


# --- item 6: no export may be cached -------------------------------------------------------------

DOWNLOAD = re.compile(r"(export|\.csv|\.xlsx|\.zip)")


def test_every_export_answers_no_store(app: Any, client: Any, company: dict[str, Any], sync_course: Any,
                                       create_user: Callable[..., User]) -> None:
    from lms.adoption.exports import TABLES

    from datetime import time

    from lms.cohorts.service import CohortDraft, create_cohort
    from lms.core.clock import today

    course = sync_course()
    org_id = company["org"].id
    cohort = create_cohort(company["org"], CohortDraft(
        name="2027年1月期", course_ids=[course.id], start_date=today(), session_weekday=2, session_time=time(10),
        member_ids=[company["people"][0].id],
    ))
    db.session.commit()
    admin = create_user(None, roles=(Role.ADMIN,))
    urls = {
        "cohorts.hours_workbook": [f"/o/{org_id}/cohorts/{cohort.id}/hours.xlsx"],
        "cohorts.hours_workbook_all": [f"/o/{org_id}/cohorts/hours.xlsx"],
        "adoption.export": [f"/o/{org_id}/adoption/export/{name}.csv" for name in TABLES],
        "adoption.workbook": [f"/o/{org_id}/adoption/export.xlsx"],
        "course_progress.course_progress_csv": [f"/o/{org_id}/courses/kiso/progress.csv"],
        "courses.export": ["/authoring/kiso/export.zip"],
        "catalog.export": ["/authoring/cases/export.xlsx", "/authoring/cases/export.csv"],
        "catalog.template": ["/authoring/cases/template.xlsx"],
        "toolguide.pilot_kit_xlsx": [f"/o/{org_id}/tool-guide/pilot-kit.xlsx"],
        "xapi.export": [f"/o/{org_id}/xapi/export.json"],
    }
    downloads = {rule.endpoint for rule in app.url_map.iter_rules() if DOWNLOAD.search(rule.rule)}
    assert downloads == set(urls), "a new download route: add it here"
    client.login(admin.email)  # a platform admin is executive and org admin of every company, and an author
    for paths in urls.values():
        for path in paths:
            answer = client.get(path)
            assert answer.status_code == 200, path
            assert answer.headers["Cache-Control"] == "no-store", path
            assert "attachment" in answer.headers.get("Content-Disposition", ""), path


def test_static_files_and_pages_keep_their_own_rules(client: Any) -> None:
    assert client.get("/login").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/static/app.css").headers.get("Cache-Control", "")


# --- item 18: one workbook ---------------------------------------------------------------------------

def workbook(client: Any, org_id: int) -> openpyxl.Workbook:
    answer = client.get(f"/o/{org_id}/adoption/export.xlsx")
    assert answer.status_code == 200
    assert answer.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return openpyxl.load_workbook(io.BytesIO(answer.data))


def test_the_workbook_has_every_table_as_a_japanese_sheet(client: Any, company: dict[str, Any]) -> None:
    client.login(company["executive"].email)
    book = workbook(client, company["org"].id)
    assert book.sheetnames == ["概要", "部署", "週次", "利用データと自己申告", "利用データと自己申告（週次）", "月別の削減時間",
                               "業務", "ツール", "妨げ",
                               "コホート", "プロンプト演習",
                               "ユースケース別（部署）", "ユースケース", "投資対効果", "全国調査との比較"]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert all(cell.font.bold for cell in sheet[1] if cell.value is not None), sheet.title


def test_the_workbook_holds_real_dates_numbers_and_formats(client: Any, company: dict[str, Any]) -> None:
    client.login(company["executive"].email)
    book = workbook(client, company["org"].id)
    summary = {row[0].value: row[1] for row in book["概要"].iter_rows(min_row=2)}
    assert summary["企業"].value == "株式会社テスト精工"
    assert isinstance(summary["期間（開始）"].value, datetime)  # Excel dates come back as datetimes
    assert summary["期間（終了）"].value.date() == THIS_WEEK - timedelta(days=1)
    weekly = list(book["週次"].iter_rows(min_row=2))
    assert isinstance(weekly[-1][0].value, datetime) and weekly[-1][0].number_format == "yyyy/mm/dd"
    assert weekly[-1][1].value == pytest.approx(1.0) and weekly[-1][1].number_format == "0.0%"
    months = list(book["月別の削減時間"].iter_rows(min_row=2))
    assert isinstance(months[-1][0].value, datetime) and months[-1][0].number_format == "yyyy/mm"
    departments = {row[0].value: row for row in book["部署"].iter_rows(min_row=2)}
    sales = departments["営業部"]
    assert sales[1].value == 6 and isinstance(sales[1].value, int)
    assert isinstance(sales[5].value, float) and sales[5].number_format == "#,##0.0"
    money = {row[0].value: row[1] for row in book["投資対効果"].iter_rows(min_row=2)}
    assert money["研修費（円）"].value == 300_000 and "¥" in money["研修費（円）"].number_format
    assert isinstance(money["月あたりの効果・調整後（円）"].value, int)


def test_column_widths_count_japanese_characters_double(client: Any, company: dict[str, Any]) -> None:
    client.login(company["executive"].email)
    sheet = workbook(client, company["org"].id)["部署"]
    header = sheet["A1"].value
    assert sheet.column_dimensions["A"].width >= 2 * len(header)
    assert sheet.column_dimensions["F"].width >= 2 * len(sheet["F1"].value)


def test_the_workbook_follows_the_users_language(client: Any, company: dict[str, Any]) -> None:
    company["executive"].locale = "en"
    db.session.commit()
    client.login(company["executive"].email)
    book = workbook(client, company["org"].id)
    assert book.sheetnames[:3] == ["Summary", "Departments", "Weekly"]


def test_the_old_per_table_xlsx_address_leads_to_the_workbook(client: Any, company: dict[str, Any]) -> None:
    client.login(company["executive"].email)
    answer = client.get(f"/o/{company['org'].id}/adoption/export/departments.xlsx")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/adoption/export.xlsx")


# --- item 9: the executive's home ---------------------------------------------------------------

def test_the_executive_home_shows_stage_shares_next_step_and_the_dashboard(client: Any, company: dict[str, Any]) -> None:
    client.login(company["executive"].email)
    page = client.get(f"/o/{company['org'].id}/executive").get_data(as_text=True)
    assert 'data-testid="home-stage"' in page and "従業員が個人的に使用している段階" in page
    assert re.search(r'data-testid="home-active">100%<', page)
    assert re.search(r'data-testid="home-habitual">100%<', page)
    assert 'data-testid="home-next"' in page
    assert f'href="/o/{company["org"].id}/adoption/"' in page
    assert "最初の研修が始まると" not in page


def test_the_executive_home_of_a_new_company_says_figures_come_later(client: Any, create_org: Any,
                                                                    create_user: Any) -> None:
    org = create_org()
    executive = create_user(org, roles=(Role.EXECUTIVE,))
    client.login(executive.email)
    page = client.get(f"/o/{org.id}/executive").get_data(as_text=True)
    assert 'data-testid="home-empty"' in page and 'data-testid="home-stage"' not in page
    assert f'href="/o/{org.id}/adoption/"' in page


def test_a_trainer_on_the_executive_home_gets_no_dashboard_link(client: Any, company: dict[str, Any]) -> None:
    client.login(company["trainer"].email)
    page = client.get(f"/o/{company['org'].id}/executive").get_data(as_text=True)
    assert 'data-testid="home-stage"' in page and 'data-testid="dashboard-link"' not in page


# --- item 10: the privacy threshold -------------------------------------------------------------

def test_employees_are_told_the_companys_real_threshold(client: Any, company: dict[str, Any]) -> None:
    org_id = company["org"].id
    service.settings_for(org_id).min_group = 8
    db.session.commit()
    client.login(company["people"][0].email)
    for path in (f"/o/{org_id}/checkin/", f"/o/{org_id}/checkin/history"):
        page = client.get(path).get_data(as_text=True)
        assert "8人以上" in page and "5人以上" not in page, path


@pytest.mark.parametrize("value", ["2", "1", "0"])
def test_the_threshold_setting_refuses_values_under_3_with_a_reason(client: Any, company: dict[str, Any],
                                                                    value: str) -> None:
    org_id = company["org"].id
    client.login(company["executive"].email)
    page_url = f"/o/{org_id}/adoption/settings"
    form = client.get(page_url).get_data(as_text=True)
    data = dict(re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', form))
    data.pop("csrf_token", None)
    data = {k: v for k, v in data.items() if k not in ("approved_tool", "ai_policy", "training_for_all", "checkin_reminder")}
    data["min_group"] = value
    answer = client.submit(page_url, data)
    assert answer.status_code == 422
    assert "3人未満" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert service.settings_for(org_id).min_group == 5
