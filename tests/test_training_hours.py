"""Session attendance and the training-hours record (evidence for 人材開発支援助成金), on a controlled clock.

A three-week cohort runs: members complete lessons, practise an exercise and attend
sessions as the trainer records them; the printable page and the Excel workbook then show
each person's minutes and the 10-hour verdict. Attendance is for the cohort's own trainers
and the company's admins only, takes only the cohort's session dates and members, and
saving the same sheet twice changes nothing.
"""
from __future__ import annotations

import io
import re
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from lms.accounts.models import TrainerAssignment
from lms.accounts.roles import Role
from lms.audit.models import AuditEvent
from lms.cohorts import hours, service
from lms.cohorts.attendance import AttendanceInvalid, SessionMarks, read_sheet
from lms.cohorts.models import SessionAttendance
from lms.courses.models import Course, Lesson
from lms.courses.sync import Author, load_sources, sync_course
from lms.exercises import service as practice
from lms.extensions import db
from lms.learning.service import mark_complete
from lms.orgs.models import Department
from tests.conftest import count
from tests.practiceworld import GOOD, WEAK, example_exercise
from tests.usecaseworld import Clock

TOKYO = ZoneInfo("Asia/Tokyo")
START = date(2027, 1, 4)  # a Monday; sessions on Wednesdays 6, 13 and 20 January at 10:00
SESSIONS = [date(2027, 1, 6), date(2027, 1, 13), date(2027, 1, 20)]


def at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=TOKYO).astimezone(timezone.utc)


def write_course(root: Path) -> Path:
    """Three weeks: a 20-minute required reading each; week 1 also an optional reading and a 10-minute exercise."""
    course = root / "jikan"
    course.mkdir(parents=True)
    (course / "course.md").write_text("---\ntitle: 生成AIの基礎（3週間）\nsummary: 3週間\nindustries: [all]\n---\n")
    for week in (1, 2, 3):
        module = course / f"{week:02d}-week{week}"
        module.mkdir()
        (module / "module.md").write_text(f"---\ntitle: 第{week}週\nweek: {week}\n---\n")
        (module / "01-yomu.md").write_text(f"---\ntitle: 第{week}週の読み物\nminutes: 20\n---\n\n本文です。\n")
    week1 = course / "01-week1"
    (week1 / "02-sanko.md").write_text("---\ntitle: 参考資料\nminutes: 15\nrequired: false\n---\n\n任意です。\n")
    (week1 / "03-renshu.md").write_text(
        "---\ntitle: おわびメールを練習する\nkind: exercise\nexercise: owabi-mail\nminutes: 10\n---\n\n演習です。\n"
    )
    return course


@pytest.fixture
def world(app: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, create_org: Any, create_user: Any) -> dict[str, Any]:
    import lms.cohorts.attendance  # noqa: F401  (imported before patching, so it is patched too)

    clock = Clock(monkeypatch, at(date(2027, 1, 1), 9))
    exercise = example_exercise()
    (source,) = load_sources([write_course(tmp_path)])
    sync_course(source, author=Author(None, "test"))
    db.session.commit()
    course = db.session.scalar(sa.select(Course).where(Course.slug == "jikan"))
    org = create_org(name="株式会社みなと精工")
    other = create_org(name="株式会社山川建設", industry="construction")
    sales = Department(org_id=org.id, name="営業部")
    db.session.add(sales)
    db.session.commit()
    people = {key: create_user(org, email=f"{key}@minato.example", name=name, department_id=sales.id)
              for key, name in (("full", "相川 一郎"), ("partial", "井上 花子"), ("early", "上田 次郎"))}
    people["outsider"] = create_user(org, email="outsider@minato.example", name="遠藤 三郎")
    people["stranger"] = create_user(other, email="stranger@yamakawa.example", name="小川 四郎")
    admin = create_user(org, roles=(Role.ORG_ADMIN, Role.EMPLOYEE), email="admin@minato.example")
    executive = create_user(org, roles=(Role.EXECUTIVE,), email="exec@minato.example")
    trainer = create_user(None, roles=(Role.TRAINER,), email="trainer@provider.example", name="講師 太郎")
    colleague = create_user(None, roles=(Role.TRAINER,), email="colleague@provider.example")
    db.session.add_all([TrainerAssignment(org_id=org.id, trainer_id=t.id) for t in (trainer, colleague)])
    db.session.commit()
    cohort = service.create_cohort(org, service.CohortDraft(
        name="2027年1月期 全社AI研修", course_ids=[course.id], start_date=START, session_weekday=2,
        session_time=time(10), session_minutes=180, trainer_ids=[trainer.id],
        member_ids=[people[k].id for k in ("full", "partial", "early")],
    ), now=clock.now)
    db.session.commit()
    every = list(db.session.scalars(sa.select(Lesson).where(Lesson.course_id == course.id)))
    lessons = {l.slug: l for l in every if l.slug != "yomu"}
    weekly = {l.module.week: l for l in every if l.slug == "yomu"}
    return {"clock": clock, "org": org, "cohort": cohort, "people": people, "admin": admin, "executive": executive,
            "trainer": trainer, "colleague": colleague, "lessons": lessons, "weekly": weekly, "exercise": exercise}


