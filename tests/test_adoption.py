"""Weekly check-ins, rollups, the executive dashboard, privacy, exports, reminders."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable

import openpyxl
import pytest
import sqlalchemy as sa
from zoneinfo import ZoneInfo

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.adoption import dashboard, service
from lms.adoption.models import UsageCheckin, UsageCheckinRevision, UsageRollup
from lms.adoption.rules import Stage, week_start
from lms.core.clock import utcnow
from lms.extensions import db
from lms.orgs.models import Department, Organization
from tests.conftest import count

# Pages read the real clock, so the tests do too: answers are for this week and the ones before.
NOW = utcnow()
THIS_WEEK = week_start(NOW.astimezone(ZoneInfo("Asia/Tokyo")).date())
LAST_WEEK = THIS_WEEK - timedelta(weeks=1)


@pytest.fixture
def company(create_org: Callable[..., Organization], create_user: Callable[..., User]) -> dict[str, Any]:
    org = create_org()
    sales = Department(org_id=org.id, name="営業部")
    plant = Department(org_id=org.id, name="製造部")
    office = Department(org_id=org.id, name="総務部")
    db.session.add_all([sales, plant, office])
    db.session.commit()
    people = {
        "sales": [create_user(org, department_id=sales.id) for _ in range(6)],
        "plant": [create_user(org, department_id=plant.id) for _ in range(6)],
        "office": [create_user(org, department_id=office.id) for _ in range(2)],
    }
    executive = create_user(org, roles=(Role.EXECUTIVE,))
    return {"org": org, "people": people, "executive": executive, "departments": (sales, plant, office)}


def answer(user: User, week: date, days: int, **fields: Any) -> UsageCheckin:
    draft = service.CheckinDraft(days_used=days, **fields)
    checkin = service.save_checkin(user, week, draft, now=NOW)
    db.session.commit()
    return checkin


def weekly(user: User, weeks: int, days: int = 3) -> None:
    """`weeks` weeks of answers ending last week, written as if each was answered on time."""
    for back in range(weeks, 0, -1):
        week = THIS_WEEK - timedelta(weeks=back)
        answer_at = datetime.combine(week + timedelta(days=4), datetime.min.time(), tzinfo=timezone.utc)
        service.save_checkin(user, week, service.CheckinDraft(days_used=days, minutes_bucket=3), now=answer_at)
    db.session.commit()


def rollup(org: Organization, week: date) -> dict[int, UsageRollup]:
    return {r.department_key: r for r in db.session.scalars(
        sa.select(UsageRollup).where(UsageRollup.org_id == org.id, UsageRollup.week == week))}


# --- writing -----------------------------------------------------------------------------------

def test_an_answer_is_saved_and_rolled_up_in_the_same_transaction(company: dict[str, Any]) -> None:
    sales_person = company["people"]["sales"][0]
    answer(sales_person, THIS_WEEK, 3, minutes_bucket=2, tasks=["quotes", "email"], tools=["ChatGPT"])
    sales = company["departments"][0]
    row = rollup(company["org"], THIS_WEEK)[sales.id]
    assert (row.people, row.responses, row.active, row.regular, row.habitual) == (6, 1, 1, 1, 0)
    assert row.minutes_saved == 22.5


def test_an_edit_keeps_the_earlier_answer_and_replaces_the_figures(company: dict[str, Any]) -> None:
    person = company["people"]["sales"][0]
    answer(person, THIS_WEEK, 1)
    answer(person, THIS_WEEK, 5, comment="見積書で使いました")
    checkin = db.session.scalars(sa.select(UsageCheckin)).one()
    assert (checkin.days_used, checkin.revision) == (5, 2)
    assert [r.days_used for r in db.session.scalars(sa.select(UsageCheckinRevision))] == [1]
    assert rollup(company["org"], THIS_WEEK)[company["departments"][0].id].regular == 1


@pytest.mark.parametrize("week, field", [
    (THIS_WEEK + timedelta(weeks=1), "week"),
    (THIS_WEEK - timedelta(weeks=2), "week"),
])
def test_only_this_week_and_last_week_can_be_answered(company: dict[str, Any], week: date, field: str) -> None:
    with pytest.raises(service.CheckinInvalid) as invalid:
        service.save_checkin(company["people"]["sales"][0], week, service.CheckinDraft(days_used=2), now=NOW)
    assert field in invalid.value.errors
    db.session.rollback()
    assert count(UsageCheckin) == 0


@pytest.mark.parametrize("draft, field", [
    (service.CheckinDraft(days_used=8), "days_used"),
    (service.CheckinDraft(days_used=-1), "days_used"),
    (service.CheckinDraft(days_used=None), "days_used"),
    (service.CheckinDraft(days_used=2, minutes_bucket=6), "minutes_bucket"),
    (service.CheckinDraft(days_used=2, tasks=["hacking"]), "tasks"),
    (service.CheckinDraft(days_used=2, tools=["Unknown AI"]), "tools"),
    (service.CheckinDraft(days_used=2, barriers=["lazy"]), "barriers"),
    (service.CheckinDraft(days_used=2, comment="あ" * 2001), "comment"),
])
def test_bad_answers_name_the_field_and_save_nothing(company: dict[str, Any], draft: Any, field: str) -> None:
    with pytest.raises(service.CheckinInvalid) as invalid:
        service.save_checkin(company["people"]["sales"][0], THIS_WEEK, draft, now=NOW)
    assert list(invalid.value.errors) == [field]
    db.session.rollback()
    assert count(UsageCheckin) == 0 and count(UsageRollup) == 0


def test_an_executive_without_the_employee_role_cannot_answer(company: dict[str, Any]) -> None:
    with pytest.raises(service.CheckinInvalid) as invalid:
        service.save_checkin(company["executive"], THIS_WEEK, service.CheckinDraft(days_used=2), now=NOW)
    assert "user" in invalid.value.errors


def test_zero_days_clears_tasks_tools_and_time(company: dict[str, Any]) -> None:
    checkin = answer(company["people"]["sales"][0], THIS_WEEK, 0, tasks=["email"], tools=["ChatGPT"], minutes_bucket=3,
                     barriers=["security"])
    assert (checkin.tasks, checkin.tools, checkin.minutes_bucket, checkin.barriers) == ([], [], 0, ["security"])


def test_a_late_answer_for_last_week_updates_this_weeks_habit(company: dict[str, Any]) -> None:
    person = company["people"]["sales"][0]
    for back in (4, 3, 2):
        week = THIS_WEEK - timedelta(weeks=back)
        service.save_checkin(person, week, service.CheckinDraft(days_used=2),
                             now=datetime.combine(week, datetime.min.time(), tzinfo=timezone.utc) + timedelta(days=2))
    answer(person, THIS_WEEK, 2)
    sales = company["departments"][0].id
    assert rollup(company["org"], THIS_WEEK)[sales].habitual == 0  # last week is missing
    answer(person, LAST_WEEK, 1)
    assert rollup(company["org"], LAST_WEEK)[sales].habitual == 1
    assert rollup(company["org"], THIS_WEEK)[sales].habitual == 1


# --- the dashboard -----------------------------------------------------------------------------

def test_a_company_with_no_data_has_an_honest_empty_dashboard(company: dict[str, Any]) -> None:
    board = dashboard.build(company["org"], now=NOW)
    assert not board.has_data
    assert board.stage.stage is Stage.NOTHING
    assert board.company.active is None and board.monthly_hours is None and board.training_return is None


def test_the_stage_moves_when_a_department_crosses_the_threshold(company: dict[str, Any]) -> None:
    sales = company["people"]["sales"]
    for person in sales[:2]:
        weekly(person, 4)
    service.settings_for(company["org"].id).approved_tool = True
    db.session.commit()
    assert dashboard.build(company["org"], now=NOW).stage.stage is Stage.PERSONAL
    weekly(sales[2], 4)  # 3 of 6 = 50%
    board = dashboard.build(company["org"], now=NOW)
    assert board.stage.stage is Stage.SOME_DEPARTMENTS
    assert [r.value for r in board.stage.missing] == ["most_departments", "company_habitual", "ai_policy",
                                                       "training_for_all"]


def test_small_departments_show_no_figures_but_count_in_the_company(company: dict[str, Any]) -> None:
    for person in company["people"]["office"] + company["people"]["sales"][:3]:
        weekly(person, 1, days=2)
    board = dashboard.build(company["org"], now=NOW)
    rows = {r.name: r for r in board.departments}
    assert rows["総務部"].people == 2 and rows["総務部"].active is None and rows["総務部"].hours_month is None
    # Shown beside the company row, 営業部 (6) and 製造部 (6) would give 総務部's figure by subtraction
    # (5 of 14 less 3 of 6 less 0 of 6): the first of the smallest shown is hidden too (rules.hidden_groups).
    assert rows["営業部"].people == 6 and rows["営業部"].active is None and rows["営業部"].completion is None
    assert rows["製造部"].active == pytest.approx(0.0)
    assert board.company.active == pytest.approx(5 / 14)


def test_hours_and_value_follow_the_settings(company: dict[str, Any]) -> None:
    for person in company["people"]["sales"] + company["people"]["plant"]:
        weekly(person, 4)  # 45 minutes a week each
    settings = service.settings_for(company["org"].id)
    settings.hourly_cost, settings.realisation_pct, settings.training_fee = 3000, 50, 300_000
    db.session.commit()
    board = dashboard.build(company["org"], now=NOW)
    hours = 12 * 45 * 52 / 12 / 60
    assert board.monthly_hours == pytest.approx(hours)
    assert board.training_return is not None
    assert board.training_return.monthly_value == pytest.approx(hours * 3000 * 0.5)
    assert board.training_return.payback_month == 6  # 300,000 / 58,500 = 5.1


# --- pages and exports -------------------------------------------------------------------------

def test_an_employee_answers_on_the_page_and_sees_their_history(client: Any, company: dict[str, Any]) -> None:
    person = company["people"]["sales"][0]
    org_id = company["org"].id
    client.login(person.email)
    page = client.get(f"/o/{org_id}/checkin/").get_data(as_text=True)
    assert "name=\"days_used\"" in page and "見積書・契約書" in page
    response = client.submit(f"/o/{org_id}/checkin/", {"week": "current", "days_used": "4", "tasks": ["quotes"],
                                                        "minutes_bucket": "2", "comment": "<script>alert(1)</script>"})
    assert response.status_code == 302
    history = client.get(f"/o/{org_id}/checkin/history").get_data(as_text=True)
    assert "見積書・契約書" in history and "<script>alert(1)" not in history
    bad = client.submit(f"/o/{org_id}/checkin/", {"week": "current", "days_used": "9"})
    assert bad.status_code == 422 and "0〜7" in bad.get_data(as_text=True)


def test_the_executive_sees_aggregates_and_never_a_comment(client: Any, company: dict[str, Any]) -> None:
    for person in company["people"]["sales"]:
        weekly(person, 2)
    answer(company["people"]["sales"][0], LAST_WEEK, 3, comment="社長には見せないでください")
    client.login(company["executive"].email)
    page = client.get(f"/o/{company['org'].id}/adoption/").get_data(as_text=True)
    assert "営業部" in page and "<svg" in page and "社長には見せないでください" not in page
    page = page.split('id="main"', 1)[1]  # the header names the viewer (test names share prefixes: 山田 太郎1/15)
    for person in company["people"]["sales"]:
        assert person.display_name not in page


def test_employees_cannot_open_the_dashboard(client: Any, company: dict[str, Any]) -> None:
    client.login(company["people"]["sales"][0].email)
    assert client.get(f"/o/{company['org'].id}/adoption/").status_code == 403


def test_exports_are_formula_safe_csv_with_bom_and_real_xlsx(client: Any, company: dict[str, Any]) -> None:
    org = company["org"]
    db.session.add(Department(org_id=org.id, name="=HYPERLINK(\"http://evil\")"))
    db.session.commit()
    for person in company["people"]["sales"]:
        weekly(person, 1)
    client.login(company["executive"].email)
    raw = client.get(f"/o/{org.id}/adoption/export/departments.csv").data
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][0] == "部署" and any(r[0] == "営業部" for r in rows)
    xlsx = client.get(f"/o/{org.id}/adoption/export/departments.xlsx", follow_redirects=True)
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data))["部署"]
    values = [row for row in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "部署" and any(v[0] == "営業部" for v in values)
    assert client.get(f"/o/{org.id}/adoption/export/secrets.csv").status_code == 404


# --- cohorts: reminders, follow-ups, comments --------------------------------------------------

@pytest.fixture
def cohort(company: dict[str, Any], create_user: Callable[..., User], tmp_path: Any) -> dict[str, Any]:
    """A 3-week cohort of the sales department that started a week ago, with its trainer."""
    from lms.accounts.models import TrainerAssignment
    from lms.cohorts import service as cohorts
    from lms.courses.models import Course
    from lms.courses.sync import Author, load_sources, sync_course
    from tests.coursetree import write_weekly_course

    (source,) = load_sources([write_weekly_course(tmp_path / "weekly", weeks=3)])
    sync_course(source, author=Author(None, "test"))
    trainer = create_user(None, roles=(Role.TRAINER,))
    db.session.add(TrainerAssignment(org_id=company["org"].id, trainer_id=trainer.id))
    db.session.commit()
    course = db.session.scalar(sa.select(Course).where(Course.slug == "kiso"))
    week_ago = utcnow() - timedelta(days=7)
    created = cohorts.create_cohort(company["org"], cohorts.CohortDraft(
        name="2026年11月期", course_ids=[course.id], start_date=cohorts.today(week_ago), session_weekday=2,
        session_time=datetime.min.time().replace(hour=10), department_ids=[company["departments"][0].id],
        trainer_ids=[trainer.id],
    ), now=week_ago)
    db.session.commit()
    return {**company, "cohort": created, "trainer": trainer}


def test_checkin_reminders_reach_members_who_have_not_answered_once_a_week(cohort: dict[str, Any]) -> None:
    from lms.adoption.jobs import send_checkin_reminders
    from lms.mail.models import EmailMessage

    sales = cohort["people"]["sales"]
    answer(sales[0], THIS_WEEK, 2)
    friday_evening = datetime.combine(THIS_WEEK + timedelta(days=4), datetime.min.time(), tzinfo=timezone.utc) \
        + timedelta(hours=9)  # 18:00 in Tokyo
    thursday = friday_evening - timedelta(days=1)
    assert send_checkin_reminders(thursday) == 0
    assert send_checkin_reminders(friday_evening) == 5
    db.session.commit()
    assert send_checkin_reminders(friday_evening + timedelta(hours=1)) == 0
    recipients = set(db.session.scalars(sa.select(EmailMessage.to_address).where(EmailMessage.kind == "checkin")))
    assert recipients == {p.email for p in sales[1:]}
    body = db.session.scalars(sa.select(EmailMessage.body_text)).first()
    assert f"/o/{cohort['org'].id}/checkin/" in body


def test_follow_up_weeks_are_counted_from_the_end_of_the_cohort(cohort: dict[str, Any]) -> None:
    from lms.adoption.jobs import asked_cohorts
    from lms.cohorts import service as cohorts

    ends = cohorts.calendar_of(cohort["cohort"]).ends_on()
    end_week = week_start(ends)
    noon = timedelta(hours=3)
    at = lambda day: datetime.combine(day, datetime.min.time(), tzinfo=timezone.utc) + noon  # noqa: E731
    assert asked_cohorts(at(ends))[cohort["cohort"].id][1] is None
    assert cohort["cohort"].id not in asked_cohorts(at(end_week + timedelta(weeks=3)))
    for after in (4, 8, 12):
        assert asked_cohorts(at(end_week + timedelta(weeks=after, days=2)))[cohort["cohort"].id][1] == after
    assert cohort["cohort"].id not in asked_cohorts(at(end_week + timedelta(weeks=13)))


def test_comments_reach_the_cohorts_trainer_and_no_one_else(client: Any, cohort: dict[str, Any],
                                                             create_user: Callable[..., User]) -> None:
    answer(cohort["people"]["sales"][0], THIS_WEEK, 2, comment="議事録の要約が便利でした")
    answer(cohort["people"]["plant"][0], THIS_WEEK, 2, comment="製造部の感想")  # not in the cohort
    org_id = cohort["org"].id
    client.login(cohort["trainer"].email)
    page = client.get(f"/o/{org_id}/adoption/comments").get_data(as_text=True)
    assert "議事録の要約が便利でした" in page and "製造部の感想" not in page
    client.logout()
    client.login(cohort["executive"].email)
    assert client.get(f"/o/{org_id}/adoption/comments").status_code == 403


@pytest.mark.real_commits
def test_two_submissions_at_once_leave_one_answer_and_consistent_rollups(app: Any, company: dict[str, Any]) -> None:
    import threading

    person_id = company["people"]["sales"][0].id
    org_id = company["org"].id
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def submit(days: int) -> None:
        with app.app_context():
            try:
                user = db.session.get(User, person_id)
                barrier.wait()
                service.save_checkin(user, THIS_WEEK, service.CheckinDraft(days_used=days))
                db.session.commit()
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit, args=(days,)) for days in (2, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    checkin = db.session.scalars(sa.select(UsageCheckin)).one()
    assert checkin.revision == 2 and count(UsageCheckinRevision) == 1
    row = rollup(company["org"], THIS_WEEK)[company["departments"][0].id]
    assert (row.responses, row.active) == (1, 1)
    assert row.regular == (1 if checkin.days_used >= 3 else 0)
    assert org_id == checkin.org_id


def test_task_shares_count_only_the_weeks_that_have_answers(company: dict[str, Any]) -> None:
    for person in company["people"]["sales"]:
        weekly(person, 1)  # answered last week only
        service.save_checkin(person, LAST_WEEK, service.CheckinDraft(days_used=2, tasks=["email"]),
                             now=datetime.combine(LAST_WEEK + timedelta(days=4), datetime.min.time(), tzinfo=timezone.utc))
    db.session.commit()
    board = dashboard.build(company["org"])
    assert [share for _label, share in board.tasks] == [pytest.approx(1.0)]
