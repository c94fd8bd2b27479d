"""Cohorts: creating them, membership, weekly release and who is behind. The caller commits."""
from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from datetime import date, datetime, time
from typing import overload
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload, lazyload
from sqlalchemy.orm.attributes import set_committed_value
from flask_babel import format_date, format_datetime, get_locale, gettext as _

from lms.accounts.models import TrainerAssignment, User, UserRole
from lms.accounts.roles import Role
from lms.cohorts.days_off import DayOff, day_off
from lms.cohorts.models import Cohort, CohortCourse, CohortMember, CohortTrainer, ModuleOpening
from lms.cohorts.schedule import CohortCalendar, due_weeks, local_date, module_opens_on, sessions_overlap
from lms.courses.models import Course, CourseModule, Lesson
from lms.db import utcnow
from lms.extensions import db
from lms.learning.models import LessonProgress, QuizAttempt
from lms.orgs.models import Organization

DONE_STATES = (LessonProgress.COMPLETED, LessonProgress.PASSED)


class CohortInvalid(Exception):
    """What is wrong with a cohort, by form field; nothing was saved."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass
class CohortDraft:
    name: str
    course_ids: list[int]
    start_date: date | None
    session_weekday: int
    session_time: time | None
    session_minutes: int = 60
    member_ids: list[int] = field(default_factory=list)
    department_ids: list[int] = field(default_factory=list)
    trainer_ids: list[int] = field(default_factory=list)
    meeting_url: str = ""


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def today(now: datetime | None = None) -> date:
    return local_date(now or utcnow(), zone())


def calendar_of(cohort: Cohort) -> CohortCalendar:
    return CohortCalendar(
        cohort.start_date, cohort.session_weekday, cohort.session_time, cohort.session_minutes, cohort.weeks, zone()
    )


def cohort_modules(cohort: Cohort) -> list[tuple[Course, CourseModule]]:
    """The cohort's live modules in course order, then module order."""
    course_ids = [c.course_id for c in cohort.courses]
    rows = db.session.execute(
        sa.select(Course, CourseModule).join(CourseModule, CourseModule.course_id == Course.id)
        .where(Course.id.in_(course_ids), CourseModule.is_archived.is_(False))
    ).all()
    order = {cid: i for i, cid in enumerate(course_ids)}
    return sorted(((c, m) for c, m in rows), key=lambda cm: (order[cm[0].id], cm[1].position))


def _trainers_assigned(org: Organization, trainer_ids: list[int]) -> set[int]:
    return set(db.session.scalars(
        sa.select(TrainerAssignment.trainer_id).where(
            TrainerAssignment.org_id == org.id, TrainerAssignment.trainer_id.in_(trainer_ids)
        )
    ))


def _company_people(org: Organization, user_ids: list[int], department_ids: list[int]) -> tuple[set[int], list[int], list[int]]:
    """(active people chosen directly or through their department, unknown user ids, unknown department ids)."""
    from lms.orgs.models import Department

    own_users = set(db.session.scalars(
        sa.select(User.id).where(User.org_id == org.id, User.is_active.is_(True), User.id.in_(user_ids))
    ))
    own_departments = set(db.session.scalars(
        sa.select(Department.id).where(Department.org_id == org.id, Department.id.in_(department_ids))
    ))
    via_departments = set(db.session.scalars(
        sa.select(User.id).join(UserRole).where(
            User.org_id == org.id, User.is_active.is_(True), User.department_id.in_(own_departments),
            UserRole.role == Role.EMPLOYEE.value,
        )
    )) if own_departments else set()
    return (
        own_users | via_departments,
        [u for u in user_ids if u not in own_users],
        [d for d in department_ids if d not in own_departments],
    )