def signed_in(app: Any, email: str) -> Any:
    client = app.test_client()
    client.login(email)
    return client


def sheet_url(world: dict[str, Any]) -> str:
    return f"/o/{world['org'].id}/cohorts/{world['cohort'].id}/attendance"


def post_sheet(client: Any, world: dict[str, Any], minutes: dict[date, int], present: list[tuple[date, str]],
               page: str | None = None) -> Any:
    data: dict[str, Any] = {f"minutes-{day.isoformat()}": str(m) for day, m in minutes.items()}
    data["present"] = [f"{day.isoformat()}:{world['people'][key].id}" for day, key in present]
    return client.submit(sheet_url(world), data, page=page or sheet_url(world))


def run_cohort(app: Any, world: dict[str, Any]) -> None:
    """Three weeks as people live them; the trainer records each session on its day."""
    clock, people, weekly = world["clock"], world["people"], world["weekly"]
    exercise = world["exercise"]
    mark_complete(people["early"], weekly[1])  # 2 January: before the cohort starts, so it does not count
    db.session.commit()
    trainer = signed_in(app, "trainer@provider.example")
    for week, day in enumerate(SESSIONS, start=1):
        clock.now = at(day - timedelta(days=1))  # Tuesday: people learn
        mark_complete(people["full"], weekly[week])
        if week == 1:
            mark_complete(people["partial"], weekly[1])
            mark_complete(people["partial"], world["lessons"]["sanko"])  # optional: not counted
            attempt = practice.attempt_for(people["full"], exercise)
            practice.submit_prompt(attempt, WEAK)
            practice.submit_prompt(attempt, GOOD)  # a second try adds nothing
        db.session.commit()
        clock.now = at(day, 13)  # Wednesday after the session: the trainer records it
        present = [(day, "full")] + ([(day, "partial")] if week <= 2 else [])
        response = post_sheet(trainer, world, {day: 200 if week == 2 else 180}, present)
        assert response.status_code == 302, response.get_data(as_text=True)
    clock.now = at(date(2027, 1, 25))  # after the period (it ended on Sunday 24 January)
    late = practice.attempt_for(people["early"], exercise)
    practice.submit_prompt(late, GOOD)
    db.session.commit()


# Expected minutes: lessons, exercises, sessions; 600 is the line.
EXPECTED = {
    "full": (60, 10, {SESSIONS[0]: 180, SESSIONS[1]: 200, SESSIONS[2]: 180}),  # 630 = 10時間30分: met
    "partial": (20, 0, {SESSIONS[0]: 180, SESSIONS[1]: 200}),  # 400: short by 3時間20分
    "early": (0, 0, {}),  # short by 10時間0分
}


def test_the_report_adds_up_a_cohort_run_on_a_controlled_clock(app: Any, world: dict[str, Any]) -> None:
    run_cohort(app, world)
    report = hours.build(world["cohort"])
    assert report.planned == hours.Planned(lesson_minutes=60, exercise_minutes=10, sessions=3, session_minutes=540)
    assert report.planned.total == 610
    assert report.period == (START, date(2027, 1, 24))
    assert report.session_dates == SESSIONS
    by_key = {key: next(r for r in report.rows if r.user.id == world["people"][key].id) for key in EXPECTED}
    assert len(report.rows) == 3  # not the company's other people, not another company's
    for key, (lessons, exercises, attended) in EXPECTED.items():
        row = by_key[key]
        assert (row.lesson_minutes, row.exercise_minutes, row.attended) == (lessons, exercises, attended), key
        assert row.department == "営業部"
    assert [by_key[k].total for k in EXPECTED] == [630, 400, 0]
    assert [by_key[k].met for k in EXPECTED] == [True, False, False]
    assert [by_key[k].short_by for k in EXPECTED] == [0, 200, 600]
    assert by_key["full"].lessons_done == 3 and by_key["full"].exercises_done == 1


