"""In Chromium: a trainer ticks session attendance on a phone, then opens the printable training-hours record."""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from lms.accounts.models import TrainerAssignment
from lms.accounts.roles import Role
from lms.cohorts import service
from lms.cohorts.models import SessionAttendance
from lms.core import clock
from lms.extensions import db
from tests.browser import shot, sign_in

pytestmark = pytest.mark.browser
TOKYO = ZoneInfo("Asia/Tokyo")


def test_a_trainer_ticks_attendance_and_opens_the_printable_record(
    app: Any, page: Any, phone: Any, server: Any, create_org: Any, create_user: Any, sync_course: Any,
) -> None:
    course = sync_course()  # one week: a 5-minute reading and a 5-minute quiz
    org = create_org(name="株式会社みなと精工")
    kato = create_user(org, email="kato@minato.example", name="加藤 一郎")
    sato = create_user(org, email="sato@minato.example", name="佐藤 花子")
    trainer = create_user(None, roles=(Role.TRAINER,), email="trainer@provider.example", name="講師 山本")
    db.session.add(TrainerAssignment(org_id=org.id, trainer_id=trainer.id))
    db.session.commit()
    start = clock.today() - timedelta(days=10)  # its one session (the start's weekday, 10:00) is over
    cohort = service.create_cohort(org, service.CohortDraft(
        name="2027年1月期 全社AI研修", course_ids=[course.id], start_date=start, session_weekday=start.weekday(),
        session_time=time(10), session_minutes=90, member_ids=[kato.id, sato.id], trainer_ids=[trainer.id],
    ), now=datetime.combine(start, time(8), tzinfo=TOKYO).astimezone(timezone.utc))
    db.session.commit()
    base = f"{server.url}/o/{org.id}/cohorts/{cohort.id}"

    # --- on a phone: from the cohort page to the sheet; tick one person, the session ran 45 minutes -----
    sign_in(phone, server.url, "trainer@provider.example")
    phone.wait_for_url(re.compile(r".*/trainer$"))
    phone.goto(base + "/")
    phone.get_by_test_id("attendance-link").click()
    phone.wait_for_url(base + "/attendance")
    boxes = phone.locator("input[name=present]")
    assert boxes.count() == 2
    kato_box = phone.locator(f"input[name=present][value='{start.isoformat()}:{kato.id}']")
    kato_box.scroll_into_view_if_needed()
    kato_box.check()
    minutes = phone.locator(f"input[name='minutes-{start.isoformat()}']")
    assert minutes.input_value() == "90"
    minutes.fill("45")
    phone.get_by_test_id("save-attendance").click()
    phone.wait_for_url(base + "/attendance")
    assert phone.locator(".flash-info").is_visible()
    assert kato_box.is_checked() and not phone.locator(f"input[value='{start.isoformat()}:{sato.id}']").is_checked()
    assert minutes.input_value() == "45"
    shot(phone, "attendance-phone")
    assert db.session.execute(sa.select(SessionAttendance.user_id, SessionAttendance.minutes)).all() == [(kato.id, 45)]

    # --- on a desktop: the record, on screen and as printed ------------------------------------------
    sign_in(page, server.url, "trainer@provider.example")
    page.wait_for_url(re.compile(r".*/trainer$"))
    page.goto(base + "/")
    page.get_by_test_id("hours-link").click()
    page.wait_for_url(base + "/hours")
    rows = page.get_by_test_id("hours-row")
    assert rows.count() == 2
    kato_row = page.locator(f"[data-testid=hours-row][data-user='{kato.id}']")
    assert kato_row.get_attribute("data-total") == "45"
    assert kato_row.get_by_test_id("total").inner_text() == "0時間45分"
    assert kato_row.get_by_test_id("verdict").inner_text() == "あと9時間15分"
    assert "申請書そのものではありません" in page.get_by_test_id("hours-notice").inner_text()
    assert page.get_by_test_id("hours-xlsx").is_visible()
    page.emulate_media(media="print")
    assert not page.get_by_test_id("hours-xlsx").is_visible()
    assert not page.locator(".site-header").is_visible()
    assert page.get_by_test_id("hours-notice").is_visible() and kato_row.is_visible()
    shot(page, "hours-print")
    assert page.csp_violations == []
