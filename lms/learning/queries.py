"""Reads for the lesson player and progress pages (company-owned rows always scoped)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import contains_eager, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.cohorts.models import CohortCourse, CohortMember
from lms.courses.models import Course, CourseModule, Lesson
from lms.extensions import db
from lms.learning.models import CourseCompletion, LessonProgress
from lms.orgs.models import Organization
from lms.tenancy import current_org, current_org_roles, owned_by, scoped


@dataclass(frozen=True)
class CourseCard:
    course: Course
    required: int
    done: int
    completed: bool

    @property
    def percent(self) -> int:
        return 100 * self.done // self.required if self.required else 0


def cohort_course_ids(user: User) -> set[int]:
    """Courses taught by a cohort the person is in (a trainer's choice opens them whatever their audience)."""
    return set(db.session.scalars(
        scoped(sa.select(CohortCourse.course_id), CohortCourse)
        .join(CohortMember, CohortMember.cohort_id == CohortCourse.cohort_id)
        .where(CohortMember.user_id == user.id)
    ))


def _for_viewer(
    courses: list[Course], roles: frozenset[Role] | None, user: User | None, assigned: set[int] | None = None,
) -> list[Course]:
    if roles is None:
        return courses
    if all(c.is_for(roles) for c in courses):
        return courses  # the usual case costs no query
    if assigned is None:
        assigned = cohort_course_ids(user) if user is not None else set()
    return [c for c in courses if c.is_for(roles) or c.id in assigned]


def visible_courses(
    org: Organization, roles: frozenset[Role] | None = None, user: User | None = None, assigned: set[int] | None = None,
) -> list[Course]:
    """Live courses for the company's industry (or all industries) and for the viewer's audience.

    With `roles`, courses for another audience (``audience: executives``) are left out unless one
    of the person's cohorts teaches them; without, every audience is listed (staff choosing courses).
    `assigned`: the ids of the courses the person's cohorts teach, when the caller has them already.
    """
    courses = db.session.scalars(sa.select(Course).where(Course.is_archived.is_(False)).order_by(Course.slug))
    return _for_viewer([c for c in courses if c.visible_to_industry(org.industry)], roles, user, assigned)


def my_courses(user: User) -> list[Course]:
    """The courses the signed-in person sees in the request's company."""
    return visible_courses(current_org(), current_org_roles(), user)


def course_or_404(org: Organization, slug: str, roles: frozenset[Role] | None = None, user: User | None = None) -> Course:
    """A live course the company (and, with `roles`, the person) may see. :raise 404: otherwise."""
    course = db.session.scalar(sa.select(Course).where(Course.slug == slug, Course.is_archived.is_(False)))
    if course is None or not course.visible_to_industry(org.industry) or not _for_viewer([course], roles, user):
        abort(404)
    return course


def lesson_or_404(
    org: Organization, course_slug: str, module_slug: str, lesson_slug: str,
    roles: frozenset[Role] | None = None, user: User | None = None,
) -> Lesson:
    """A live lesson the company (and person) may see. :raise 404: otherwise (other industry or audience, archived, unknown)."""
    return _lesson_query_or_404(org, course_slug, module_slug, lesson_slug, roles, user, None)[0]


def lesson_and_progress_or_404(
    org: Organization, course_slug: str, module_slug: str, lesson_slug: str, roles: frozenset[Role], user: User,
) -> tuple[Lesson, LessonProgress | None]:
    """`lesson_or_404` and the person's progress row for it (None before the first visit), in one statement."""
    return _lesson_query_or_404(org, course_slug, module_slug, lesson_slug, roles, user, user)


@cache
def _lesson_statement(with_progress: bool) -> sa.Select[Any]:
    """Built once per process with bound parameters: the lesson page runs it on every request, and
    building the expression costs more CPU than the database takes to answer it."""
    stmt = (
        sa.select(Lesson)
        .join(Lesson.course).join(Lesson.module)
        .options(contains_eager(Lesson.course), contains_eager(Lesson.module), joinedload(Lesson.current_revision))
        .where(
            Course.slug == sa.bindparam("course_slug"), CourseModule.slug == sa.bindparam("module_slug"),
            Lesson.slug == sa.bindparam("lesson_slug"),
            Course.is_archived.is_(False), Lesson.is_archived.is_(False), CourseModule.is_archived.is_(False),
        )
    )
    if with_progress:
        # Scoped to the company in the join condition: in a WHERE clause it would drop the lesson
        # before the first visit (no progress row yet).
        stmt = stmt.add_columns(LessonProgress).outerjoin(LessonProgress, sa.and_(
            LessonProgress.lesson_id == Lesson.id, LessonProgress.user_id == sa.bindparam("user_id"),
            owned_by(LessonProgress, sa.bindparam("org_id")),
        ))
    return stmt


def _lesson_query_or_404(
    org: Organization, course_slug: str, module_slug: str, lesson_slug: str,
    roles: frozenset[Role] | None, user: User | None, progress_of: User | None,
) -> tuple[Lesson, LessonProgress | None]:
    """One statement: the lesson with its course, module and current revision (and, for `progress_of`,
    that person's progress row in `org`), so that rendering the page loads nothing lazily."""
    params: dict[str, Any] = {"course_slug": course_slug, "module_slug": module_slug, "lesson_slug": lesson_slug}
    if progress_of is not None:
        params.update(user_id=progress_of.id, org_id=org.id)
    row = db.session.execute(_lesson_statement(progress_of is not None), params).first()
    if row is None:
        abort(404)
    lesson = row[0]
    course = lesson.course
    if (
        lesson.current_revision is None or not course.visible_to_industry(org.industry)
        or not _for_viewer([course], roles, user)
    ):
        abort(404)
    return lesson, (row[1] if progress_of is not None else None)


@dataclass(frozen=True)
class LessonLink:
    """Enough of a lesson to link to it (previous/next), without loading the lesson row."""

    id: int
    course_slug: str
    module_slug: str
    slug: str
    title: str


@cache
def _neighbours_statement() -> sa.Select[int, str, str, str]:
    return (
        sa.select(Lesson.id, CourseModule.slug, Lesson.slug, Lesson.title)
        .join(CourseModule, CourseModule.id == Lesson.module_id)
        .where(Lesson.course_id == sa.bindparam("course_id"), Lesson.is_archived.is_(False), CourseModule.is_archived.is_(False))
        .order_by(CourseModule.position, Lesson.position)
    )


def neighbours_of(lesson: Lesson) -> tuple[LessonLink | None, LessonLink | None]:
    """The live lessons before and after `lesson` in course order: one statement over four columns."""
    rows = db.session.execute(_neighbours_statement(), {"course_id": lesson.course_id}).all()
    index = next(i for i, r in enumerate(rows) if r[0] == lesson.id)
    course_slug = lesson.course.slug

    def link(i: int) -> LessonLink | None:
        return LessonLink(rows[i][0], course_slug, rows[i][1], rows[i][2], rows[i][3]) if 0 <= i < len(rows) else None

    return link(index - 1), link(index + 1)


def outline(course: Course) -> list[tuple[CourseModule, list[Lesson]]]:
    modules = db.session.scalars(
        sa.select(CourseModule).where(CourseModule.course_id == course.id, CourseModule.is_archived.is_(False))
        .order_by(CourseModule.position)
    )
    lessons = db.session.scalars(
        sa.select(Lesson).where(Lesson.course_id == course.id, Lesson.is_archived.is_(False)).order_by(Lesson.position)
    )
    by_module: dict[int, list[Lesson]] = {}
    for lesson in lessons:
        by_module.setdefault(lesson.module_id, []).append(lesson)
    return [(m, by_module.get(m.id, [])) for m in modules]


def progress_by_lesson(user: User, lesson_ids: list[int]) -> dict[int, LessonProgress]:
    rows = db.session.scalars(
        scoped(sa.select(LessonProgress)).where(LessonProgress.user_id == user.id, LessonProgress.lesson_id.in_(lesson_ids))
    )
    return {row.lesson_id: row for row in rows}


def course_cards(user: User, courses: list[Course]) -> list[CourseCard]:
    """Each course with how many required lessons the person has done (two grouped queries)."""
    ids = [c.id for c in courses]
    done_row = sa.and_(
        LessonProgress.lesson_id == Lesson.id, LessonProgress.user_id == user.id, owned_by(LessonProgress, current_org()),
        LessonProgress.state.in_(DONE_STATES),
    )  # scoped in the join condition: a WHERE clause would drop the lessons not done
    counts = {
        course_id: (required, done)
        for course_id, required, done in db.session.execute(
            sa.select(Lesson.course_id, sa.func.count(Lesson.id), sa.func.count(LessonProgress.id))
            .outerjoin(LessonProgress, done_row)
            .where(Lesson.course_id.in_(ids), Lesson.required.is_(True), Lesson.is_archived.is_(False))
            .group_by(Lesson.course_id)
        )
    }
    completed = set(
        db.session.scalars(
            scoped(sa.select(CourseCompletion.course_id)).where(CourseCompletion.user_id == user.id, CourseCompletion.course_id.in_(ids))
        )
    )
    return [CourseCard(c, *counts.get(c.id, (0, 0)), c.id in completed) for c in courses]


DONE_STATES = (LessonProgress.COMPLETED, LessonProgress.PASSED)


@cache
def _course_statement() -> sa.Select[Course, bool]:
    completed = sa.exists().where(
        CourseCompletion.course_id == Course.id, CourseCompletion.user_id == sa.bindparam("user_id"),
        owned_by(CourseCompletion, sa.bindparam("org_id")),
    )
    return sa.select(Course, completed).where(Course.slug == sa.bindparam("slug"), Course.is_archived.is_(False))


@cache
def _outline_with_progress_statement() -> sa.Select[CourseModule, Lesson, LessonProgress]:
    return (
        sa.select(CourseModule, Lesson, LessonProgress)
        .outerjoin(Lesson, sa.and_(Lesson.module_id == CourseModule.id, Lesson.is_archived.is_(False)))
        .outerjoin(LessonProgress, sa.and_(  # scoped to the company in the join condition
            LessonProgress.lesson_id == Lesson.id, LessonProgress.user_id == sa.bindparam("user_id"),
            owned_by(LessonProgress, sa.bindparam("org_id")),
        ))
        .where(CourseModule.course_id == sa.bindparam("course_id"), CourseModule.is_archived.is_(False))
        .order_by(CourseModule.position, Lesson.position)
    )


def course_page_or_404(
    org: Organization, slug: str, roles: frozenset[Role], user: User,
) -> tuple[Course, list[tuple[CourseModule, list[Lesson]]], CourseCard, dict[int, LessonProgress]]:
    """The course page in two statements: the course (with whether the person completed it), then its
    outline with the person's progress on each lesson; the card is counted from the outline.

    :raise 404: as `course_or_404`.
    """
    params = {"slug": slug, "user_id": user.id, "org_id": org.id}
    row = db.session.execute(_course_statement(), params).first()
    if row is None:
        abort(404)
    course, completed = row
    if not course.visible_to_industry(org.industry) or not _for_viewer([course], roles, user):
        abort(404)
    modules: dict[int, tuple[CourseModule, list[Lesson]]] = {}
    progress: dict[int, LessonProgress] = {}
    for module, lesson, mine in db.session.execute(_outline_with_progress_statement(), {**params, "course_id": course.id}):
        lessons = modules.setdefault(module.id, (module, []))[1]
        if lesson is not None:
            set_committed_value(lesson, "course", course)
            lessons.append(lesson)
            if mine is not None:
                progress[lesson.id] = mine
    course_outline = list(modules.values())
    required = [l for _, ls in course_outline for l in ls if l.required]
    done = sum(1 for l in required if l.id in progress and progress[l.id].state in DONE_STATES)
    return course, course_outline, CourseCard(course, len(required), done, bool(completed)), progress


def course_progress_rows(course: Course) -> tuple[list[Lesson], list[tuple[User, dict[int, LessonProgress], CourseCompletion | None]]]:
    """For trainers: every active member of the company against every live lesson of the course."""
    lessons = [l for _, ls in outline(course) for l in ls]
    members = list(db.session.scalars(scoped(sa.select(User)).where(User.is_active.is_(True)).order_by(*User.name_order())))
    progress: dict[int, dict[int, LessonProgress]] = {}
    for row in db.session.scalars(scoped(sa.select(LessonProgress)).where(LessonProgress.lesson_id.in_([l.id for l in lessons]))):
        progress.setdefault(row.user_id, {})[row.lesson_id] = row
    completions = {
        c.user_id: c for c in db.session.scalars(scoped(sa.select(CourseCompletion)).where(CourseCompletion.course_id == course.id))
    }
    return lessons, [(m, progress.get(m.id, {}), completions.get(m.id)) for m in members]