def test_the_printable_page_shows_each_trainees_minutes_and_verdict(app: Any, world: dict[str, Any]) -> None:
    run_cohort(app, world)
    page = signed_in(app, "trainer@provider.example").get(f"/o/{world['org'].id}/cohorts/{world['cohort'].id}/hours")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    totals = dict(re.findall(r'data-user="(\d+)" data-total="(\d+)"', html))
    assert totals == {str(world["people"][k].id): str(v) for k, v in (("full", 630), ("partial", 400), ("early", 0))}
    assert "10時間30分" in html and "10時間を達成" in html and "あと3時間20分" in html and "あと10時間0分" in html
    assert "10時間10分" in html  # the planned hours
    assert "申請書そのものではありません" in html and "労働局" in html and "厚生労働省" in html
    assert "2027/01/13 3時間20分" in html  # an attended session with its date and length
    assert "3人中1人が10時間に達しています" in html
    assert "style=" not in html


def test_the_workbook_has_a_header_block_and_a_row_per_trainee(app: Any, world: dict[str, Any]) -> None:
    import openpyxl

    run_cohort(app, world)
    response = signed_in(app, "admin@minato.example").get(
        f"/o/{world['org'].id}/cohorts/{world['cohort'].id}/hours.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    (sheet,) = book.worksheets
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    block = {r[0]: r[1] for r in rows[:10]}
    assert block["企業"] == "株式会社みなと精工" and block["コホート"] == "2027年1月期 全社AI研修"
    assert block["期間"] == "2027年1月4日 – 2027年1月24日"
    assert block["コース"] == "生成AIの基礎（3週間）"
    assert block["計画時間"].startswith("10時間10分")
    assert block["計画時間と10時間"] == "10時間を達成"
    assert "申請書そのものではありません" in block["ご注意"]
    assert "作成日時" in block and "研修時間の記録" in block
    header = rows[11]
    assert header[:6] == ["氏名", "部署", "完了したレッスン", "レッスン（分）", "取り組んだ演習", "演習（分）"]
    assert header[-5:] == ["出席回数", "集合研修（分）", "合計（分）", "合計", "10時間に対して"]
    assert sheet.freeze_panes == "A13"
    people = {r[0]: r for r in rows[12:]}
    assert set(people) == {"相川 一郎", "井上 花子", "上田 次郎"}
    assert people["相川 一郎"][2:] == [3, 60, 1, 10, 180, 200, 180, 3, 560, 630, "10時間30分", "10時間を達成"]
    assert people["井上 花子"][2:] == [1, 20, 0, 0, 180, 200, None, 2, 380, 400, "6時間40分", "あと3時間20分"]
    assert people["上田 次郎"][2:] == [0, 0, 0, 0, None, None, None, 0, 0, 0, "0時間0分", "あと10時間0分"]


def test_the_trainer_records_attendance_once_however_often_the_sheet_is_sent(app: Any, world: dict[str, Any]) -> None:
    world["clock"].now = at(SESSIONS[1], 13)
    trainer = signed_in(app, "trainer@provider.example")
    sheet = {SESSIONS[0]: 180, SESSIONS[1]: 150}
    present = [(SESSIONS[0], "full"), (SESSIONS[0], "partial"), (SESSIONS[1], "full")]
    for _ in range(2):
        assert post_sheet(trainer, world, sheet, present).status_code == 302
    rows = db.session.execute(sa.select(SessionAttendance.session_date, SessionAttendance.user_id, SessionAttendance.minutes)
                              .order_by(SessionAttendance.session_date, SessionAttendance.user_id)).all()
    people = world["people"]
    assert rows == sorted([(SESSIONS[0], people["full"].id, 180), (SESSIONS[0], people["partial"].id, 180),
                           (SESSIONS[1], people["full"].id, 150)])
    assert count(AuditEvent, AuditEvent.action == "cohort.attendance") == 1
    page = trainer.get(sheet_url(world)).get_data(as_text=True)
    assert page.count(" checked") == 3 and 'value="150"' in page
    # Unticking someone removes them from that session only; the shorter session keeps its minutes.
    assert post_sheet(trainer, world, sheet, present[1:]).status_code == 302
    assert count(SessionAttendance) == 2
    assert count(SessionAttendance, SessionAttendance.user_id == people["full"].id) == 1
    assert count(AuditEvent, AuditEvent.action == "cohort.attendance") == 2


@pytest.mark.parametrize("case", ["not_a_session", "not_held_yet", "not_a_member", "other_company", "bad_minutes",
                                  "unreadable_person"])
def test_a_bad_sheet_is_refused_with_a_clear_error_and_nothing_written(app: Any, world: dict[str, Any], case: str) -> None:
    world["clock"].now = at(SESSIONS[0], 13)
    people = world["people"]
    good = f"{SESSIONS[0].isoformat()}:{people['full'].id}"
    data: dict[str, Any] = {f"minutes-{SESSIONS[0].isoformat()}": "180", "present": [good]}
    expected = {
        "not_a_session": "2027/01/07 はこのコホートの集合研修の日ではありません",
        "not_held_yet": "2027/01/13 の集合研修はまだ行われていません",
        "not_a_member": "このコホートのメンバーではない人",
        "other_company": "このコホートのメンバーではない人",
        "bad_minutes": "1から600までの整数",
        "unreadable_person": "読み取れない人",
    }[case]
    if case == "not_a_session":
        data["present"].append(f"2027-01-07:{people['full'].id}")
    elif case == "not_held_yet":
        data[f"minutes-{SESSIONS[1].isoformat()}"] = "180"
    elif case == "not_a_member":
        data["present"].append(f"{SESSIONS[0].isoformat()}:{people['outsider'].id}")
    elif case == "other_company":
        data["present"].append(f"{SESSIONS[0].isoformat()}:{people['stranger'].id}")
    elif case == "bad_minutes":
        data[f"minutes-{SESSIONS[0].isoformat()}"] = "１８０分"
    else:
        data["present"].append(f"{SESSIONS[0].isoformat()}:相川")
    trainer = signed_in(app, "trainer@provider.example")
    response = trainer.submit(sheet_url(world), data, page=sheet_url(world))
    assert response.status_code == 422
    assert "保存されませんでした" in response.get_data(as_text=True)
    assert expected in response.get_data(as_text=True)
    assert count(SessionAttendance) == 0  # the good tick in the same sheet is not saved either
    assert count(AuditEvent, AuditEvent.action == "cohort.attendance") == 0
    page = response.get_data(as_text=True)
    assert re.search(rf'value="{good}" checked', page), "what the trainer ticked is still ticked"
    if case == "bad_minutes":
        assert 'value="１８０分"' in page, "and what they typed is still there to correct"


def test_only_the_cohorts_trainers_and_the_companys_admins_keep_attendance_and_see_hours(
    app: Any, world: dict[str, Any],
) -> None:
    world["clock"].now = at(SESSIONS[0], 13)
    base = f"/o/{world['org'].id}/cohorts/{world['cohort'].id}"
    allowed = {"trainer@provider.example", "admin@minato.example"}
    refused = {"colleague@provider.example", "exec@minato.example", "full@minato.example"}
    for email in sorted(allowed | refused):
        client = signed_in(app, email)
        want = 200 if email in allowed else 403
        for path in ("/attendance", "/hours", "/hours.xlsx"):
            assert client.get(base + path).status_code == want, (email, path)
        shown = client.get(base + "/").get_data(as_text=True)
        if email in allowed:
            assert 'data-testid="hours-link"' in shown
        elif email == "colleague@provider.example":
            assert 'data-testid="hours-link"' not in shown  # a trainer of the company, but not of this cohort
        if email in refused:
            response = post_sheet(client, world, {SESSIONS[0]: 180}, [(SESSIONS[0], "full")], page="/account")
            assert response.status_code == 403, email
    assert count(SessionAttendance) == 0
    admin = signed_in(app, "admin@minato.example")
    assert post_sheet(admin, world, {SESSIONS[0]: 180}, [(SESSIONS[0], "full")]).status_code == 302
    assert count(SessionAttendance) == 1


def test_a_sheet_without_the_csrf_token_is_refused(app: Any, world: dict[str, Any]) -> None:
    world["clock"].now = at(SESSIONS[0], 13)
    trainer = signed_in(app, "trainer@provider.example")
    response = trainer.post(sheet_url(world), data={
        f"minutes-{SESSIONS[0].isoformat()}": "180", "present": f"{SESSIONS[0].isoformat()}:{world['people']['full'].id}",
    })
    assert response.status_code == 400
    assert count(SessionAttendance) == 0


def test_the_sheet_lists_every_session_and_only_past_ones_take_ticks(app: Any, world: dict[str, Any]) -> None:
    world["clock"].now = at(SESSIONS[1], 9)  # the morning of the second session, before it starts
    html = signed_in(app, "trainer@provider.example").get(sheet_url(world)).get_data(as_text=True)
    assert html.count('type="checkbox"') == 3  # three members, one session held
    assert f'name="minutes-{SESSIONS[0].isoformat()}"' in html and f'name="minutes-{SESSIONS[1].isoformat()}"' not in html
    assert "第3週" in html and "相川 一郎 さんの 2027/01/06 の出席" in html


def test_read_sheet_takes_dates_minutes_and_people(app: Any) -> None:
    sheet = read_sheet({"minutes-2027-01-06": " 90 ", "csrf_token": "x"}, ["2027-01-06:3", "2027-01-13:4"])
    assert sheet == {date(2027, 1, 6): SessionMarks(90, {3}), date(2027, 1, 13): SessionMarks(None, {4})}
    for form, present in (({"minutes-2027-13-01": "60"}, []), ({}, ["yesterday:3"]), ({"minutes-2027-01-06": "0"}, []),
                          ({"minutes-2027-01-06": "601"}, []), ({"minutes-2027-01-06": "-5"}, [])):
        with pytest.raises(AttendanceInvalid):
            read_sheet(form, present)


def test_short_by_is_counted_against_ten_hours() -> None:
    assert hours.LINE_MINUTES == 600
    assert [hours.short_by(m) for m in (0, 599, 600, 601)] == [600, 1, 0, 0]
    assert hours.hours_and_minutes(630) == (10, 30)


def test_the_report_costs_the_same_number_of_queries_for_three_members_or_thirty(
    app: Any, world: dict[str, Any], create_user: Any,
) -> None:
    run_cohort(app, world)

    def statements() -> int:
        seen: list[str] = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        sa.event.listen(db.engine, "before_cursor_execute", listener)
        try:
            db.session.expire_all()
            hours.build(world["cohort"])
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listener)
        return sum(1 for statement in seen if statement.lstrip().upper().startswith("SELECT"))

    few = statements()
    more = [create_user(world["org"], email=f"more{i}@minato.example") for i in range(27)]
    world["clock"].now = at(SESSIONS[2], 13)
    service.add_members(world["cohort"], {u.id for u in more}, now=world["clock"].now)
    for person in more:
        mark_complete(person, world["weekly"][1])
    db.session.commit()
    assert len(hours.build(world["cohort"]).rows) == 30
    assert statements() == few <= 13


