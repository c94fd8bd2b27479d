"""Prompt practice for the demo: a running cohort at みなと精工 whose members tried a shipped exercise.

Every attempt goes through `lms.exercises.service`, so the rubric and the
personal-data guard score real prompts against the real exercise: the prompts
are the exercise's own お手本, a vague request, and the お手本 with the
customer's phone number pasted in (which the guard stops). One member was
stopped once and fixed the prompt, one submitted and waits for review, one was
reviewed and shared as a good example. The trainer's queue and the executives'
practice table are therefore not empty; the sessions held so far have their attendance
recorded, so the cohort's training-hours record is not empty either. Needs the exercises and courses loaded
(`flask courses sync`); without them it does nothing. Running it again adds nothing.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Callable

import sqlalchemy as sa

from lms.accounts.models import User, UserRole
from lms.accounts.roles import Role
from lms.cohorts import attendance, service as cohort_service
from lms.cohorts.models import Cohort
from lms.core.clock import today, utcnow
from lms.courses.models import Course, CourseModule, Lesson
from lms.exercises import queries, service
from lms.exercises.models import ExerciseAttempt
from lms.extensions import db
from lms.orgs.models import Organization
from lms.tenancy import in_org, owned_by

COMPANY = "株式会社みなと精工"
COHORT = "2026年度 プロンプト実践（全社）"
COURSE = "prompt-jissen"
EXERCISE = "jissen-owabi-mail"
TRAINER = "trainer.ishikawa@provider.example"
STARTED_WEEKS_AGO = 2

VAGUE = "取引先に送る、請求書の間違いのおわびメールを書いてください。"
PASTED_PHONE = "\n先方の担当者の電話番号は 03-0000-4821 です。電話でのおわびの日程も本文に入れてください。"
ANSWER = (
    "件名：11月分ご請求書の誤りについてのおわび\n\n【取引先名】\n【担当者名】様\n\n"
    "いつもお世話になっております。このたびは、11月分のご請求書におきまして、11月12日の納品分を二重に計上しており、"
    "誤った金額でご請求いたしました。ご迷惑をおかけし、誠に申し訳ございません。\n"
    "正しいご請求書を再発行し、12月5日までに郵送いたします。誤ったご請求書は、お手数ですが破棄していただけますと幸いです。\n"
    "すでにお支払いの手続きをされている場合は、差額を翌月分で相殺するか、ご返金するかをお選びいただけますでしょうか。\n"
    "今後は、請求書をお送りする前に2名で確認いたします。ご希望をお知らせいただけますと幸いです。"
)
COMMENT = ("事実・対応・支払い済みの場合の扱いがそろっていて、AIが約束を作る余地のない良いプロンプトです。"
           "取引先名も【】で置き換えられています。コホートの良い例として共有しました。")


def add_demo_practice(progress: Callable[[str], None] = lambda _: None, now: datetime | None = None) -> int:
    """Create the cohort and the attempts that are missing; returns how many attempts were written."""
    moment = now or utcnow()
    org = db.session.scalar(sa.select(Organization).where(Organization.name == COMPANY))
    exercise = queries.exercise_by_slug(EXERCISE)
    lesson = db.session.scalar(
        sa.select(Lesson).join(CourseModule, CourseModule.id == Lesson.module_id).join(Course, Course.id == CourseModule.course_id)
        .where(Course.slug == COURSE, Lesson.exercise == EXERCISE)
    )
    trainer = db.session.scalar(sa.select(User).where(User.email == TRAINER))
    if org is None or exercise is None or exercise.current_revision is None or lesson is None or trainer is None:
        progress("prompt practice: skipped (load the exercises and courses first: flask courses sync)")
        return 0
    course = db.session.get(Course, db.session.get(CourseModule, lesson.module_id).course_id)  # type: ignore[union-attr]
    employees = list(db.session.scalars(
        sa.select(User).join(UserRole, UserRole.user_id == User.id)
        .where(owned_by(User, org), UserRole.role == Role.EMPLOYEE.value, User.is_active.is_(True)).order_by(User.id)
    ))
    cohort = db.session.scalar(in_org(sa.select(Cohort), org).where(Cohort.name == COHORT))
    if cohort is None:
        started = moment - timedelta(weeks=STARTED_WEEKS_AGO)
        cohort = cohort_service.create_cohort(org, cohort_service.CohortDraft(
            name=COHORT, course_ids=[course.id], start_date=today(started), session_weekday=2,  # type: ignore[union-attr]
            session_time=time(15), session_minutes=60, member_ids=[u.id for u in employees],
            trainer_ids=[trainer.id],
        ), now=started)
        db.session.commit()
    _attendance(cohort, employees, trainer, moment)
    model = queries.source_of(exercise.current_revision, exercise.slug).model_prompt
    written = 0
    for number, user in enumerate(employees):
        attempt = service.attempt_for(user, exercise, lesson)
        if attempt.revisions_count:
            continue
        at = moment - timedelta(days=10) + timedelta(hours=5 * number)
        _practise(user, attempt, number, model, trainer, at)
        written += 1
    db.session.commit()
    progress(f"{COMPANY}: prompt practice of {written} people")
    return written


def _attendance(cohort: Cohort, employees: list[User], trainer: User, moment: datetime) -> None:
    """The sessions held so far, as the trainer recorded them: every fourth person missed one (the training-hours record)."""
    members = {m.user_id for m in cohort.members}
    sheet = {
        day: attendance.SessionMarks(None, {u.id for i, u in enumerate(employees) if (i + n) % 4} & members)
        for n, day in enumerate(attendance.held_dates(cohort, moment))
    }
    attendance.save_attendance(cohort, sheet, actor=trainer, now=moment)


def _practise(user: User, attempt: ExerciseAttempt, number: int, model: str, trainer: User, at: datetime) -> None:
    """One person's story, chosen by their position: deterministic, so the demo reads the same every time."""
    ticks = [True] * 5
    if number == 0:  # pasted the customer's phone number, was stopped, fixed it
        service.submit_prompt(attempt, model + PASTED_PHONE, now=at)
        service.submit_prompt(attempt, model, now=at + timedelta(minutes=4))
        _answer(user, attempt, ticks, submit=False, at=at)
    elif number == 1:  # submitted for review: waits in the trainer's queue
        service.submit_prompt(attempt, VAGUE, now=at)
        service.submit_prompt(attempt, model, now=at + timedelta(minutes=6))
        _answer(user, attempt, ticks[:4] + [False], submit=True, at=at)
    elif number == 2:  # reviewed and shared as a good example
        service.submit_prompt(attempt, model, now=at)
        _answer(user, attempt, ticks, submit=True, at=at)
        service.review(attempt, comment=COMMENT, good_example=True, reviewer=trainer, now=at + timedelta(days=1))
    elif number % 3 == 0:  # a vague request, not revised yet
        service.submit_prompt(attempt, VAGUE, now=at)
    else:
        service.submit_prompt(attempt, VAGUE, now=at)
        service.submit_prompt(attempt, model, now=at + timedelta(minutes=8))
        _answer(user, attempt, ticks, submit=False, at=at)


def _answer(user: User, attempt: ExerciseAttempt, ticks: list[bool], *, submit: bool, at: datetime) -> None:
    service.save_answers(attempt, [ANSWER])
    service.finish(user, attempt, ticks, submit_for_review=submit, now=at + timedelta(minutes=15))
