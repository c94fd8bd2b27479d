"""The workshop flow: pick a case, try it, the reminder on the report date, the report; sharing; the trainer's page."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from lms.accounts.models import TrainerAssignment, User
from lms.accounts.roles import Role
from lms.cohorts import service as cohort_service
from lms.core.clock import today
from lms.extensions import db
from lms.llm.models import LLMRequest
from lms.mail.models import EmailMessage
from lms.orgs.models import Department
from lms.scheduler.runner import job_names, run_named
from lms.usecases import trials
from lms.usecases.models import Usecase, UsecaseTrial
from tests.conftest import count, drain_outbox, llm_config, smtp_config
from tests.usecaseworld import PLAIN, Clock, case_text, load_cases

TOKYO = ZoneInfo("Asia/Tokyo")
CASE = "shift-shitagaki"
ADAPTED = "あなたは【業種】の店舗のシフト作成を手伝います。【対象月】のシフト表を、希望休を優先して表で作ってください。"
PERSONAL = "山田太郎様（携帯 090-1234-5678）の希望休を反映したシフト表を作ってください。"


@pytest.fixture
def app_config(smtp_inbox: Any) -> dict[str, Any]:
    return smtp_config(smtp_inbox)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, app: Any) -> Clock:
    import lms.usecases.jobs  # noqa: F401  (imported before patching, so it is patched too)

    # 23:30 in Japan: a UTC date would still be the day before.
    return Clock(monkeypatch, datetime(2027, 1, 4, 23, 30, tzinfo=TOKYO).astimezone(timezone.utc))


@pytest.fixture
def world(app: Any, clock: Clock, create_org: Any, create_user: Any, sync_course: Any) -> dict[str, Any]:
    org = create_org(name="株式会社みなと商店", industry="retail")
    other = create_org(name="株式会社よそ", industry="retail")
    course = sync_course(slug="kiso", industries="[all]")
    store = Department(org_id=org.id, name="店舗")
    db.session.add(store)
    db.session.commit()
    hana = create_user(org, roles=(Role.EMPLOYEE,), email="hana@minato.example", name="佐藤 花子",
                       department_id=store.id)
    ken = create_user(org, roles=(Role.EMPLOYEE,), email="ken@minato.example", name="鈴木 健")
    solo = create_user(org, roles=(Role.EMPLOYEE,), email="solo@minato.example", name="田中 一人")
    boss = create_user(org, roles=(Role.EXECUTIVE,), email="boss@minato.example")
    admin = create_user(org, roles=(Role.ORG_ADMIN,), email="admin@minato.example")
    stranger = create_user(other, roles=(Role.EMPLOYEE,), email="emp@yoso.example", name="他社 太郎")
    trainer = create_user(None, roles=(Role.TRAINER,), email="trainer@provider.example")
    outsider = create_user(None, roles=(Role.TRAINER,), email="outsider@provider.example")
    db.session.add_all([TrainerAssignment(org_id=org.id, trainer_id=trainer.id),
                        TrainerAssignment(org_id=other.id, trainer_id=outsider.id)])
    cohort = cohort_service.create_cohort(org, cohort_service.CohortDraft(
        name="2027年1月期", course_ids=[course.id], start_date=today(clock.now), session_weekday=2,
        session_time=time(10), member_ids=[hana.id, ken.id], trainer_ids=[trainer.id],
    ))
    second = cohort_service.create_cohort(org, cohort_service.CohortDraft(
        name="2027年2月期", course_ids=[course.id], start_date=today(clock.now), session_weekday=3,
        session_time=time(10), member_ids=[solo.id],
    ))
    load_cases(shift_shitagaki=PLAIN, anzen=case_text("安全日誌を下書きする", industries="[construction]",
                                                      departments="[施工]"))
    db.session.commit()
    return {"org": org, "other": other, "hana": hana, "ken": ken, "solo": solo, "boss": boss, "admin": admin,
            "stranger": stranger, "trainer": trainer, "outsider": outsider, "cohort": cohort, "second": second,
            "case": db.session.scalar(sa.select(Usecase).where(Usecase.slug == CASE))}


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def signed_in(app: Any, user: User) -> Any:
    client = app.test_client()
    client.login(user.email)
    return client


def trial_of(user: User) -> UsecaseTrial | None:
    return db.session.scalar(sa.select(UsecaseTrial).where(UsecaseTrial.user_id == user.id))


def pick(client: Any, org_id: int, data: dict[str, Any], case: str = CASE) -> Any:
    return client.submit(f"/o/{org_id}/cases/{case}/pick", data, page=f"/o/{org_id}/cases/{case}")


def report(client: Any, org_id: int, data: dict[str, Any]) -> Any:
    url = f"/o/{org_id}/cases/{CASE}/report"
    return client.submit(url, data, page=url)


def test_pick_try_reminder_on_the_japan_due_date_and_report_two_weeks_later(
    app: Any, world: dict[str, Any], clock: Clock, smtp_inbox: Any
) -> None:
    org, hana = world["org"], world["hana"]
    client = signed_in(app, hana)
    base = f"/o/{org.id}/cases"
    page = client.get(f"{base}/{CASE}").get_data(as_text=True)
    assert "この事例を試す" in page and 'data-testid="pick"' in page

    response = pick(client, org.id, {"current_way": "毎月Excelで手作業", "minutes_before": "90"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{base}/{CASE}/try")
    trial = trial_of(hana)
    assert trial is not None and trial.status == UsecaseTrial.PICKED and trial.minutes_before == 90
    # Picked at 23:30 on 4 January in Japan (still the 4th in UTC's afternoon): due on the 11th, a Japan date.
    assert str(trial.report_due_on) == "2027-01-11"
    assert trial.cohort_id == world["cohort"].id and trial.department_id == hana.department_id

    home = client.get(f"/o/{org.id}/").get_data(as_text=True)
    assert 'data-testid="cases-open"' in home and 'data-testid="cases-due"' not in home  # not due yet
    page = client.get(f"{base}/{CASE}/try").get_data(as_text=True)
    assert "あなたは【業種】の店舗" in page  # the template to adapt
    assert trial_of(hana).status == UsecaseTrial.TRYING  # opening the player marks it

    assert "usecase_report_reminders" in job_names()
    assert run_named("usecase_report_reminders", clock.days(6, hour=23)) == 0  # the 10th in Japan: not yet
    assert run_named("usecase_report_reminders", clock.days(7, hour=0) - timedelta(minutes=1)) == 0
    assert run_named("usecase_report_reminders", clock.days(7, hour=0) + timedelta(minutes=1)) == 1  # 00:01 JST
    assert run_named("usecase_report_reminders", clock.days(8)) == 0  # once
    assert drain_outbox() == 1
    (mail,) = smtp_inbox.to(hana.email)
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "シフト表の下書きを作る" in mail["Subject"]
    assert f"{base}/{CASE}/report" in body and "unsubscribe" in body
    assert trial_of(hana).reminded_at is not None

    clock.now = clock.days(14)
    home = client.get(f"/o/{org.id}/").get_data(as_text=True)
    assert 'data-testid="cases-due"' in home and f"{base}/{CASE}/report" in home
    response = report(client, org.id, {"outcome": "adopted", "minutes_after": "30", "share": "private"})
    assert response.status_code == 302, response.get_data(as_text=True)
    trial = trial_of(hana)
    assert trial.status == UsecaseTrial.REPORTED and trial.outcome == "adopted" and trial.minutes_after == 30
    assert trial.reported_at is not None and clock.days(14) - timedelta(seconds=1) < _aware(trial.reported_at)
    assert 'data-testid="cases-due"' not in client.get(f"/o/{org.id}/").get_data(as_text=True)
    mine = client.get(f"{base}/mine").get_data(as_text=True)
    assert "週90分 → 30分" in mine

    board = signed_in(app, world["trainer"]).get(f"/o/{org.id}/cohorts/{world['cohort'].id}/cases")
    assert board.status_code == 200
    text = board.get_data(as_text=True)
    assert "シフト表の下書きを作る" in text and "佐藤 花子" in text and "90 → 30" in text


def test_a_reminder_respects_the_persons_mail_choice_and_a_reported_trial_gets_none(
    app: Any, world: dict[str, Any], clock: Clock
) -> None:
    hana, ken = world["hana"], world["ken"]
    case = world["case"]
    trials.pick(hana, case, current_way="", minutes_before=60, now=clock.now)
    trials.pick(ken, case, current_way="", minutes_before=60, now=clock.now)
    ken_trial = trial_of(ken)
    trials.report(ken_trial, outcome="not_for_us", reason="店の規模が小さい", minutes_after=None, adapted_prompt="",
                  share="private", actor=ken, now=clock.now)
    hana.notify_reminder = False
    db.session.commit()
    assert run_named("usecase_report_reminders", clock.days(9)) == 0
    assert count(EmailMessage, EmailMessage.kind == "usecase_report") == 0


def test_picking_again_reopens_the_same_trial(app: Any, world: dict[str, Any], clock: Clock) -> None:
    hana, case = world["hana"], world["case"]
    first = trials.pick(hana, case, current_way="手で", minutes_before=60, now=clock.now)
    trials.start_trying(first)
    trials.report(first, outcome="not_for_us", reason="合わない", minutes_after=None, adapted_prompt="",
                  share="private", actor=hana)
    again = trials.pick(hana, case, current_way="もう一度", minutes_before=45, now=clock.days(30))
    assert again.id == first.id and count(UsecaseTrial) == 1
    assert again.status == UsecaseTrial.PICKED and again.outcome is None and again.outcome_reason == ""
    assert str(again.report_due_on) == "2027-02-10"


@pytest.mark.parametrize("data, field", [
    ({"current_way": "手で"}, "minutes_before"),
    ({"minutes_before": "-5"}, "minutes_before"),
    ({"minutes_before": "99999"}, "minutes_before"),
    ({"minutes_before": "abc"}, "minutes_before"),
    ({"minutes_before": "30", "current_way": "手で\x07"}, "current_way"),
    ({"minutes_before": "30", "current_way": "あ" * 1001}, "current_way"),
])
def test_a_bad_pick_says_what_to_fix_and_saves_nothing(
    app: Any, world: dict[str, Any], data: dict[str, str], field: str
) -> None:
    client = signed_in(app, world["hana"])
    response = pick(client, world["org"].id, data)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert count(UsecaseTrial) == 0


def test_a_bad_report_says_what_to_fix(app: Any, world: dict[str, Any], clock: Clock) -> None:
    org, hana = world["org"], world["hana"]
    client = signed_in(app, hana)
    pick(client, org.id, {"minutes_before": "60"})
    # Before trying, only "not for us" may be reported.
    response = report(client, org.id, {"outcome": "adopted", "minutes_after": "30", "share": "private"})
    assert response.status_code == 422 and "試してから" in response.get_data(as_text=True)
    client.get(f"/o/{org.id}/cases/{CASE}/try")
    for data, message in [
        ({"outcome": "adopted", "share": "private"}, "入力してください"),
        ({"outcome": "adapted", "minutes_after": "-1", "share": "private"}, 'id="minutes_after-error"'),
        ({"outcome": "not_for_us", "share": "private"}, "入力してください"),
        ({"outcome": "maybe", "minutes_after": "10", "share": "private"}, "has-error"),
        ({"outcome": "adopted", "minutes_after": "10", "share": "public"}, "has-error"),
        ({"outcome": "adapted", "minutes_after": "10", "share": "anonymous"}, "共有するには"),
        ({"outcome": "not_for_us", "reason": "合わない\x1b[0m", "share": "private"}, 'id="reason-error"'),
        ({"outcome": "adapted", "minutes_after": "10", "adapted_prompt": "あ" * 8001, "share": "private"},
         'id="adapted_prompt-error"'),
    ]:
        response = report(client, org.id, data)
        assert response.status_code == 422, data
        assert message in response.get_data(as_text=True), (data, message)
    assert trial_of(hana).status == UsecaseTrial.TRYING


def test_not_for_us_may_be_reported_before_trying(app: Any, world: dict[str, Any]) -> None:
    org, hana = world["org"], world["hana"]
    client = signed_in(app, hana)
    pick(client, org.id, {"minutes_before": "60"})
    response = report(client, org.id, {"outcome": "not_for_us", "reason": "紙の台帳しかない", "share": "private"})
    assert response.status_code == 302
    trial = trial_of(hana)
    assert trial.outcome == "not_for_us" and trial.outcome_reason == "紙の台帳しかない" and trial.minutes_after is None


def test_shared_prompts_reach_colleagues_only_and_a_name_only_when_chosen(app: Any, world: dict[str, Any]) -> None:
    org, hana, ken = world["org"], world["hana"], world["ken"]
    trial = trials.pick(hana, world["case"], current_way="", minutes_before=60)
    trials.start_trying(trial)
    trials.report(trial, outcome="adapted", reason="", minutes_after=20, adapted_prompt=ADAPTED, share="anonymous",
                  actor=hana)
    db.session.commit()
    case_url = f"/o/{org.id}/cases/{CASE}"
    colleague = signed_in(app, ken)
    page = colleague.get(case_url).get_data(as_text=True)
    assert "希望休を優先して表で" in page and "佐藤 花子" not in page
    assert signed_in(app, world["stranger"]).get(case_url).status_code == 404
    stranger_page = signed_in(app, world["stranger"]).get(f"/o/{world['other'].id}/cases/{CASE}").get_data(as_text=True)
    assert "希望休を優先して表で" not in stranger_page

    client = signed_in(app, hana)
    assert 'data-testid="share-form"' in client.get(f"/o/{org.id}/cases/mine").get_data(as_text=True)
    response = client.submit(f"/o/{org.id}/cases/{CASE}/share", {"share": "named"}, page=f"/o/{org.id}/cases/mine")
    assert response.status_code == 302 and trial_of(hana).share == "named"
    from lms.audit.models import AuditEvent

    shares = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "usecase.share").order_by(AuditEvent.id))
    # Anonymous at the report, then named: the consent to the champion list is on record.
    assert [(e.actor_id, e.details.get("share")) for e in shares] == [(hana.id, "anonymous"), (hana.id, "named")]
    assert "佐藤 花子" in colleague.get(case_url).get_data(as_text=True)

    # A colleague picks the case from the shared prompt; another company's id is unknown here.
    response = pick(colleague, org.id, {"minutes_before": "40", "shared_from": str(trial.id)})
    assert response.status_code == 302 and trial_of(ken).shared_from_id == trial.id
    foreign = trials.pick(world["stranger"], world["case"], current_way="", minutes_before=5)
    foreign.adapted_prompt, foreign.share = ADAPTED, "named"
    db.session.commit()
    assert pick(colleague, org.id, {"minutes_before": "40", "shared_from": str(foreign.id)}).status_code == 404

    client.submit(f"/o/{org.id}/cases/{CASE}/share", {"share": "private"}, page=f"/o/{org.id}/cases/mine")
    assert "希望休を優先して表で" not in colleague.get(case_url).get_data(as_text=True)


def test_the_guard_refuses_to_share_personal_data_and_says_what_and_where(app: Any, world: dict[str, Any]) -> None:
    org, hana = world["org"], world["hana"]
    client = signed_in(app, hana)
    pick(client, org.id, {"minutes_before": "60"})
    client.get(f"/o/{org.id}/cases/{CASE}/try")
    response = report(client, org.id, {"outcome": "adapted", "minutes_after": "20", "adapted_prompt": PERSONAL,
                                       "share": "anonymous"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<mark>090-1234-5678</mark>" in page and "電話番号" in page and "氏名" in page
    trial = trial_of(hana)
    assert trial.status == UsecaseTrial.TRYING and trial.share == "private" and trial.adapted_prompt == ""
    # Kept to oneself, the same prompt is the person's own note.
    assert report(client, org.id, {"outcome": "adapted", "minutes_after": "20", "adapted_prompt": PERSONAL,
                                   "share": "private"}).status_code == 302
    with pytest.raises(trials.TrialInvalid) as refused:
        trials.set_share(trial_of(hana), "named", actor=hana)
    assert refused.value.errors == {"adapted_prompt": "personal_data"}
    assert {f.kind for f in refused.value.findings} >= {"phone", "person_name"}


def test_the_trainers_page_shows_the_cohorts_members_only_and_to_runners_only(
    app: Any, world: dict[str, Any]
) -> None:
    org = world["org"]
    trials.pick(world["hana"], world["case"], current_way="紙に手書き", minutes_before=60)
    trials.pick(world["solo"], world["case"], current_way="", minutes_before=15)
    db.session.commit()
    url = f"/o/{org.id}/cohorts/{world['cohort'].id}/cases"
    text = signed_in(app, world["trainer"]).get(url).get_data(as_text=True)
    assert "佐藤 花子" in text and "紙に手書き" in text and "田中 一人" not in text  # another cohort's member
    assert "田中 一人" in signed_in(app, world["admin"]).get(
        f"/o/{org.id}/cohorts/{world['second'].id}/cases").get_data(as_text=True)
    assert signed_in(app, world["boss"]).get(url).status_code == 403  # executives never see a person's rows
    assert signed_in(app, world["hana"]).get(url).status_code == 403
    assert signed_in(app, world["outsider"]).get(url).status_code == 404  # a trainer of another company
    assert signed_in(app, world["stranger"]).get(url).status_code == 404
    cohort_page = signed_in(app, world["trainer"]).get(f"/o/{org.id}/cohorts/{world['cohort'].id}/")
    assert url in cohort_page.get_data(as_text=True)


def test_only_employees_pick(app: Any, world: dict[str, Any]) -> None:
    org = world["org"]
    assert pick(signed_in(app, world["boss"]), org.id, {"minutes_before": "10"}).status_code == 403
    page = signed_in(app, world["boss"]).get(f"/o/{org.id}/cases/{CASE}").get_data(as_text=True)
    assert 'data-testid="pick"' not in page
    assert count(UsecaseTrial) == 0


def test_a_lessons_cases_link_to_the_pick_form_and_record_the_lesson(
    app: Any, world: dict[str, Any]
) -> None:
    from lms.courses.models import Lesson

    org, hana = world["org"], world["hana"]
    lesson = db.session.scalar(sa.select(Lesson).where(Lesson.kind != "exercise").order_by(Lesson.id))
    lesson.usecases = [CASE, "no-such-case"]
    db.session.commit()
    client = signed_in(app, hana)
    url = f"/o/{org.id}/learn/{lesson.course.slug}/{lesson.module.slug}/{lesson.slug}"
    page = client.get(url).get_data(as_text=True)
    link = f"/o/{org.id}/cases/{CASE}?lesson={lesson.id}#try"
    assert link in page and "no-such-case" not in page
    case_page = client.get(link.split("#")[0]).get_data(as_text=True)
    assert f'name="lesson" value="{lesson.id}"' in case_page
    pick(client, org.id, {"minutes_before": "30", "lesson": str(lesson.id)})
    assert trial_of(hana).lesson_id == lesson.id


def test_the_template_page_sends_only_a_clean_prompt_to_the_companys_model(
    app: Any, world: dict[str, Any], fake_llm: Any
) -> None:
    from tests.fake_llm import Reply

    org, hana = world["org"], world["hana"]
    app.config.update(llm_config(fake_llm))
    org.llm_enabled = True
    db.session.commit()
    client = signed_in(app, hana)
    pick(client, org.id, {"minutes_before": "60"})
    url = f"/o/{org.id}/cases/{CASE}/try"
    response = client.submit(url, {"prompt": PERSONAL}, page=url)
    assert response.status_code == 422 and "<mark>090-1234-5678</mark>" in response.get_data(as_text=True)
    assert count(LLMRequest) == 0
    fake_llm.script(Reply("下書きです。"), Reply("二度目の下書きです。"))
    assert client.submit(url, {"prompt": ADAPTED}, page=url).status_code == 302
    assert client.get(url + "/answer.json").get_json()["finished"] is False
    assert drain_outbox() == 1
    assert "下書きです。" in client.get(url).get_data(as_text=True)
    assert client.submit(url, {"prompt": ADAPTED + "曜日ごとに。"}, page=url).status_code == 302  # a new request
    assert drain_outbox() == 1 and count(LLMRequest) == 2
    assert "二度目の下書きです。" in client.get(url).get_data(as_text=True)
    assert [r.body["messages"][0]["content"] for r in fake_llm.received] == [ADAPTED, ADAPTED + "曜日ごとに。"]
    report_page = client.get(f"/o/{org.id}/cases/{CASE}/report").get_data(as_text=True)
    assert ADAPTED + "曜日ごとに。</textarea>" in report_page  # the report starts from the prompt last tried


def test_without_a_model_the_template_page_checks_the_prompt_for_the_persons_own_tool(
    app: Any, world: dict[str, Any]
) -> None:
    org = world["org"]
    client = signed_in(app, world["hana"])
    pick(client, org.id, {"minutes_before": "60"})
    url = f"/o/{org.id}/cases/{CASE}/try"
    page = client.submit(url, {"prompt": ADAPTED}, page=url).get_data(as_text=True)
    assert 'data-testid="prompt-clean"' in page and count(LLMRequest) == 0
    assert client.submit(url, {"prompt": PERSONAL}, page=url).status_code == 422
