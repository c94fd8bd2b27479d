"""Session dates on public holidays and 年末年始 are warned about, never refused; the optional meeting URL."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import icalendar
import pytest
import sqlalchemy as sa

from lms.cohorts import service
from lms.cohorts.days_off import day_off, is_year_end
from lms.cohorts.models import Cohort
from lms.extensions import db
from lms.core import clock
from tests.test_cohorts import TOKYO
from tests.test_cohorts import company, draft  # noqa: F401 -- fixtures and the draft factory

JAN_4_2027 = datetime(2027, 1, 3, 15, tzinfo=timezone.utc)  # 2027-01-04 00:00 in Tokyo, a Monday


def _next_dec_30() -> date:
    """The next 30 December after today: a cohort may start then, and its first session is still ahead."""
    today = clock.today()
    this_year = date(today.year, 12, 30)
    return this_year if this_year > today else date(today.year + 1, 12, 30)


# --- the rules, as plain functions ---------------------------------------------------------------


def test_public_holidays_come_from_the_library_with_substitute_holidays_and_names() -> None:
    assert day_off(date(2027, 1, 11)).holiday == "成人の日"  # type: ignore[union-attr]  # second Monday of January
    assert day_off(date(2027, 3, 22)).holiday == "振替休日"  # type: ignore[union-attr]  # equinox on a Sunday
    assert day_off(date(2027, 1, 11), "en").holiday == "Coming of Age Day"  # type: ignore[union-attr]
    assert day_off(date(2027, 1, 12)) is None and day_off(date(2026, 12, 28)) is None


@pytest.mark.parametrize(("day", "year_end"), [
    (date(2026, 12, 28), False), (date(2026, 12, 29), True), (date(2026, 12, 31), True),
    (date(2027, 1, 1), True), (date(2027, 1, 3), True), (date(2027, 1, 4), False),
])
def test_the_new_year_break_runs_from_29_december_to_3_january(day: date, year_end: bool) -> None:
    assert is_year_end(day) is year_end
    assert (day_off(day) is not None and day_off(day).year_end) is year_end  # type: ignore[union-attr]


@pytest.mark.parametrize("url", [
    "https://zoom.us/j/1234567890?pwd=abc", "https://teams.microsoft.com/l/meetup-join/19%3ameeting",
    "https://meet.google.com/abc-defg-hij", "HTTPS://Zoom.us/j/1", "",
])
def test_https_meeting_urls_are_accepted(url: str) -> None:
    assert service.meeting_url_problem(url) is None


@pytest.mark.parametrize("url", [
    "http://zoom.us/j/1", "javascript:alert(1)", "data:text/html,x", "zoom.us/j/1", "https://", "https://localhost/x",
    "https://zoom.us@evil.example/j/1", "https://user:pw@zoom.us/j/1", "https://zoom.us/j/1 2", "https://zoom.us/\x00",
    "https://zoom.us/\u202ej/1", "https://zoom.us/j/\r\n1", 'https://zoom.us/"onmouseover=x', "https://zoom.us:port/",
    "https://zoom.us/" + "a" * 500,
])
def test_other_meeting_urls_are_refused_with_a_reason(url: str) -> None:
    problem = service.meeting_url_problem(url)
    assert problem and "URL" in problem


# --- creation, the trainer's schedule, the employee's card, the feed --------------------------------


def test_a_cohort_on_holidays_is_created_and_its_schedule_marks_them(client: Any, company: dict[str, Any]) -> None:  # noqa: F811
    cohort = service.create_cohort(company["org"], draft(company, start_date=date(2027, 1, 4), session_weekday=0),
                                   now=JAN_4_2027)  # Mondays: 1/11 成人の日
    db.session.commit()
    off = service.sessions_on_days_off(cohort)
    assert [(w, s.date(), why.holiday) for w, s, why in off] == [(2, date(2027, 1, 11), "成人の日")]
    client.login("trainer@provider.example")
    page = client.get(f"/o/{company['org'].id}/cohorts/{cohort.id}/").get_data(as_text=True)
    assert 'data-testid="days-off-warning"' in page
    sessions = re.search(r'data-testid="sessions">(.*?)</ul>', page, re.S).group(1)  # type: ignore[union-attr]
    marked = [li for li in sessions.split("<li>") if 'data-testid="day-off"' in li]
    assert len(marked) == 1 and "成人の日" in marked[0] and "1月11日" in marked[0]


def test_creating_a_cohort_with_a_session_in_the_new_year_break_warns_but_creates_it(client: Any, company: dict[str, Any]) -> None:  # noqa: F811
    start = _next_dec_30()
    client.login("trainer@provider.example")
    url = f"/o/{company['org'].id}/cohorts/new"
    response = client.submit(url, {
        "name": "年末の研修", "course_ids": [company["course"].id], "start_date": start.isoformat(),
        "session_weekday": str(start.weekday()), "session_time": "10:00", "session_minutes": "60",
        "member_ids": [company["people"][0].id], "trainer_ids": [company["trainer"].id],
        "meeting_url": "https://zoom.us/j/1234567890",
    }, page=url, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    cohort = db.session.scalar(sa.select(Cohort))
    assert cohort is not None and cohort.meeting_url == "https://zoom.us/j/1234567890"
    assert "flash-warning" in page and "年末年始" in page
    assert 'data-testid="day-off"' in page


def test_a_bad_meeting_url_keeps_the_cohort_from_being_created_and_names_the_field(client: Any, company: dict[str, Any]) -> None:  # noqa: F811
    client.login("trainer@provider.example")
    url = f"/o/{company['org'].id}/cohorts/new"
    response = client.submit(url, {
        "name": "第1期", "course_ids": [company["course"].id], "start_date": clock.today().isoformat(),
        "session_weekday": "2", "session_time": "10:00", "session_minutes": "60",
        "member_ids": [company["people"][0].id], "meeting_url": "http://zoom.us/j/1",
    }, page=url)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="meeting_url-error"' in page and "https://" in page
    assert db.session.scalar(sa.select(Cohort)) is None


def test_a_trainer_sets_changes_and_clears_the_meeting_url(client: Any, company: dict[str, Any]) -> None:  # noqa: F811
    cohort = service.create_cohort(company["org"], draft(company))
    db.session.commit()
    client.login("trainer@provider.example")
    page = f"/o/{company['org'].id}/cohorts/{cohort.id}/"
    assert client.submit(page + "meeting-url", {"meeting_url": "https://meet.google.com/abc-defg-hij"}, page=page).status_code == 302
    db.session.expire_all()
    assert db.session.get(Cohort, cohort.id).meeting_url == "https://meet.google.com/abc-defg-hij"
    refused = client.submit(page + "meeting-url", {"meeting_url": "javascript:alert(1)"}, page=page)
    assert refused.status_code == 422 and 'id="meeting_url-error"' in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Cohort, cohort.id).meeting_url == "https://meet.google.com/abc-defg-hij"
    client.submit(page + "meeting-url", {"meeting_url": ""}, page=page)
    db.session.expire_all()
    assert db.session.get(Cohort, cohort.id).meeting_url is None


def test_the_home_card_shows_the_meeting_link_and_a_holiday_on_the_next_session(client: Any, company: dict[str, Any]) -> None:  # noqa: F811
    start = _next_dec_30()
    now = datetime.combine(start - timedelta(days=1), time(12), tzinfo=timezone.utc)
    service.create_cohort(company["org"], draft(company, start_date=start, session_weekday=start.weekday(),
                                                meeting_url="https://zoom.us/j/1234567890"), now=now)
    db.session.commit()
    client.login("p0@minato.example")
    page = client.get(f"/o/{company['org'].id}/").get_data(as_text=True)
    card = re.search(r'data-testid="my-cohort">(.*?)</section>', page, re.S).group(1)  # type: ignore[union-attr]
    assert 'data-testid="meeting-link"' in card and 'href="https://zoom.us/j/1234567890"' in card
    assert 'data-testid="day-off"' in card and "年末年始" in card


def test_the_calendar_feed_carries_the_meeting_url_as_url_and_in_the_description(client: Any, company: dict[str, Any]) -> None:  # noqa: F811
    service.create_cohort(company["org"], draft(company, meeting_url="https://zoom.us/j/1234567890"))
    db.session.commit()
    client.login("p0@minato.example")
    page = client.submit("/account/calendar", {}, page="/account/notifications").get_data(as_text=True)
    feed_url = re.search(r'value="(http[^"]+\.ics)"', page).group(1)  # type: ignore[union-attr]
    feed = icalendar.Calendar.from_ical(client.get(feed_url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])).data)
    sessions = [e for e in feed.walk("VEVENT") if "session" in str(e["UID"])]
    assert sessions and all(str(e["URL"]) == "https://zoom.us/j/1234567890" for e in sessions)
    assert all("https://zoom.us/j/1234567890" in str(e["DESCRIPTION"]) for e in sessions)


def test_the_weekly_module_notice_carries_the_meeting_url(company: dict[str, Any]) -> None:  # noqa: F811
    from lms.cohorts.jobs import send_module_open_notices
    from lms.mail.models import EmailMessage

    service.create_cohort(company["org"], draft(company, meeting_url="https://zoom.us/j/1234567890"))
    db.session.commit()
    assert send_module_open_notices() == 2
    bodies = [m.body_text for m in db.session.scalars(sa.select(EmailMessage))]
    assert len(bodies) == 2 and all("オンラインで参加：https://zoom.us/j/1234567890" in b for b in bodies)


def test_the_calendar_feed_notes_a_session_on_a_holiday(client: Any, company: dict[str, Any]) -> None:  # noqa: F811
    service.create_cohort(company["org"], draft(company, start_date=date(2027, 1, 4), session_weekday=0), now=JAN_4_2027)
    db.session.commit()
    client.login("p0@minato.example")
    page = client.submit("/account/calendar", {}, page="/account/notifications").get_data(as_text=True)
    feed_url = re.search(r'value="(http[^"]+\.ics)"', page).group(1)  # type: ignore[union-attr]
    feed = icalendar.Calendar.from_ical(client.get("/" + feed_url.split("://", 1)[1].split("/", 1)[1]).data)
    notes = {e.decoded("DTSTART").astimezone(TOKYO).date(): str(e.get("DESCRIPTION", ""))
             for e in feed.walk("VEVENT") if "session" in str(e["UID"])}
    assert "成人の日" in notes[date(2027, 1, 11)]
    assert not any("成人の日" in text for day, text in notes.items() if day != date(2027, 1, 11))
