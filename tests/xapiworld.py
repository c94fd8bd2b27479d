"""A learner's whole cohort run, through the services the pages call: the events that make xAPI statements."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta
from typing import Any, Callable

import sqlalchemy as sa

from lms.accounts.models import User
from lms.adoption import service as adoption
from lms.cohorts import service as cohorts
from lms.cohorts.attendance import SessionMarks, save_attendance, session_dates
from lms.cohorts.models import Cohort
from lms.core.clock import today, utcnow
from lms.courses.models import Course, Lesson
from lms.extensions import db
from lms.learning import service as learning
from lms.orgs.models import Organization

# verb key -> how many of them the run below makes
RUN_VERBS = {"registered": 1, "experienced": 2, "completed": 3, "passed": 1, "attended": 1, "reported-usage": 1}


@dataclass
class Run:
    org: Organization
    learner: User
    cohort: Cohort
    course: Course


def cohort_run(create_org: Callable[..., Organization], create_user: Callable[..., User],
               sync_course: Callable[..., Any]) -> Run:
    """Enrol (a three-week cohort that started two weeks ago), open and complete the reading, pass the quiz, attend the
    first session, answer this week's check-in; committed."""
    org = create_org()
    learner = create_user(org, name="佐藤 花子")
    course = sync_course()
    start = today() - timedelta(days=14)
    cohort = cohorts.create_cohort(org, cohorts.CohortDraft(
        name="2026年11月期", course_ids=[course.id], start_date=start, session_weekday=start.weekday(),
        session_time=time(10), member_ids=[learner.id],
    ), now=utcnow() - timedelta(days=15))
    cohort.weeks = 3  # its run covers this week, so the check-in below belongs to it
    db.session.commit()
    lessons = list(db.session.scalars(sa.select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.position)))
    reading = next(lesson for lesson in lessons if lesson.kind == "reading")
    quiz = next(lesson for lesson in lessons if lesson.kind == "quiz")
    learning.progress_for(learner, reading)
    learning.mark_complete(learner, reading)
    learning.progress_for(learner, quiz)
    result = learning.submit_quiz(learner, quiz, {0: {1}, 1: {0, 1}})
    assert result.passed
    db.session.commit()
    (_week, first_day, _start) = session_dates(cohort)[0]
    save_attendance(cohort, {first_day: SessionMarks(None, {learner.id})}, actor=None)
    adoption.save_checkin(learner, adoption.this_week(), adoption.CheckinDraft(days_used=3, minutes_bucket=2,
                                                                               tasks=["email"]))
    db.session.commit()
    return Run(org, learner, cohort, course)
