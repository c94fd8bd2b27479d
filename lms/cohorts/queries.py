"""Cohort read models: the follow-up grid for trainers and admins, and a member's own cohorts.

Reads only; the writes are in `service`. Each builds its page from grouped
queries (no query per member or per module).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import get_locale
from sqlalchemy.orm import joinedload, lazyload

from lms.accounts.models import User
from lms.cohorts.days_off import DayOff, day_off
from lms.cohorts.models import Cohort, CohortCourse, CohortMember
from lms.cohorts.schedule import due_weeks, is_behind
from lms.cohorts.service import (
    DONE_STATES, lessons_in_order, early_openings, calendar_of, cohort_modules, is_open,
)
from lms.core.clock import today, utcnow
from lms.courses.models import Course, CourseModule, Lesson
from lms.extensions import db
from lms.learning.models import CourseCompletion, LessonProgress
from lms.tenancy import in_org, owned_by

# --- follow-up: state per member and module -------------------------------------------------

NOT_STARTED, STARTED, DONE, LOCKED = "not_started", "started", "done", "locked"


@dataclass
class MemberRow:
    user: User
    joined_week: int
    states: dict[int, str]  # module id -> state
    behind: bool
    last_activity: datetime | None
    best_scores: dict[int, int | None]  # quiz lesson id -> best score
    overdue: list[Lesson] = field(default_factory=list)  # required lessons of weeks due by now, not done, in order

    @property
    def overdue_minutes(self) -> int:
        """The lessons' stated minutes added up (a lesson without minutes adds nothing)."""
        return sum(l.minutes or 0 for l in self.overdue)


@dataclass
class FollowUp:
    cohort: Cohort
    week: int  # the cohort's current week (0 before the start)
    modules: list[tuple[Course, CourseModule]]
    open_modules: set[int]
    quiz_lessons: list[Lesson]
    rows: list[MemberRow]

    @property
    def behind(self) -> list[MemberRow]:
        return [r for r in self.rows if r.behind]

    def done_count(self, module_id: int) -> int:
        """How many members have done every required lesson of the module (the grid's totals row)."""
        return sum(1 for r in self.rows if r.states.get(module_id) == DONE)

    def scored_count(self, lesson_id: int) -> int:
        return sum(1 for r in self.rows if r.best_scores.get(lesson_id) is not None)


def follow_up(cohort: Cohort, *, now: datetime | None = None) -> FollowUp:
    """Every member against every module: state, pace, last activity and quiz results (grouped queries only)."""
    day = today(now)
    calendar = calendar_of(cohort)
    week = calendar.week_of(day)
    modules = cohort_modules(cohort)
    openings = early_openings(cohort)
    open_modules = {m.id for _c, m in modules if is_open(cohort, m, day, openings)}
    lessons = lessons_in_order(modules)
    required: dict[int, set[int]] = defaultdict(set)
    for lesson in lessons:
        if lesson.required:
            required[lesson.module_id].add(lesson.id)
    members = db.session.execute(
        sa.select(User, CohortMember.joined_week).join(CohortMember, CohortMember.user_id == User.id)
        .where(CohortMember.cohort_id == cohort.id).order_by(*User.name_order())
    ).all()
    user_ids = [u.id for u, _w in members]
    progress: dict[int, dict[int, LessonProgress]] = defaultdict(dict)
    for row in db.session.scalars(
        sa.select(LessonProgress).where(
            owned_by(LessonProgress, cohort.org_id), LessonProgress.user_id.in_(user_ids),
            LessonProgress.lesson_id.in_([l.id for l in lessons]),
        )
    ):
        progress[row.user_id][row.lesson_id] = row
    quiz_lessons = [l for l in lessons if l.has_quiz]
    module_week = {m.id: m.week for _c, m in modules}
    current = min(week, calendar.weeks + 1)
    required_lessons = [l for l in lessons if l.required]
    weeks_with_work = {module_week[l.module_id] for l in required_lessons}
    rows = []
    for user, joined_week in members:
        mine = progress.get(user.id, {})
        states: dict[int, str] = {}
        for _c, module in modules:
            req = required.get(module.id, set())
            touched = [mine[l] for l in (l.id for l in lessons if l.module_id == module.id) if l in mine]
            if req and all(lid in mine and mine[lid].state in DONE_STATES for lid in req):
                states[module.id] = DONE
            elif touched:
                states[module.id] = STARTED
            elif module.id not in open_modules:
                states[module.id] = LOCKED
            else:
                states[module.id] = NOT_STARTED
        undone = [l for l in required_lessons if not (l.id in mine and mine[l.id].state in DONE_STATES)]
        done_by_week = {w: True for w in weeks_with_work}
        for lesson in undone:
            done_by_week[module_week[lesson.module_id]] = False
        # Behind = a module due by now (from the week they joined) has a required lesson not done.
        behind = is_behind(done_by_week, current, joined_week)
        due = set(due_weeks(current, joined_week))
        overdue = [l for l in undone if module_week[l.module_id] in due]
        activity = [p.last_activity_at for p in mine.values() if p.last_activity_at]
        rows.append(MemberRow(
            user=user, joined_week=joined_week, states=states, behind=behind,
            last_activity=max(activity) if activity else None,
            best_scores={l.id: (mine[l.id].best_score if l.id in mine else None) for l in quiz_lessons},
            overdue=overdue,
        ))
    return FollowUp(cohort, week, modules, open_modules, quiz_lessons, rows)


