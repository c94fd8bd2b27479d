"""Cohorts: creating them, membership, weekly release and who is behind. The caller commits."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import cache
from datetime import date, datetime, time
from typing import overload
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import lazyload
from sqlalchemy.orm.attributes import set_committed_value
from flask_babel import format_datetime, get_locale, gettext as _

from lms.accounts.models import TrainerAssignment, User, UserRole
from lms.accounts.roles import Role
from lms.audit.service import record
from lms.cohorts.days_off import DayOff, day_off
from lms.cohorts.models import Cohort, CohortCourse, CohortMember, CohortTrainer, ModuleOpening
from lms.cohorts.schedule import CohortCalendar, module_opens_on, sessions_overlap
from lms.courses.models import Course, CourseModule, Lesson
from lms.core.clock import today, utcnow, zone
from lms.mail.links import PREFERENCES
from lms.extensions import db
from lms.learning.models import LessonProgress
from lms.orgs.models import Organization
from lms.tenancy import owned_by
from lms.xapi import service as xapi

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
            owned_by(TrainerAssignment, org), TrainerAssignment.trainer_id.in_(trainer_ids)
        )
    ))


def _company_people(org: Organization, user_ids: list[int], department_ids: list[int]) -> tuple[set[int], list[int], list[int]]:
    """(active people chosen directly or through their department, unknown user ids, unknown department ids)."""
    from lms.orgs.models import Department

    own_users = set(db.session.scalars(
        sa.select(User.id).where(owned_by(User, org), User.is_active.is_(True), User.id.in_(user_ids))
    ))
    own_departments = set(db.session.scalars(
        sa.select(Department.id).where(owned_by(Department, org), Department.id.in_(department_ids))
    ))
    via_departments = set(db.session.scalars(
        sa.select(User.id).join(UserRole).where(
            owned_by(User, org), User.is_active.is_(True), User.department_id.in_(own_departments),
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
    elif db.session.scalar(sa.select(Cohort.id).where(owned_by(Cohort, org), Cohort.name == name)) is not None:
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


def set_meeting_url(cohort: Cohort, url: str, *, actor: User | None = None) -> None:
    """Sets or (with a blank) clears the cohort's meeting URL. :raise CohortInvalid:"""
    problem = meeting_url_problem(url)
    if problem:
        raise CohortInvalid({"meeting_url": problem})
    cohort.meeting_url = url.strip() or None
    record("cohort.meeting_url", actor=actor, org_id=cohort.org_id, subject=cohort.name)
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


def create_cohort(org: Organization, draft: CohortDraft, *, actor: User | None = None,
                  now: datetime | None = None) -> Cohort:
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
    record("cohort.create", actor=actor, org_id=org.id, subject=cohort.name)
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
    xapi.registered(cohort, added, moment)
    return len(added)


def add_employees(cohort: Cohort, user_ids: set[int], *, actor: User | None) -> int:
    """A trainer or admin adds active employees of the cohort's company. :raise CohortInvalid: nothing is saved."""
    own = set(db.session.scalars(
        sa.select(User.id).join(UserRole).where(
            owned_by(User, cohort.org_id), User.is_active.is_(True), User.id.in_(user_ids),
            UserRole.role == Role.EMPLOYEE.value,
        )
    ))
    if not user_ids or not user_ids <= own:
        raise CohortInvalid({"member_ids": _("Choose active employees of this company.")})
    added = add_members(cohort, user_ids)
    record("cohort.add_members", actor=actor, org_id=cohort.org_id, subject=cohort.name)
    return added


def save_reminder_settings(org: Organization, weekday: int, hour: int, *, actor: User | None) -> None:
    """The company's weekly reminder day and hour."""
    org.reminder_weekday, org.reminder_hour = weekday, hour
    record("org.reminder_settings", actor=actor, subject=str(org.id))
    db.session.flush()


def open_module_early(cohort: Cohort, module: CourseModule, by: User | None, *, now: datetime | None = None) -> bool:
    """Opens a module for the cohort before its week. Returns False when it was open already."""
    if module.course_id not in {c.course_id for c in cohort.courses}:
        raise ValueError("the module is not part of the cohort")
    if is_open(cohort, module, today(now), early_openings(cohort)):
        return False
    db.session.add(ModuleOpening(org_id=cohort.org_id, cohort_id=cohort.id, module_id=module.id,
                                 opened_at=now or utcnow(), opened_by_id=by.id if by else None))
    record("cohort.open_module", actor=by, org_id=cohort.org_id, subject=f"{cohort.name}: {module.title}")
    db.session.flush()
    return True


@overload
def lessons_in_order(modules: list[tuple[Course, CourseModule]]) -> list[Lesson]: ...
@overload
def lessons_in_order(modules: list[tuple[Course, CourseModule]], *, done_by: User, org_id: int) -> tuple[list[Lesson], set[int]]: ...
def lessons_in_order(
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
            LessonProgress.lesson_id == Lesson.id, owned_by(LessonProgress, org_id),
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


def early_openings(cohort: Cohort) -> set[int]:
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


# --- a person's mail choices ------------------------------------------------------------------


def save_notifications(user: User, choices: dict[str, bool]) -> None:
    """Turns the person's scheduled mail kinds on or off (`choices` by preference column)."""
    for column, wanted in choices.items():
        if column not in PREFERENCES.values():
            raise ValueError(f"not a mail preference: {column}")
        setattr(user, column, bool(wanted))
    db.session.flush()


def unsubscribe(user: User, kind: str) -> None:
    """One-click unsubscribe from a mail kind (the signed link in every scheduled mail)."""
    setattr(user, PREFERENCES[kind], False)
    record("mail.unsubscribe", actor=user, subject=kind)
    db.session.flush()