def validate(org: Organization, draft: CohortDraft, *, now: datetime | None = None,
             existing: Cohort | None = None) -> tuple[set[int], list[Course]]:
    """Every problem with a draft at once, or the resolved members and courses. :raise CohortInvalid:"""
    errors: dict[str, str] = {}
    name = draft.name.strip()
    if not name:
        errors["name"] = _("Give the cohort a name.")
    elif db.session.scalar(sa.select(Cohort.id).where(Cohort.org_id == org.id, Cohort.name == name)) is not None:
        errors["name"] = _("This company already has a cohort with this name.")

    courses = list(db.session.scalars(sa.select(Course).where(Course.id.in_(draft.course_ids), Course.is_archived.is_(False))))
    visible = [c for c in courses if c.visible_to_industry(org.industry)]
    if not draft.course_ids:
        errors["course_ids"] = _("Choose at least one course.")
    elif len(visible) != len(set(draft.course_ids)):
        errors["course_ids"] = _("One of the chosen courses is not available to this company.")

    if draft.start_date is None:
        errors["start_date"] = _("Enter the start date.")
    elif draft.start_date < today(now):
        errors["start_date"] = _("The start date is in the past. Choose today or a later date.")
    if draft.session_time is None:
        errors["session_time"] = _("Enter the session time.")
    if not 0 <= draft.session_weekday <= 6:
        errors["session_weekday"] = _("Choose a weekday.")
    if not 15 <= draft.session_minutes <= 480:
        errors["session_minutes"] = _("A session lasts between 15 and 480 minutes.")
    url_problem = meeting_url_problem(draft.meeting_url)
    if url_problem:
        errors["meeting_url"] = url_problem

    members, unknown_users, unknown_departments = _company_people(org, draft.member_ids, draft.department_ids)
    if unknown_users:
        errors["member_ids"] = _("Some of the chosen people are not active members of this company.")
    elif unknown_departments:
        errors["department_ids"] = _("Some of the chosen departments do not belong to this company.")
    elif not members:
        errors["member_ids"] = _("Choose members or departments with employees.")

    unassigned = set(draft.trainer_ids) - _trainers_assigned(org, draft.trainer_ids)
    if unassigned:
        errors["trainer_ids"] = _("A chosen trainer is not assigned to this company.")

    if not errors:
        weeks = max((m.week for _c, m in _modules_of(visible)), default=1)
        draft_calendar = CohortCalendar(draft.start_date, draft.session_weekday, draft.session_time,  # type: ignore[arg-type]
                                        draft.session_minutes, weeks, zone())
        clash = _overlapping_cohort(org, draft_calendar, members, set(draft.trainer_ids))
        if clash is not None:
            other, when = clash
            errors["session_time"] = _(
                "The sessions overlap with the cohort “%(name)s” (%(when)s), which shares members or trainers.",
                name=other.name, when=format_datetime(when, "short"),
            )
    if errors:
        raise CohortInvalid(errors)
    return members, visible


MEETING_URL_LENGTH = 500


def meeting_url_problem(url: str) -> str | None:
    """Why a meeting URL cannot be stored, or None (a blank one is fine: the field is optional).

    Only https: the link goes into mail and calendars, where http would leak
    the meeting's secret and javascript: or data: would be worse. A URL with
    a user name (https://zoom.us@elsewhere.example) hides where it leads.
    """
    url = url.strip()
    if not url:
        return None
    if len(url) > MEETING_URL_LENGTH:
        return _("The meeting URL is too long (at most %(n)d characters).", n=MEETING_URL_LENGTH)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number
    except ValueError:
        parts = None
    if (parts is None or parts.scheme.lower() != "https" or not parts.hostname or "." not in parts.hostname
            or any(c.isspace() or unicodedata.category(c)[0] == "C" or c in '<>"\\' for c in url)):
        return _("Enter the meeting URL as copied from Zoom, Teams or Google Meet, starting with https://.")
    if parts.username is not None or parts.password is not None:
        return _("The meeting URL must not contain a user name or password before the @.")
    return None


def sessions_on_days_off(cohort: Cohort) -> list[tuple[int, datetime, DayOff]]:
    """(week, start, why) of each session that falls on a public holiday or 年末年始, in the UI's language."""
    language = str(get_locale() or "ja")
    found = []
    for week, start, _end in calendar_of(cohort).sessions():
        why = day_off(start.date(), language)
        if why is not None:
            found.append((week, start, why))
    return found


def set_meeting_url(cohort: Cohort, url: str) -> None:
    """Sets or (with a blank) clears the cohort's meeting URL. :raise CohortInvalid:"""
    problem = meeting_url_problem(url)
    if problem:
        raise CohortInvalid({"meeting_url": problem})
    cohort.meeting_url = url.strip() or None
    db.session.flush()


def _modules_of(courses: list[Course]) -> list[tuple[Course, CourseModule]]:
    return [(c, m) for c in courses for m in c.modules if not m.is_archived]


