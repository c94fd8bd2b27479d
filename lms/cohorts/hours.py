"""Training hours per trainee: the evidence a company keeps for 人材開発支援助成金 (the report, not the application).

What counts, within the cohort's period (its start date to the last day of its last week, Japan time):

* lessons: the `minutes` of each required lesson of the cohort's courses the person first completed
  in the period; exercise lessons are counted under exercises instead, so no time counts twice;
* exercises: the exercise's `minutes`, once per exercise of the cohort's courses the person wrote at
  least one prompt for in the period (a first try counts; a second does not add);
* sessions: the minutes of each weekly session the trainer recorded the person at (lms/cohorts/attendance.py).

The planned hours are the same three parts for the whole course: the required lessons, the exercises
of required exercise lessons, and every session of the calendar at the cohort's session length.
Everything is read in a handful of grouped queries, whatever the number of members.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import lazyload

from lms.accounts.models import User
from lms.cohorts.attendance import session_dates
from lms.cohorts.models import Cohort, CohortMember, SessionAttendance
from lms.cohorts.service import DONE_STATES, calendar_of, cohort_modules, lessons_in_order
from lms.core.clock import utcnow, zone
from lms.courses.models import Course, Lesson
from lms.exercises.models import Exercise, ExerciseAttempt, ExerciseAttemptRevision
from lms.extensions import db
from lms.learning.models import LessonProgress
from lms.orgs.models import Department, Organization
from lms.tenancy import in_org, owned_by

# The training hours the 事業展開等リスキリング支援コース asks for; the report tells readers to confirm the current rule.
LINE_MINUTES = 10 * 60


def hours_and_minutes(minutes: int) -> tuple[int, int]:
    return divmod(max(0, minutes), 60)


def short_by(total_minutes: int, line: int = LINE_MINUTES) -> int:
    """Minutes still missing to the line (0 when it is met)."""
    return max(0, line - total_minutes)


@dataclass(frozen=True)
class Planned:
    lesson_minutes: int
    exercise_minutes: int
    sessions: int
    session_minutes: int  # all sessions together

    @property
    def total(self) -> int:
        return self.lesson_minutes + self.exercise_minutes + self.session_minutes


@dataclass(frozen=True)
class TraineeHours:
    user: User
    department: str
    lessons_done: int
    lesson_minutes: int
    exercises_done: int
    exercise_minutes: int
    attended: dict[date, int]  # session date -> minutes

    @property
    def session_minutes(self) -> int:
        return sum(self.attended.values())

    @property
    def total(self) -> int:
        return self.lesson_minutes + self.exercise_minutes + self.session_minutes

    @property
    def met(self) -> bool:
        return short_by(self.total) == 0

    @property
    def short_by(self) -> int:
        return short_by(self.total)


@dataclass(frozen=True)
class HoursReport:
    org: Organization
    cohort: Cohort
    courses: list[Course]
    period: tuple[date, date]
    session_dates: list[date]
    planned: Planned
    rows: list[TraineeHours]
    generated_at: datetime

    @property
    def met_count(self) -> int:
        return sum(1 for r in self.rows if r.met)


def _period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The period as UTC instants: from the first day's 0:00 to the day after the last, in Japan time."""
    tz = zone()
    return datetime.combine(start, time(0), tzinfo=tz), datetime.combine(end + timedelta(days=1), time(0), tzinfo=tz)