# --- an employee's view ---------------------------------------------------------------------


@dataclass
class MyCohort:
    cohort: Cohort
    week: int
    finished: bool
    this_week: list[Lesson]
    overdue: list[Lesson]
    next_session: tuple[int, datetime] | None
    next_session_off: DayOff | None  # the next session falls on a public holiday or 年末年始
    done: int
    required: int

    @property
    def percent(self) -> int:
        return 100 * self.done // self.required if self.required else 0


def _next_session_off(session: tuple[int, datetime] | None) -> DayOff | None:
    return day_off(session[1].date(), str(get_locale() or "ja")) if session else None


def my_cohorts(user: User, *, now: datetime | None = None) -> list[MyCohort]:
    """The person's cohorts, running ones first: this week's lessons, what is overdue, the next session."""
    moment = now or utcnow()
    day = today(moment)
    memberships = db.session.execute(
        sa.select(Cohort, CohortMember.joined_week).join(CohortMember)
        .where(owned_by(CohortMember, user.org_id), CohortMember.user_id == user.id).order_by(Cohort.start_date.desc())
        .options(lazyload(Cohort.trainers), joinedload(Cohort.courses))  # trainers are not shown to members
    ).unique().all()
    views = []
    for cohort, joined_week in memberships:
        calendar = calendar_of(cohort)
        week = calendar.week_of(day)
        modules = cohort_modules(cohort)
        week_of_module = {m.id: max(1, min(m.week, cohort.weeks)) for _c, m in modules}
        lessons, done = lessons_in_order(modules, done_by=user, org_id=cohort.org_id)
        due = set(due_weeks(week, joined_week))
        required = [l for l in lessons if l.required]
        views.append(MyCohort(
            cohort=cohort, week=week, finished=calendar.is_finished(day),
            this_week=[l for l in lessons if week_of_module[l.module_id] == week],
            overdue=[l for l in required if week_of_module[l.module_id] in due and l.id not in done],
            next_session=calendar.next_session(moment),
            next_session_off=_next_session_off(calendar.next_session(moment)),
            done=sum(1 for l in required if l.id in done), required=len(required),
        ))
    return sorted(views, key=lambda v: v.finished)


# --- for the adoption dashboard: counts per cohort and per department ---------------------------


@dataclass(frozen=True)
class CohortSummary:
    cohort: Cohort
    ends_on: date
    members: int
    enrolments: int  # member-course pairs
    completions: int  # of those, completed


def cohort_summaries(org_id: int) -> list[CohortSummary]:
    """The company's cohorts, newest first, with member and completion counts (three queries in all)."""
    listed = list(db.session.scalars(
        in_org(sa.select(Cohort), org_id).order_by(Cohort.start_date.desc(), Cohort.id.desc())
    ))
    if not listed:
        return []
    pairs = {cohort_id: (total, done) for cohort_id, total, done in db.session.execute(
        sa.select(CohortMember.cohort_id, sa.func.count(), sa.func.count(CourseCompletion.id))
        .join(CohortCourse, CohortCourse.cohort_id == CohortMember.cohort_id)
        .outerjoin(CourseCompletion, sa.and_(
            CourseCompletion.user_id == CohortMember.user_id, CourseCompletion.course_id == CohortCourse.course_id
        ))
        .where(owned_by(CohortMember, org_id)).group_by(CohortMember.cohort_id)
    )}
    members = {cohort_id: n for cohort_id, n in db.session.execute(
        sa.select(CohortMember.cohort_id, sa.func.count()).where(owned_by(CohortMember, org_id))
        .group_by(CohortMember.cohort_id)
    )}
    return [
        CohortSummary(cohort, calendar_of(cohort).ends_on(), members.get(cohort.id, 0), *pairs.get(cohort.id, (0, 0)))
        for cohort in listed
    ]


def memberships(org_id: int) -> sa.Subquery:
    """(cohort_id, user_id) of every membership in the company's cohorts, to join against."""
    return in_org(sa.select(CohortMember.cohort_id, CohortMember.user_id), org_id, CohortMember).subquery()


def completion_by_department(org_id: int) -> dict[int, tuple[int, int]]:
    """Department key (0 = none) → (member-course pairs in the company's cohorts, how many are completed)."""
    # A literal 0, not a bound parameter: PostgreSQL must see the GROUP BY expression as the selected one.
    department_key = sa.func.coalesce(User.department_id, sa.literal_column("0"))
    stmt = (
        sa.select(department_key, sa.func.count(), sa.func.count(CourseCompletion.id))
        .select_from(CohortMember)
        .join(CohortCourse, CohortCourse.cohort_id == CohortMember.cohort_id)
        .join(User, User.id == CohortMember.user_id)
        .outerjoin(CourseCompletion, sa.and_(
            CourseCompletion.user_id == CohortMember.user_id, CourseCompletion.course_id == CohortCourse.course_id
        ))
        .where(owned_by(CohortMember, org_id), User.is_active.is_(True))
        .group_by(department_key)
    )
    return {key: (total, done) for key, total, done in db.session.execute(stmt)}


def people_trained(org_id: int) -> int:
    """How many people have been members of any of the company's cohorts."""
    return db.session.scalar(
        sa.select(sa.func.count(sa.distinct(CohortMember.user_id))).where(owned_by(CohortMember, org_id))
    ) or 0