def _overlapping_cohort(org: Organization, calendar: CohortCalendar, members: set[int],
                        trainers: set[int]) -> tuple[Cohort, datetime] | None:
    """Another running cohort sharing a member or trainer whose sessions overlap these in time."""
    shares_member = sa.select(CohortMember.cohort_id).where(CohortMember.user_id.in_(members))
    shares_trainer = sa.select(CohortTrainer.cohort_id).where(CohortTrainer.trainer_id.in_(trainers))
    candidates = db.session.scalars(
        sa.select(Cohort).where(sa.or_(Cohort.id.in_(shares_member), Cohort.id.in_(shares_trainer)))
    )
    for other in candidates:
        when = sessions_overlap(calendar, calendar_of(other))
        if when is not None:
            return other, when
    return None


def create_cohort(org: Organization, draft: CohortDraft, *, now: datetime | None = None) -> Cohort:
    """A new cohort with its courses, members and trainers. :raise CohortInvalid: nothing is saved."""
    members, courses = validate(org, draft, now=now)
    by_id = {c.id: c for c in courses}
    ordered = [by_id[i] for i in dict.fromkeys(draft.course_ids)]
    cohort = Cohort(
        org_id=org.id, name=draft.name.strip(), start_date=draft.start_date, session_weekday=draft.session_weekday,
        session_time=draft.session_time, session_minutes=draft.session_minutes,
        meeting_url=draft.meeting_url.strip() or None, weeks=max((m.week for _c, m in _modules_of(ordered)), default=1),
    )
    cohort.courses = [CohortCourse(org_id=org.id, course_id=c.id, position=i) for i, c in enumerate(ordered)]
    cohort.trainers = [CohortTrainer(trainer_id=t) for t in dict.fromkeys(draft.trainer_ids)]
    db.session.add(cohort)
    db.session.flush()
    add_members(cohort, members, now=now)
    return cohort


def add_members(cohort: Cohort, user_ids: set[int], *, now: datetime | None = None) -> int:
    """Adds people not yet in the cohort; they join at the current week. Returns how many were added."""
    present = set(db.session.scalars(sa.select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id)))
    week = max(1, calendar_of(cohort).week_of(today(now)))
    added = sorted(user_ids - present)
    moment = now or utcnow()
    db.session.add_all(
        CohortMember(org_id=cohort.org_id, cohort_id=cohort.id, user_id=u, joined_week=week, added_at=moment) for u in added
    )
    db.session.flush()
    return len(added)


def open_module_early(cohort: Cohort, module: CourseModule, by: User | None, *, now: datetime | None = None) -> bool:
    """Opens a module for the cohort before its week. Returns False when it was open already."""
    if module.course_id not in {c.course_id for c in cohort.courses}:
        raise ValueError("the module is not part of the cohort")
    if is_open(cohort, module, today(now), _openings(cohort)):
        return False
    db.session.add(ModuleOpening(org_id=cohort.org_id, cohort_id=cohort.id, module_id=module.id,
                                 opened_at=now or utcnow(), opened_by_id=by.id if by else None))
    db.session.flush()
    return True


@overload
def _lessons_in_order(modules: list[tuple[Course, CourseModule]]) -> list[Lesson]: ...
@overload
def _lessons_in_order(modules: list[tuple[Course, CourseModule]], *, done_by: User, org_id: int) -> tuple[list[Lesson], set[int]]: ...
def _lessons_in_order(
    modules: list[tuple[Course, CourseModule]], *, done_by: User | None = None, org_id: int | None = None,
) -> list[Lesson] | tuple[list[Lesson], set[int]]:
    """Live lessons of the modules, in the modules' order (lesson positions restart in every module).

    With `done_by`, also the ids of those lessons that person has done in company `org_id`, from
    the same statement.
    """
    rank = {m.id: i for i, (_c, m) in enumerate(modules)}
    owners = {m.id: (c, m) for c, m in modules}
    stmt = sa.select(Lesson).where(Lesson.module_id.in_(rank), Lesson.is_archived.is_(False))
    done: set[int] = set()
    if done_by is None:
        lessons = list(db.session.scalars(stmt))
    else:
        with_done = stmt.add_columns(LessonProgress.lesson_id).outerjoin(LessonProgress, sa.and_(
            LessonProgress.lesson_id == Lesson.id, LessonProgress.org_id == org_id,
            LessonProgress.user_id == done_by.id, LessonProgress.state.in_(DONE_STATES),
        ))
        lessons = []
        for lesson, done_id in db.session.execute(with_done):
            lessons.append(lesson)
            if done_id is not None:
                done.add(done_id)
    for lesson in lessons:
        # Linking to a lesson reads its course and module: hand them over (loaded above), or each
        # lesson would load them again once the caller has dropped `modules`.
        course, module = owners[lesson.module_id]
        set_committed_value(lesson, "course", course)
        set_committed_value(lesson, "module", module)
    ordered = sorted(lessons, key=lambda l: (rank[l.module_id], l.position))
    return ordered if done_by is None else (ordered, done)


