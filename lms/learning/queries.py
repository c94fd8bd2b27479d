"""Reads for the lesson player and progress pages (company-owned rows always scoped)."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.cohorts.models import CohortCourse, CohortMember
from lms.courses.models import Course, CourseModule, Lesson
from lms.extensions import db
from lms.learning.models import CourseCompletion, LessonProgress
from lms.orgs.models import Organization
from lms.tenancy import current_org, current_org_roles, scoped


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


def _for_viewer(courses: list[Course], roles: frozenset[Role] | None, user: User | None) -> list[Course]:
    if roles is None:
        return courses
    if all(c.is_for(roles) for c in courses):
        return courses  # the usual case costs no query
    assigned = cohort_course_ids(user) if user is not None else set()
    return [c for c in courses if c.is_for(roles) or c.id in assigned]


def visible_courses(org: Organization, roles: frozenset[Role] | None = None, user: User | None = None) -> list[Course]:
    """Live courses for the company's industry (or all industries) and for the viewer's audience.

    With `roles`, courses for another audience (``audience: executives``) are left out unless one
    of the person's cohorts teaches them; without, every audience is listed (staff choosing courses).
    """
    courses = db.session.scalars(sa.select(Course).where(Course.is_archived.is_(False)).order_by(Course.slug))
    return _for_viewer([c for c in courses if c.visible_to_industry(org.industry)], roles, user)


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
    course = course_or_404(org, course_slug, roles, user)
    lesson = db.session.scalar(
        sa.select(Lesson).join(CourseModule).where(
            Lesson.course_id == course.id, CourseModule.slug == module_slug, Lesson.slug == lesson_slug,
            Lesson.is_archived.is_(False), CourseModule.is_archived.is_(False),
        )
    )
    if lesson is None or lesson.current_revision is None:
        abort(404)
    return lesson


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
    required = dict(
        db.session.execute(
            sa.select(Lesson.course_id, sa.func.count()).where(
                Lesson.course_id.in_(ids), Lesson.required.is_(True), Lesson.is_archived.is_(False)
            ).group_by(Lesson.course_id)
        ).all()
    )
    done = dict(
        db.session.execute(
            scoped(sa.select(Lesson.course_id, sa.func.count()).select_from(LessonProgress), LessonProgress)
            .join(Lesson, Lesson.id == LessonProgress.lesson_id)
            .where(
                LessonProgress.user_id == user.id, Lesson.course_id.in_(ids), Lesson.required.is_(True),
                Lesson.is_archived.is_(False), LessonProgress.state.in_([LessonProgress.COMPLETED, LessonProgress.PASSED]),
            ).group_by(Lesson.course_id)
        ).all()
    )
    completed = set(
        db.session.scalars(
            scoped(sa.select(CourseCompletion.course_id)).where(CourseCompletion.user_id == user.id, CourseCompletion.course_id.in_(ids))
        )
    )
    return [CourseCard(c, required.get(c.id, 0), done.get(c.id, 0), c.id in completed) for c in courses]


def neighbours(lesson: Lesson, course_outline: list[tuple[CourseModule, list[Lesson]]]) -> tuple[Lesson | None, Lesson | None]:
    flat = [l for _, lessons in course_outline for l in lessons]
    index = next(i for i, l in enumerate(flat) if l.id == lesson.id)
    return (flat[index - 1] if index > 0 else None, flat[index + 1] if index + 1 < len(flat) else None)


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
