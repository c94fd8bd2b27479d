"""A whole 6-week cohort on a controllable clock, with every scheduled mail going through real SMTP.

Modules open on time, reminders reach exactly the people behind, digests reach
executives, and a scheduler that is down for two days (or runs twice, as on
two hosts) sends nothing twice and misses nothing.
"""
from __future__ import annotations

import logging
import re
import sys
from collections import Counter
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from lms.accounts.models import TrainerAssignment
from lms.accounts.roles import Role
from lms.cohorts import service
from lms.cohorts.models import Cohort
from lms.courses.models import Course, Lesson
from lms.courses.sync import Author, load_sources, sync_course
from lms.extensions import db
from lms.learning.service import mark_complete
from lms.mail.models import EmailMessage
from lms.scheduler.runner import job_names, run_named
from tests.conftest import drain_outbox, smtp_config
from tests.coursetree import write_weekly_course

TOKYO = ZoneInfo("Asia/Tokyo")
START = date(2027, 1, 4)  # a Monday
WEEKS = 6


@pytest.fixture
def app_config(smtp_inbox: Any) -> dict[str, Any]:
    return smtp_config(smtp_inbox)


class Clock:
    """Replaces `utcnow` in every lms module that imported it, so all of the app sees one time."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, start: datetime) -> None:
        self.now = start
        from lms.core.clock import utcnow as real

        for name, module in list(sys.modules.items()):
            if name.startswith("lms") and getattr(module, "utcnow", None) is real:
                monkeypatch.setattr(module, "utcnow", lambda: self.now)

    def local(self) -> datetime:
        return self.now.astimezone(TOKYO)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, app: Any) -> Clock:
    import lms.cohorts.ical  # noqa: F401  (imported before patching, so it is patched too)

    return Clock(monkeypatch, datetime(2027, 1, 1, 0, tzinfo=TOKYO).astimezone(timezone.utc))


@pytest.fixture
def world(app: Any, clock: Clock, tmp_path: Path, create_org: Any, create_user: Any) -> dict[str, Any]:
    (source,) = load_sources([write_weekly_course(tmp_path)])
    sync_course(source, author=Author(None, "test"))
    db.session.commit()
    course = db.session.scalar(sa.select(Course))
    org = create_org(name="株式会社みなと精工")
    people = {
        key: create_user(org, email=f"{key}@minato.example", name=key)
        for key in ("diligent", "partial", "idle", "late")
    }
    people["exec"] = create_user(org, roles=(Role.EXECUTIVE,), email="exec@minato.example")
    trainer = create_user(None, roles=(Role.TRAINER,), email="trainer@provider.example")
    db.session.add(TrainerAssignment(org_id=org.id, trainer_id=trainer.id))
    db.session.commit()
    cohort = service.create_cohort(org, service.CohortDraft(
        name="2027年1月期 全社AI研修", course_ids=[course.id], start_date=START, session_weekday=2,
        session_time=time(10), member_ids=[people[k].id for k in ("diligent", "partial", "idle")],
        trainer_ids=[trainer.id],
    ), now=clock.now)
    db.session.commit()
    lessons = {l.module.week: l for l in db.session.scalars(sa.select(Lesson))}
    return {"org": org, "cohort": cohort, "people": people, "lessons": lessons}


def run_all(clock: Clock) -> None:
    """One pass of the scheduler process, then of the worker process."""
    for name in job_names():
        run_named(name, clock.now)
    drain_outbox()


def sent(inbox: Any, kind: str) -> Counter[str]:
    """Recipients of delivered mail of one kind (the outbox row says the kind; the SMTP server says it arrived)."""
    rows = db.session.execute(sa.select(EmailMessage.to_address, EmailMessage.status).where(EmailMessage.kind == kind)).all()
    assert all(status == EmailMessage.SENT for _, status in rows), rows
    return Counter(to for to, _ in rows)


def simulate(world: dict[str, Any], clock: Clock, *, down: tuple[datetime, datetime] | None = None,
             twice: bool = False) -> dict[int, set[str]]:
    """Every 6 hours to the end of the cohort, people learning as they do; returns each week's reminder recipients."""
    people, lessons, cohort = world["people"], world["lessons"], world["cohort"]
    end = datetime.combine(START + timedelta(weeks=WEEKS, days=2), time(0), tzinfo=TOKYO)
    while clock.local() < end:
        local = clock.local()
        week = (local.date() - START).days // 7 + 1
        if local.weekday() == 1 and local.hour == 12 and 1 <= week <= WEEKS:  # Tuesday noon: people learn
            if week == 4:
                service.add_members(cohort, {people["late"].id}, now=clock.now)
            mark_complete(people["diligent"], lessons[week])
            if week <= 2:
                mark_complete(people["partial"], lessons[week])
            db.session.commit()
        if not (down and down[0] <= clock.now < down[1]):
            run_all(clock)
            if twice:
                run_all(clock)  # a second scheduler process on another host
        clock.now += timedelta(hours=6)
    reminded: dict[int, set[str]] = {week: set() for week in range(1, WEEKS + 1)}
    for key, to in db.session.execute(
        sa.select(EmailMessage.dedupe_key, EmailMessage.to_address).where(EmailMessage.kind == "reminder")
    ):
        reminded[int(key.split(":")[2])].add(to)
    return reminded