def _openings(cohort: Cohort) -> set[int]:
    return set(db.session.scalars(sa.select(ModuleOpening.module_id).where(ModuleOpening.cohort_id == cohort.id)))


def is_open(cohort: Cohort, module: CourseModule, day: date, openings: set[int]) -> bool:
    return module.id in openings or day >= module_opens_on(calendar_of(cohort), module.week)


@cache
def _lock_statement() -> sa.Select[Cohort, bool]:
    """The person's cohorts teaching a course, each with whether a trainer opened the module early in it.

    Built once per process (the lesson page asks on every request); the cohorts' course and trainer
    lists are not needed here, so they are not loaded.
    """
    opened_early = sa.exists().where(ModuleOpening.cohort_id == Cohort.id, ModuleOpening.module_id == sa.bindparam("module_id"))
    return (
        sa.select(Cohort, opened_early).join(CohortMember).join(CohortCourse, CohortCourse.cohort_id == Cohort.id)
        .where(CohortMember.user_id == sa.bindparam("user_id"), CohortCourse.course_id == sa.bindparam("course_id"))
        .options(lazyload(Cohort.courses), lazyload(Cohort.trainers))
    )


def lesson_opens_on(user: User, lesson: Lesson, *, now: datetime | None = None) -> date | None:
    """When a locked lesson opens for this person, or None when it is open.

    Lessons are open to people outside any cohort that teaches the course
    (self-paced learning); inside cohorts, the module opens in its week in
    any of the person's cohorts.
    """
    rows = db.session.execute(
        _lock_statement(), {"user_id": user.id, "course_id": lesson.course_id, "module_id": lesson.module_id}
    ).all()
    if not rows:
        return None
    day = today(now)
    dates = []
    for cohort, early in rows:
        if is_open(cohort, lesson.module, day, {lesson.module_id} if early else set()):
            return None
        dates.append(module_opens_on(calendar_of(cohort), lesson.module.week))
    return min(dates)


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
    openings = _openings(cohort)
    open_modules = {m.id for _c, m in modules if is_open(cohort, m, day, openings)}
    lessons = _lessons_in_order(modules)
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
            LessonProgress.org_id == cohort.org_id, LessonProgress.user_id.in_(user_ids),
            LessonProgress.lesson_id.in_([l.id for l in lessons]),
        )
    ):
        progress[row.user_id][row.lesson_id] = row
    quiz_lessons = [l for l in lessons if l.has_quiz]
    module_week = {m.id: m.week for _c, m in modules}
    due = set(due_weeks(min(week, calendar.weeks + 1), 1))
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
        # Behind = a required lesson of a module due by now (from the week they joined) is not done.
        overdue = [
            l for l in lessons
            if l.required and module_week[l.module_id] in due and module_week[l.module_id] >= joined_week
            and not (l.id in mine and mine[l.id].state in DONE_STATES)
        ]
        activity = [p.last_activity_at for p in mine.values() if p.last_activity_at]
        rows.append(MemberRow(
            user=user, joined_week=joined_week, states=states, behind=bool(overdue),
            last_activity=max(activity) if activity else None,
            best_scores={l.id: (mine[l.id].best_score if l.id in mine else None) for l in quiz_lessons},
            overdue=overdue,
        ))
    return FollowUp(cohort, week, modules, open_modules, quiz_lessons, rows)


def quiz_attempt_count(cohort: Cohort) -> int:
    members = sa.select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id)
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(QuizAttempt).where(
            QuizAttempt.org_id == cohort.org_id, QuizAttempt.user_id.in_(members)
        )
    ) or 0


def describe_week(cohort: Cohort, week: int) -> str:
    return format_date(calendar_of(cohort).week_starts_on(week), "medium")


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
        .where(CohortMember.user_id == user.id).order_by(Cohort.start_date.desc())
        .options(lazyload(Cohort.trainers), joinedload(Cohort.courses))  # trainers are not shown to members
    ).unique().all()
    views = []
    for cohort, joined_week in memberships:
        calendar = calendar_of(cohort)
        week = calendar.week_of(day)
        modules = cohort_modules(cohort)
        week_of_module = {m.id: max(1, min(m.week, cohort.weeks)) for _c, m in modules}
        lessons, done = _lessons_in_order(modules, done_by=user, org_id=cohort.org_id)
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
