"""The issue's "done when", in Chromium on a phone: an employee finds ｼﾌﾄ cases by search, picks one, tries its
template, reports two weeks later (a controlled clock); the trainer sees the cohort's choice; the executive sees the
case counted for the department, without the person's name or words."""
from __future__ import annotations

from datetime import time
from typing import Any

import pytest
import sqlalchemy as sa

from lms.accounts.models import TrainerAssignment
from lms.accounts.roles import Role
from lms.adoption import service as adoption_service
from lms.cohorts import service as cohort_service
from lms.core import clock
from lms.extensions import db
from lms.orgs.models import Department
from lms.usecases.models import UsecaseTrial
from tests import trialfactory
from tests.browser import accessible_context, assert_accessible, open_menu, shot, sign_in
from tests.usecaseworld import PLAIN, Clock, case_text, load_cases

pytestmark = pytest.mark.browser
PHONE = dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
PROMPT = ("あなたは食品スーパーの店舗のシフト作成を手伝うアシスタントです。次の条件で来月のシフト表の下書きを、"
          "表形式で作成してください。スタッフA〜Fの希望休：A 5日、B 12日。時間帯ごとの必要人数：朝2人、夕方3人。")


def _no_sideways_scroll(page: Any) -> None:
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{page.url} scrolls sideways on a phone: {width}px in {inner}px"