def build(cohort: Cohort, *, now: datetime | None = None) -> HoursReport:
    """The cohort's training-hours report, company-scoped, in at most ten queries whatever its size."""
    org = db.session.get(Organization, cohort.org_id)
    assert org is not None
    calendar = calendar_of(cohort)
    period = (cohort.start_date, calendar.ends_on())
    since, until = _period_bounds(*period)
    modules = cohort_modules(cohort)
    lessons = lessons_in_order(modules)
    exercise_slugs = {l.exercise for l in lessons if l.exercise}
    exercises = {e.slug: e for e in db.session.scalars(sa.select(Exercise).where(Exercise.slug.in_(exercise_slugs)))}
    reading_ids = [l.id for l in lessons if l.required and not l.exercise]
    required_exercises = {l.exercise for l in lessons if l.required and l.exercise and l.exercise in exercises}
    dates = [day for _w, day, _s in session_dates(cohort)]
    planned = Planned(
        lesson_minutes=sum(l.minutes or 0 for l in lessons if l.id in set(reading_ids)),
        exercise_minutes=sum(exercises[slug].minutes for slug in required_exercises),
        sessions=len(dates), session_minutes=len(dates) * cohort.session_minutes,
    )
    members = in_org(sa.select(CohortMember.user_id), cohort.org_id).where(CohortMember.cohort_id == cohort.id)

    people = db.session.execute(
        sa.select(User, Department.name).join(CohortMember, CohortMember.user_id == User.id)
        .outerjoin(Department, sa.and_(Department.id == User.department_id, owned_by(Department, cohort.org_id)))
        .where(owned_by(CohortMember, cohort.org_id), CohortMember.cohort_id == cohort.id)
        .order_by(*User.name_order()).options(lazyload(User.role_rows))  # roles are not shown
    ).all()
    lesson_time: dict[int, tuple[int, int]] = {user_id: (int(n), int(minutes or 0)) for user_id, n, minutes in db.session.execute(
        sa.select(LessonProgress.user_id, sa.func.count(), sa.func.coalesce(sa.func.sum(Lesson.minutes), 0))
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(owned_by(LessonProgress, cohort.org_id), LessonProgress.user_id.in_(members),
               LessonProgress.lesson_id.in_(reading_ids), LessonProgress.state.in_(DONE_STATES),
               LessonProgress.first_completed_at >= since, LessonProgress.first_completed_at < until)
        .group_by(LessonProgress.user_id)
    )} if reading_ids else {}
    wrote_in_period = sa.exists().where(
        ExerciseAttemptRevision.attempt_id == ExerciseAttempt.id,
        ExerciseAttemptRevision.created_at >= since, ExerciseAttemptRevision.created_at < until,
    )
    exercise_time: dict[int, tuple[int, int]] = {user_id: (int(n), int(minutes or 0)) for user_id, n, minutes in db.session.execute(
        sa.select(ExerciseAttempt.user_id, sa.func.count(), sa.func.coalesce(sa.func.sum(Exercise.minutes), 0))
        .join(Exercise, Exercise.id == ExerciseAttempt.exercise_id)
        .where(owned_by(ExerciseAttempt, cohort.org_id), ExerciseAttempt.user_id.in_(members),
               ExerciseAttempt.exercise_id.in_([e.id for e in exercises.values()]), wrote_in_period)
        .group_by(ExerciseAttempt.user_id)
    )} if exercises else {}
    attended: dict[int, dict[date, int]] = {}
    for user_id, day, minutes in db.session.execute(
        in_org(sa.select(SessionAttendance.user_id, SessionAttendance.session_date, SessionAttendance.minutes),
               cohort.org_id, SessionAttendance)
        .where(SessionAttendance.cohort_id == cohort.id).order_by(SessionAttendance.session_date)
    ):
        attended.setdefault(user_id, {})[day] = minutes

    rows = [
        TraineeHours(
            user=user, department=department or "",
            lessons_done=lesson_time.get(user.id, (0, 0))[0], lesson_minutes=lesson_time.get(user.id, (0, 0))[1],
            exercises_done=exercise_time.get(user.id, (0, 0))[0], exercise_minutes=exercise_time.get(user.id, (0, 0))[1],
            attended=attended.get(user.id, {}),
        )
        for user, department in people
    ]
    return HoursReport(
        org=org, cohort=cohort, courses=_courses_of(cohort), period=period,
        session_dates=dates, planned=planned, rows=rows, generated_at=now or utcnow(),
    )


def _courses_of(cohort: Cohort) -> list[Course]:
    """The cohort's courses in its order."""
    ids = [c.course_id for c in cohort.courses]
    found = {c.id: c for c in db.session.scalars(sa.select(Course).where(Course.id.in_(ids)))}
    return [found[i] for i in ids if i in found]