EXPECTED_REMINDERS = {
    1: set(),
    2: {"idle"},
    3: {"idle"},
    4: {"idle", "partial"},  # "late" joined in week 4: not behind for weeks before it
    5: {"idle", "partial", "late"},
    6: {"idle", "partial", "late"},
}


def _emails(keys: set[str]) -> set[str]:
    return {f"{k}@minato.example" for k in keys}


def test_a_six_week_cohort_sends_exactly_what_is_due(world: dict[str, Any], clock: Clock, smtp_inbox: Any) -> None:
    reminded = simulate(world, clock)

    assert reminded == {w: _emails(k) for w, k in EXPECTED_REMINDERS.items()}
    opens = sent(smtp_inbox, "module_open")
    assert opens == Counter({**{e: WEEKS for e in _emails({"diligent", "partial", "idle"})}, "late@minato.example": 3})
    assert sent(smtp_inbox, "digest") == Counter({"exec@minato.example": WEEKS})
    assert len(smtp_inbox.messages) == db.session.scalar(sa.select(sa.func.count()).select_from(EmailMessage))

    # The first week's notice arrived on the Monday the module opened, not before.
    first = db.session.scalar(sa.select(EmailMessage).where(EmailMessage.dedupe_key.like("module_open:%:1:%")))
    assert first.sent_at.astimezone(TOKYO).date() == START

    # Mails carry the one-click unsubscribe and an HTML part.
    mail = smtp_inbox.to("idle@minato.example")[-1]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/unsubscribe/" in mail["List-Unsubscribe"]
    assert mail.get_body(("html",)) is not None


def test_digest_counts_last_weeks_completions_in_aggregate(world: dict[str, Any], clock: Clock, smtp_inbox: Any) -> None:
    simulate(world, clock)
    digests = {m["Subject"]: m.get_body(("plain",)).get_content() for m in smtp_inbox.to("exec@minato.example")}
    assert len(digests) == WEEKS
    (week1,) = [text for subject, text in digests.items() if "2027/01/04" in subject]
    assert re.search(r"[:：] ?2(?!\d)", week1), week1  # diligent and partial finished week 1's lesson
    (week4,) = [text for subject, text in digests.items() if "2027/01/25" in subject]
    assert re.search(r"[:：] ?1(?!\d)", week4), week4  # only diligent
    for text in digests.values():
        for key in ("diligent", "partial", "idle", "late"):
            assert key not in text, "a digest named a person"


