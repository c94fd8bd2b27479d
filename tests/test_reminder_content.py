"""A reminder says what is left for that person: how many lessons, their minutes, and their titles."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa

from lms.cohorts import jobs, service
from lms.courses.models import Lesson
from lms.extensions import db
from lms.learning.service import mark_complete
from lms.transaction import commit
from lms.core import clock
from tests.conftest import drain_outbox, smtp_config
from tests.test_cohorts import company, draft  # noqa: F401 -- fixtures and the draft factory


@pytest.fixture
def app_config(smtp_inbox: Any) -> dict[str, Any]:
    return smtp_config(smtp_inbox)


@pytest.fixture
def third_week(company: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    """A cohort of 営業部 (p0, p1) in its third week: weeks 1 and 2 are due. p0 did week 1, p1 nothing."""
    started = datetime.now(timezone.utc) - timedelta(days=15)
    cohort = service.create_cohort(company["org"], draft(company, start_date=clock.today(started)), now=started)
    lessons = {l.title: l for l in db.session.scalars(sa.select(Lesson))}
    lessons["第2週の読み物"].minutes = 25
    mark_complete(company["people"][0], lessons["第1週の読み物"])
    db.session.commit()
    return {**company, "cohort": cohort}


def _body(message: Any) -> str:
    return message.get_body(("plain",)).get_content()


def test_each_person_is_told_their_own_lessons_and_minutes(client: Any, third_week: dict[str, Any], smtp_inbox: Any) -> None:
    done_week_1, idle = third_week["people"][0], third_week["people"][1]
    client.login("trainer@provider.example")
    url = f"/o/{third_week['org'].id}/cohorts/{third_week['cohort'].id}/nudge"
    page = client.get(url).get_data(as_text=True)
    assert "残り2レッスン・約30分" in page and "残り1レッスン・約25分" in page
    client.submit(url, {"note": "", "send": "1"}, page=url)
    drain_outbox()

    (mine,) = smtp_inbox.to(idle.email)
    body = _body(mine)
    assert "2件がまだ終わっていません" in body and "約30分" in body
    assert "第1週の読み物（5分）" in body and "第2週の読み物（25分）" in body
    assert "10分あれば" not in body and "未完了のレッスンが2件" in mine["Subject"]

    (theirs,) = smtp_inbox.to(done_week_1.email)
    body = _body(theirs)
    assert "1件がまだ終わっていません" in body and "約25分" in body
    assert "第2週の読み物（25分）" in body and "第1週の読み物" not in body
    html = theirs.get_body(("html",)).get_content()
    assert "<li>第2週の読み物（25分）</li>" in html and "第1週の読み物" not in html


def test_the_weekly_job_sends_the_same_per_person_account(third_week: dict[str, Any], smtp_inbox: Any) -> None:
    org = third_week["org"]
    org.reminder_weekday, org.reminder_hour = clock.today().weekday(), 0  # due since midnight today
    db.session.commit()
    assert jobs.send_reminders(datetime.now(timezone.utc)) == 2
    commit()
    drain_outbox()
    bodies = {m["To"]: _body(m) for m in smtp_inbox.messages}
    assert "第1週の読み物（5分）" in bodies["p1@minato.example"] and "約30分" in bodies["p1@minato.example"]
    assert "第1週の読み物" not in bodies["p0@minato.example"] and "約25分" in bodies["p0@minato.example"]