def test_the_company_workbook_has_a_sheet_per_cohort_the_person_keeps(app: Any, world: dict[str, Any]) -> None:
    import openpyxl

    second = service.create_cohort(world["org"], service.CohortDraft(
        name="2027年2月期 営業部AI研修", course_ids=[world["cohort"].courses[0].course_id], start_date=date(2027, 2, 1),
        session_weekday=3, session_time=time(15), member_ids=[world["people"]["outsider"].id],
        trainer_ids=[world["colleague"].id],
    ), now=world["clock"].now)
    db.session.commit()
    url = f"/o/{world['org'].id}/cohorts/hours.xlsx"

    def titles(email: str) -> list[str]:
        response = signed_in(app, email).get(url)
        assert response.status_code == 200, email
        return [sheet.title for sheet in openpyxl.load_workbook(io.BytesIO(response.data)).worksheets]

    assert titles("admin@minato.example") == [second.name, world["cohort"].name]
    assert titles("trainer@provider.example") == [world["cohort"].name]
    assert titles("colleague@provider.example") == [second.name]
    assert signed_in(app, "exec@minato.example").get(url).status_code == 403
    index = signed_in(app, "trainer@provider.example").get(f"/o/{world['org'].id}/cohorts/").get_data(as_text=True)
    assert 'data-testid="hours-all-xlsx"' in index