def test_an_employee_picks_tries_and_reports_a_case_and_the_trainer_sees_it(
    browser: Any, server: Any, monkeypatch: Any, create_org: Any, create_user: Any, sync_course: Any
) -> None:
    org = create_org(name="株式会社みなと商店", industry="retail")
    course = sync_course()
    store = Department(org_id=org.id, name="店舗")
    db.session.add(store)
    db.session.flush()
    hana = create_user(org, roles=(Role.EMPLOYEE,), email="hana@minato.example", name="佐藤 花子",
                       department_id=store.id)
    colleagues = [create_user(org, roles=(Role.EMPLOYEE,), name=f"店舗 同僚{n}", department_id=store.id)
                  for n in (1, 2)]
    boss = create_user(org, roles=(Role.EXECUTIVE,), email="boss@minato.example", name="社長 みなと")
    trainer = create_user(None, roles=(Role.TRAINER,), email="trainer@provider.example", name="講師 山本")
    db.session.add(TrainerAssignment(org_id=org.id, trainer_id=trainer.id))
    cohort = cohort_service.create_cohort(org, cohort_service.CohortDraft(
        name="2027年1月期", course_ids=[course.id], start_date=clock.today(), session_weekday=2, session_time=time(10),
        member_ids=[hana.id], trainer_ids=[trainer.id],
    ))
    load_cases(shift_shitagaki=PLAIN,
               anzen=case_text("安全日誌を下書きする", industries="[construction]", departments="[施工]"))
    adoption_service.settings_for(org.id).min_group = 3  # the smallest group the settings page allows
    for colleague in colleagues:  # two colleagues of the same department adopted it before: three reach the threshold
        trialfactory.trial(colleague, "shift-shitagaki", outcome=UsecaseTrial.ADOPTED, minutes_before=60,
                           minutes_after=30, commit=False)
    db.session.commit()
    base = f"{server.url}/o/{org.id}"

    context = accessible_context(browser, **PHONE)
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda msg: "Content Security Policy" in msg.text and violations.append(msg.text))
    sign_in(page, server.url, hana.email)
    page.wait_for_load_state()
    open_menu(page)
    page.get_by_role("navigation").get_by_role("link", name="活用事例").click()
    page.wait_for_url(f"{base}/cases/")
    page.get_by_label("事例を探す").fill("ｼﾌﾄ")  # half-width katakana, as a phone keyboard may give
    page.get_by_role("button", name="検索").click()
    page.wait_for_url(f"{base}/cases/?q=%EF%BD%BC%EF%BE%8C%EF%BE%84")
    # A title match ranks first (the other fixture case shares the shift template, so its body matches too).
    assert page.locator(".cards .card h2").all_inner_texts()[0] == "シフト表の下書きを作る"
    page.locator(".cards").get_by_role("link", name="シフト表の下書きを作る").click()
    page.wait_for_url(f"{base}/cases/shift-shitagaki")

    card = page.get_by_test_id("trial-card")
    card.get_by_label("この仕事を今どのように行っていますか").fill("毎月、手書きの希望表からExcelに手入力しています")
    card.get_by_label("この仕事に今かかっている時間（週あたりの分）").fill("90")
    assert_accessible(page)
    _no_sideways_scroll(page)
    shot(page, "usecase-pick-phone")
    card.get_by_role("button", name="この事例を試す").click()
    page.wait_for_url(f"{base}/cases/shift-shitagaki/try")
    assert "あなたは【業種】の店舗" in page.get_by_label("あなたのプロンプト").input_value()

    page.get_by_label("あなたのプロンプト").fill(PROMPT)
    page.get_by_test_id("send-prompt").click()
    page.get_by_test_id("prompt-clean").wait_for()
    assert_accessible(page)
    _no_sideways_scroll(page)
    shot(page, "usecase-try-phone")

    db.session.expire_all()
    trial = db.session.scalar(sa.select(UsecaseTrial).where(UsecaseTrial.user_id == hana.id))
    assert trial.status == UsecaseTrial.TRYING and trial.minutes_before == 90

    # Two weeks later: the home asks for the report.
    later = Clock(monkeypatch, clock.utcnow())
    later.now = later.days(14)
    page.goto(f"{base}/")
    if "/login" in page.url:  # the session may have run out over the two weeks
        sign_in(page, server.url, hana.email)
        page.wait_for_url(f"{base}/")
    due = page.get_by_test_id("cases-due")
    due.get_by_role("link", name="シフト表の下書きを作る").click()
    page.wait_for_url(f"{base}/cases/shift-shitagaki/report")
    page.get_by_label("そのまま使っている").check()
    page.get_by_label("この仕事に今かかっている時間（週あたりの分）").fill("30")
    assert_accessible(page)
    shot(page, "usecase-report-phone")
    page.get_by_test_id("save-report").click()
    page.wait_for_url(f"{base}/cases/mine")
    mine = page.get_by_test_id("my-case").first
    assert "週90分 → 30分" in mine.inner_text()
    assert_accessible(page)
    _no_sideways_scroll(page)
    shot(page, "usecase-mine-phone")
    assert violations == []
    context.close()

    context = accessible_context(browser, **PHONE)
    page = context.new_page()
    sign_in(page, server.url, trainer.email)
    page.wait_for_load_state()
    page.goto(f"{base}/cohorts/{cohort.id}/")
    page.get_by_test_id("cases-link").click()
    page.wait_for_url(f"{base}/cohorts/{cohort.id}/cases")
    row = page.get_by_test_id("board-row").first
    assert "佐藤 花子" in row.inner_text() and "90 → 30" in row.inner_text() and "そのまま使っている" in row.inner_text()
    assert_accessible(page)
    shot(page, "usecase-board-phone")
    context.close()

    # The executive: the case counted for the department (three people, the company's threshold), names never shown.
    context = accessible_context(browser, **PHONE)
    page = context.new_page()
    sign_in(page, server.url, boss.email)
    page.wait_for_load_state()
    page.goto(f"{base}/adoption/")
    section = page.get_by_test_id("usecases")
    departments = section.get_by_test_id("table-usecase_departments")
    store_row = departments.locator("tr", has_text="店舗").first.inner_text().split()
    assert store_row[:5] == ["店舗", "3", "1", "3", "1"], store_row  # tried by 3, 1 case; adopted by 3, 1 case
    assert "シフト表の下書きを作る" in section.get_by_test_id("table-usecases").inner_text()
    html = page.content()
    assert "佐藤 花子" not in html and "同僚" not in html and "手書きの希望表" not in html
    assert_accessible(page)
    shot(page, "usecase-executive-phone")
    context.close()
