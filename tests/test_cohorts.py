"""Cohorts: the calendar rules, creation with every kind of bad input, pages, nudges, feeds, unsubscribe."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
import sqlalchemy as sa

from lms.accounts.models import TrainerAssignment, User
from lms.accounts.roles import Role
from lms.cohorts import queries, service
from lms.cohorts.models import Cohort, CohortMember, ModuleOpening
from lms.cohorts.schedule import CohortCalendar, due_weeks, is_behind, module_opens_on, reminder_moment
from lms.courses.models import Course, CourseModule
from lms.extensions import db
from lms.learning.service import mark_complete
from lms.orgs.models import Department
from lms.courses.sync import Author, load_sources, sync_course as sync_one
from lms.core import clock
from tests.conftest import count, drain_outbox, smtp_config
from tests.coursetree import write_weekly_course

TOKYO = ZoneInfo("Asia/Tokyo")


# --- the calendar as plain functions ---------------------------------------------------------


def calendar(start: date = date(2027, 1, 4), weekday: int = 2, weeks: int = 6) -> CohortCalendar:
    return CohortCalendar(start, weekday, time(10, 30), 90, weeks, TOKYO)


def test_weeks_count_from_the_start_date() -> None:
    c = calendar()
    assert [c.week_of(date(2027, 1, d)) for d in (3, 4, 10, 11)] == [0, 1, 1, 2]
    assert c.ends_on() == date(2027, 2, 14) and c.is_finished(date(2027, 2, 15)) and not c.is_finished(date(2027, 2, 14))


def test_sessions_fall_on_the_weekday_in_tokyo_time_even_when_the_start_is_mid_week() -> None:
    c = calendar(start=date(2027, 1, 7), weekday=1)  # starts on a Thursday, sessions on Tuesdays
    week, start, end = c.sessions()[0]
    assert (week, start.isoformat(), end - start) == (1, "2027-01-12T10:30:00+09:00", timedelta(minutes=90))
    assert start.astimezone(timezone.utc).hour == 1
    assert c.next_session(datetime(2027, 1, 12, 11, 59, tzinfo=TOKYO)) == (1, start)  # still running
    assert c.next_session(datetime(2027, 1, 12, 12, 1, tzinfo=TOKYO))[0] == 2  # type: ignore[index]


def test_modules_open_on_their_week_and_late_weeks_open_in_the_last_week() -> None:
    c = calendar(weeks=3)
    assert [module_opens_on(c, w) for w in (1, 2, 3, 9)] == [date(2027, 1, 4), date(2027, 1, 11), date(2027, 1, 18), date(2027, 1, 18)]


def test_pace_counts_only_weeks_from_joining_to_last_week() -> None:
    assert list(due_weeks(current_week=4, joined_week=1)) == [1, 2, 3]
    assert list(due_weeks(current_week=4, joined_week=4)) == []
    assert is_behind({1: True, 2: False}, current_week=3, joined_week=1)
    assert not is_behind({1: False, 2: True}, current_week=3, joined_week=2)


def test_reminder_moment_is_this_weeks_day_and_hour_in_tokyo() -> None:
    moment = reminder_moment(date(2027, 1, 8), weekday=3, hour=9, zone=TOKYO)  # Friday; reminders on Thursday
    assert moment == datetime(2027, 1, 7, 0, 0, tzinfo=timezone.utc)


# --- creating cohorts ------------------------------------------------------------------------


@pytest.fixture
def company(app: Any, create_org: Any, create_user: Any, tmp_path: Any) -> dict[str, Any]:
    org = create_org(name="株式会社みなと精工", industry="manufacturing")
    sales, plant = Department(org_id=org.id, name="営業部"), Department(org_id=org.id, name="製造部")
    db.session.add_all([sales, plant])
    db.session.commit()
    people = [create_user(org, department_id=d.id, email=f"p{i}@minato.example") for i, d in enumerate([sales, sales, plant])]
    trainer = create_user(None, roles=(Role.TRAINER,), email="trainer@provider.example")
    other_trainer = create_user(None, roles=(Role.TRAINER,), email="other@provider.example")
    db.session.add(TrainerAssignment(org_id=org.id, trainer_id=trainer.id))
    admin = create_user(org, roles=(Role.ORG_ADMIN,), email="admin@minato.example")
    db.session.commit()
    (source,) = load_sources([write_weekly_course(tmp_path / "weekly", weeks=3)])
    sync_one(source, author=Author(None, "test"))
    db.session.commit()
    course = db.session.scalar(sa.select(Course).where(Course.slug == "kiso"))
    return {"org": org, "sales": sales, "plant": plant, "people": people, "trainer": trainer,
            "other_trainer": other_trainer, "course": course, "admin": admin}


def draft(company: dict[str, Any], **changes: Any) -> service.CohortDraft:
    values: dict[str, Any] = dict(
        name="2027年1月期 全社AI研修", course_ids=[company["course"].id], start_date=clock.today(),
        session_weekday=2, session_time=time(10), department_ids=[company["sales"].id],
        trainer_ids=[company["trainer"].id],
    )
    values.update(changes)
    return service.CohortDraft(**values)


def test_a_cohort_from_a_department_takes_its_employees(company: dict[str, Any]) -> None:
    cohort = service.create_cohort(company["org"], draft(company))
    db.session.commit()
    members = set(db.session.scalars(sa.select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id)))
    assert members == {company["people"][0].id, company["people"][1].id}
    assert cohort.weeks == 3 and [t.trainer_id for t in cohort.trainers] == [company["trainer"].id]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"start_date": date(2020, 1, 6)}, "start_date", "過去"),
        ({"course_ids": []}, "course_ids", "コース"),
        ({"name": "  "}, "name", "コホート名"),
        ({"department_ids": [], "member_ids": []}, "member_ids", "受講者"),
        ({"session_minutes": 5}, "session_minutes", "15分"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(company: dict[str, Any], changes: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(service.CohortInvalid) as invalid:
        service.create_cohort(company["org"], draft(company, **changes))
    db.session.rollback()
    assert message in invalid.value.errors[field]
    assert count(Cohort) == 0 and count(CohortMember) == 0


def test_people_departments_courses_and_trainers_of_others_are_refused(
    company: dict[str, Any], create_org: Any, create_user: Any, sync_course: Any
) -> None:
    other = create_org(name="山川建設株式会社", industry="construction")
    stranger = create_user(other, email="stranger@yamakawa.example")
    their_dept = Department(org_id=other.id, name="工務部")
    db.session.add(their_dept)
    db.session.commit()
    construction_only = sync_course(slug="kensetsu", industries="[construction]")
    cases = {
        "member_ids": {"member_ids": [stranger.id]},
        "department_ids": {"department_ids": [their_dept.id]},
        "course_ids": {"course_ids": [construction_only.id]},
        "trainer_ids": {"trainer_ids": [company["other_trainer"].id]},
    }
    for field, changes in cases.items():
        with pytest.raises(service.CohortInvalid) as invalid:
            service.create_cohort(company["org"], draft(company, **changes))
        db.session.rollback()
        assert field in invalid.value.errors, (field, invalid.value.errors)
    assert count(Cohort) == 0


def test_overlapping_sessions_with_a_shared_member_are_refused_and_name_the_other_cohort(company: dict[str, Any]) -> None:
    service.create_cohort(company["org"], draft(company))
    db.session.commit()
    with pytest.raises(service.CohortInvalid) as invalid:
        service.create_cohort(company["org"], draft(company, name="製造部 追加研修", session_time=time(10, 30)))
    assert "2027年1月期 全社AI研修" in invalid.value.errors["session_time"]
    db.session.rollback()
    # Another hour the same day is fine.
    service.create_cohort(company["org"], draft(company, name="製造部 追加研修", session_time=time(14)))
    assert count(Cohort) == 2


def test_the_new_cohort_form_shows_errors_and_keeps_nothing(client: Any, company: dict[str, Any]) -> None:
    client.login("trainer@provider.example")
    url = f"/o/{company['org'].id}/cohorts/new"
    response = client.submit(url, {
        "name": "2027年1月期", "course_ids": [company["course"].id], "start_date": "2020-01-06",
        "session_weekday": "2", "session_time": "10:00", "session_minutes": "60",
        "member_ids": [company["people"][2].id],
    }, page=url)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "開始日が過去の日付です" in page
    assert count(Cohort) == 0

    response = client.submit(url, {
        "name": "2027年1月期", "course_ids": [company["course"].id], "start_date": clock.today().isoformat(),
        "session_weekday": "2", "session_time": "10:00", "session_minutes": "60",
        "member_ids": [company["people"][2].id], "trainer_ids": [company["trainer"].id],
    }, page=url)
    assert response.status_code == 302
    cohort = db.session.scalar(sa.select(Cohort))
    follow_up = client.get(f"/o/{company['org'].id}/cohorts/{cohort.id}/").get_data(as_text=True)
    assert "2027年1月期" in follow_up and company["people"][2].display_name in follow_up


def test_employees_cannot_manage_cohorts(client: Any, company: dict[str, Any]) -> None:
    client.login("p0@minato.example")
    assert client.get(f"/o/{company['org'].id}/cohorts/").status_code == 403


# --- weekly release, late joiners, follow-up and nudges -----------------------------------------


@pytest.fixture
def running(company: dict[str, Any]) -> dict[str, Any]:
    """A cohort that started 8 days ago (created then), in its second week."""
    eight_days_ago = datetime.now(timezone.utc) - timedelta(days=8)
    start = clock.today(eight_days_ago)
    cohort = service.create_cohort(company["org"], draft(company, start_date=start), now=eight_days_ago)
    db.session.commit()
    return {**company, "cohort": cohort}


def test_a_module_of_a_later_week_is_locked_until_a_trainer_opens_it(client: Any, running: dict[str, Any], tmp_path: Any) -> None:
    cohort = running["cohort"]
    module = db.session.scalar(sa.select(CourseModule).where(CourseModule.week == 3))
    lesson = module.lessons[0]
    client.login("p0@minato.example")
    url = f"/o/{running['org'].id}/learn/{lesson.course.slug}/{module.slug}/{lesson.slug}"
    page = client.get(url).get_data(as_text=True)
    assert 'data-testid="locked"' in page
    assert client.submit(url + "/complete", {}, page=f"/o/{running['org'].id}/").status_code == 403

    service.open_module_early(cohort, module, running["trainer"])
    db.session.commit()
    assert 'data-testid="locked"' not in client.get(url).get_data(as_text=True)
    assert count(ModuleOpening) == 1


def test_people_outside_any_cohort_learn_at_their_own_pace(client: Any, running: dict[str, Any]) -> None:
    lesson = db.session.scalar(sa.select(CourseModule).where(CourseModule.week == 3)).lessons[0]
    client.login("p2@minato.example")  # 製造部: not in the cohort
    url = f"/o/{running['org'].id}/learn/{lesson.course.slug}/{lesson.module.slug}/{lesson.slug}"
    assert 'data-testid="locked"' not in client.get(url).get_data(as_text=True)


def test_follow_up_marks_who_is_behind_and_a_late_joiner_is_not(running: dict[str, Any]) -> None:
    cohort, (done, idle, late) = running["cohort"], running["people"]
    mark_complete(done, db.session.scalar(sa.select(CourseModule).where(CourseModule.week == 1)).lessons[0])
    service.add_members(cohort, {late.id})
    db.session.commit()
    report = queries.follow_up(cohort)
    assert report.week == 2
    by_user = {r.user.id: r for r in report.rows}
    assert not by_user[done.id].behind and by_user[idle.id].behind
    assert by_user[late.id].joined_week == 2 and not by_user[late.id].behind


def test_the_employee_home_shows_this_week_overdue_and_the_next_session(client: Any, running: dict[str, Any]) -> None:
    client.login("p1@minato.example")
    page = client.get(f"/o/{running['org'].id}/").get_data(as_text=True)
    assert 'data-testid="my-cohort"' in page and "2027年1月期 全社AI研修" in page
    assert 'data-testid="overdue"' in page  # week 1 is over and nothing is done
    assert "次回のセッション" in page


@pytest.fixture
def app_config(smtp_inbox: Any) -> dict[str, Any]:
    return smtp_config(smtp_inbox)


def test_a_nudge_is_previewed_then_sent_to_exactly_the_people_behind(client: Any, running: dict[str, Any], smtp_inbox: Any) -> None:
    cohort, (done, idle, _) = running["cohort"], running["people"]
    mark_complete(done, db.session.scalar(sa.select(CourseModule).where(CourseModule.week == 1)).lessons[0])
    db.session.commit()
    client.login("trainer@provider.example")
    url = f"/o/{running['org'].id}/cohorts/{cohort.id}/nudge"
    preview = client.submit(url, {"note": "金曜までに第1週をお願いします"}, page=url).get_data(as_text=True)
    assert "金曜までに第1週をお願いします" in preview and idle.display_name in preview
    assert smtp_inbox.messages == []
    client.submit(url, {"note": "金曜までに第1週をお願いします", "send": "1"}, page=url)
    drain_outbox()
    assert [m["To"] for m in smtp_inbox.messages] == [idle.email]
    assert "金曜までに第1週をお願いします" in smtp_inbox.messages[0].get_body(("plain",)).get_content()


# --- calendar feed and unsubscribe ---------------------------------------------------------------


def test_the_calendar_feed_is_valid_icalendar_behind_a_revocable_secret(client: Any, running: dict[str, Any]) -> None:
    client.login("p0@minato.example")
    page = client.submit("/account/calendar", {}, page="/account/notifications").get_data(as_text=True)
    url = re.search(r'data-testid="feed-url"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*data-testid="feed-url"', page)
    assert url is not None
    feed_url = next(g for g in url.groups() if g)
    path = feed_url.split("://", 1)[1].split("/", 1)[1]
    anonymous = running["org"] and client.application.test_client()
    response = anonymous.get("/" + path)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    parsed = icalendar.Calendar.from_ical(response.data)
    events = [e for e in parsed.walk("VEVENT")]
    sessions = [e for e in events if "session" in str(e["UID"])]
    assert len(sessions) == running["cohort"].weeks
    start = sessions[0].decoded("DTSTART")
    assert start.astimezone(TOKYO).time() == time(10) and start.astimezone(TOKYO).weekday() == 2
    assert all(e.get("DTSTAMP") for e in events) and len({str(e["UID"]) for e in events}) == len(events)

    client.submit("/account/calendar", {"revoke": "1"}, page="/account/notifications")
    assert anonymous.get("/" + path).status_code == 404
    assert anonymous.get("/calendar/not-a-token.ics").status_code == 404


def test_one_click_unsubscribe_turns_off_only_that_mail(client: Any, running: dict[str, Any]) -> None:
    from lms.mail.links import unsubscribe_url

    person = running["people"][0]
    link = unsubscribe_url(person, "reminder")
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    anonymous = client.application.test_client()
    assert anonymous.get(path).status_code == 200
    assert db.session.get(User, person.id).notify_reminder  # a GET (a mail scanner) changes nothing
    assert anonymous.post(path).status_code == 200  # RFC 8058: no session, no CSRF token
    db.session.expire_all()
    refreshed = db.session.get(User, person.id)
    assert not refreshed.notify_reminder and refreshed.notify_module_open
    assert anonymous.post(path.replace("/unsubscribe/", "/unsubscribe/x")).status_code == 404


def test_a_finished_cohort_keeps_a_member_who_left_with_their_record(client: Any, running: dict[str, Any]) -> None:
    cohort, leaver = running["cohort"], running["people"][0]
    mark_complete(leaver, db.session.scalar(sa.select(CourseModule).where(CourseModule.week == 1)).lessons[0])
    leaver.is_active = False
    db.session.commit()
    later = datetime.now(timezone.utc) + timedelta(weeks=4)
    report = queries.follow_up(cohort, now=later)
    row = next(r for r in report.rows if r.user.id == leaver.id)
    assert row.states[report.modules[0][1].id] == queries.DONE
    client.login("trainer@provider.example")
    page = client.get(f"/o/{running['org'].id}/cohorts/{cohort.id}/").get_data(as_text=True)
    assert leaver.display_name in page and "（退職）" in page