def test_a_scheduler_down_for_two_days_catches_up_and_two_schedulers_send_nothing_twice(
    world: dict[str, Any], clock: Clock, smtp_inbox: Any
) -> None:
    # Down from week 3's Wednesday noon to Friday noon: across Thursday's reminder time.
    wednesday = datetime.combine(START + timedelta(weeks=2, days=2), time(12), tzinfo=TOKYO)
    reminded = simulate(world, clock, down=(wednesday, wednesday + timedelta(days=2)), twice=True)

    assert reminded == {w: _emails(k) for w, k in EXPECTED_REMINDERS.items()}
    week3 = db.session.scalar(sa.select(EmailMessage).where(EmailMessage.dedupe_key.like("reminder:%:3:%")))
    assert week3.sent_at.astimezone(TOKYO).weekday() == 4  # caught up on Friday
    assert sent(smtp_inbox, "digest") == Counter({"exec@minato.example": WEEKS})
    reminders = sum(len(people) for people in EXPECTED_REMINDERS.values())
    # Nobody answers the AI check-in here, so each member is asked once a week (the late joiner for 3 weeks).
    checkins = db.session.scalar(sa.select(sa.func.count()).select_from(EmailMessage).where(EmailMessage.kind == "checkin"))
    assert checkins == 3 * WEEKS + 3
    # notices, the late joiner's, digests, reminders, check-in requests: each once, despite two schedulers
    assert len(smtp_inbox.messages) == 3 * WEEKS + 3 + WEEKS + reminders + checkins


def test_reminders_respect_the_company_setting_and_personal_unsubscribe(world: dict[str, Any], clock: Clock, smtp_inbox: Any) -> None:
    world["people"]["idle"].notify_reminder = False
    db.session.commit()
    reminded = simulate(world, clock)
    assert all("idle@minato.example" not in r for r in reminded.values())
    assert reminded[5] == _emails({"partial", "late"})


def test_a_company_that_turned_reminders_off_gets_none(world: dict[str, Any], clock: Clock, smtp_inbox: Any) -> None:
    world["org"].reminder_enabled = False
    db.session.commit()
    simulate(world, clock)
    assert sent(smtp_inbox, "reminder") == Counter()
    assert sent(smtp_inbox, "module_open")  # the rest goes on


def test_a_failing_cohort_is_logged_and_the_others_still_get_their_mail(
    world: dict[str, Any], clock: Clock, smtp_inbox: Any, create_org: Any, create_user: Any,
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    other_org = create_org(name="山川建設株式会社", industry="construction")
    worker = create_user(other_org, email="worker@yamakawa.example")
    course_id = world["cohort"].courses[0].course_id
    other = service.create_cohort(other_org, service.CohortDraft(
        name="建設 1月期", course_ids=[course_id], start_date=START, session_weekday=3, session_time=time(9),
        member_ids=[worker.id],
    ), now=clock.now)
    db.session.commit()
    broken_id = world["cohort"].id
    real = service.cohort_modules

    def flaky(cohort: Cohort) -> Any:
        if cohort.id == broken_id:
            raise RuntimeError("simulated failure")
        return real(cohort)

    monkeypatch.setattr(service, "cohort_modules", flaky)
    clock.now = datetime.combine(START, time(6), tzinfo=TOKYO).astimezone(timezone.utc)
    with caplog.at_level(logging.ERROR):
        run_named("module_open_notices", clock.now)
    drain_outbox()
    assert "simulated failure" in caplog.text
    assert [m["To"] for m in smtp_inbox.messages] == ["worker@yamakawa.example"]
    assert other.id != broken_id


def test_each_scheduler_keeps_its_jobs_in_memory_and_runs_each_one_once_per_slot(app: Any, clock: Clock) -> None:
    from apscheduler.jobstores.memory import MemoryJobStore

    from lms.scheduler.models import JobSlot
    from lms.scheduler.runner import build_scheduler, run_scheduled

    for host in (build_scheduler(app, interval_minutes=10), build_scheduler(app, interval_minutes=10)):
        assert isinstance(host._jobstores["default"], MemoryJobStore)  # nothing shared between hosts
        assert {job.id for job in host.get_jobs()} == set(job_names())

    name = "module_open_notices"
    assert run_scheduled(name, clock.now, 10) == 0  # this process won the slot (nothing was due)
    assert run_scheduled(name, clock.now + timedelta(minutes=9), 10) is None  # same slot, another process
    assert run_scheduled(name, clock.now + timedelta(minutes=10), 10) == 0  # the next slot
    slots = db.session.scalars(sa.select(JobSlot.slot_start).where(JobSlot.job == name).order_by(JobSlot.slot_start))
    assert [s - clock.now for s in slots] == [timedelta(0), timedelta(minutes=10)]
