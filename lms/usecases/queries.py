"""Reads of the use-case catalog (provider content, the same for every company).

Filters are plain SQL on the `usecase_tags` rows (industry, department) and
the `level` column, so both databases answer the same.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from lms.core.vocab import DEPARTMENTS, INDUSTRY_CODES, USECASE_LEVELS
from lms.courses.models import Course, CourseModule, Lesson
from lms.exercises.models import Exercise
from lms.extensions import db
from lms.usecases.models import Usecase, UsecaseTag


@dataclass(frozen=True)
class Filters:
    industry: str | None = None
    department: str | None = None
    level: str | None = None

    @classmethod
    def from_args(cls, args: dict[str, str]) -> Filters:
        """Only known codes filter; anything else is ignored (a hand-edited link shows the whole list)."""
        industry, department, level = args.get("industry"), args.get("department"), args.get("level")
        return cls(
            industry=industry if industry in INDUSTRY_CODES else None,
            department=department if department in DEPARTMENTS else None,
            level=level if level in USECASE_LEVELS else None,
        )

    def active(self) -> bool:
        return any((self.industry, self.department, self.level))


def _tagged(kind: str, codes: tuple[str, ...]) -> sa.ColumnElement[bool]:
    return sa.exists(sa.select(UsecaseTag.id).where(
        UsecaseTag.usecase_id == Usecase.id, UsecaseTag.kind == kind, UsecaseTag.code.in_(codes)))


PAGE_SIZE = 50


@dataclass(frozen=True)
class CasePage:
    cases: list[Usecase]
    total: int
    page: int  # 1-based
    pages: int


def live_cases(filters: Filters, company_industry: str | None, page: int = 1) -> CasePage:
    """One page of the live cases matching `filters`: the company's industry (or all industries) first, then by title."""
    stmt = sa.select(Usecase).where(Usecase.is_archived.is_(False))
    if filters.industry:
        stmt = stmt.where(_tagged(UsecaseTag.INDUSTRY, (filters.industry, "all")))
    if filters.department:
        stmt = stmt.where(_tagged(UsecaseTag.DEPARTMENT, (filters.department,)))
    if filters.level:
        stmt = stmt.where(Usecase.level == filters.level)
    order: list[sa.ColumnElement[object]] = []
    if company_industry:
        matches = _tagged(UsecaseTag.INDUSTRY, (company_industry, "all"))
        order.append(sa.case((matches, 0), else_=1))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    stmt = stmt.order_by(*order, Usecase.title, Usecase.slug).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    return CasePage(list(db.session.scalars(stmt)), total, page, pages)


def live_by_slugs(slugs: list[str]) -> list[Usecase]:
    """The live cases of `slugs`, in the order given (unknown or archived ones left out)."""
    if not slugs:
        return []
    found = {u.slug: u for u in db.session.scalars(
        sa.select(Usecase).where(Usecase.slug.in_(slugs), Usecase.is_archived.is_(False)))}
    return [found[s] for s in dict.fromkeys(slugs) if s in found]


def case_by_id(case_id: str) -> tuple[Usecase | None, bool]:
    """The live case of `case_id`, or of a case that lists it as an old id; (case, found by alias).

    One query, indexed on both databases: the unique id UNION ALL the `alias`
    rows of usecase_tags (kind, code); the id wins over an old id.
    """
    live = Usecase.is_archived.is_(False)
    found = sa.union_all(
        sa.select(Usecase.id, sa.literal(0).label("by_alias")).where(Usecase.slug == case_id, live),
        sa.select(Usecase.id, sa.literal(1).label("by_alias")).join(UsecaseTag, UsecaseTag.usecase_id == Usecase.id)
        .where(UsecaseTag.kind == UsecaseTag.ALIAS, UsecaseTag.code == case_id, live),
    ).subquery()
    row = db.session.execute(
        sa.select(Usecase, found.c.by_alias).join(found, Usecase.id == found.c.id)
        .order_by(found.c.by_alias, Usecase.id).limit(1)
    ).first()
    return (row[0], bool(row[1])) if row is not None else (None, False)


def live_ids(origin: str | None = None) -> frozenset[str]:
    """Ids and old ids of the live cases (of `origin` only, when given): what a lesson or an exercise may link to."""
    live = [Usecase.is_archived.is_(False)] + ([Usecase.origin == origin] if origin else [])
    ids = db.session.scalars(sa.select(Usecase.slug).where(*live))
    old = db.session.scalars(sa.select(UsecaseTag.code).join(Usecase, UsecaseTag.usecase_id == Usecase.id)
                             .where(UsecaseTag.kind == UsecaseTag.ALIAS, *live))
    return frozenset([*ids, *old])


@dataclass(frozen=True)
class LessonLink:
    course_slug: str
    module_slug: str
    lesson_slug: str
    title: str


def lesson_links(refs: list[str]) -> list[LessonLink]:
    """The live lessons of `course/module/lesson` references, in the order given (missing ones left out)."""
    links: list[LessonLink] = []
    for ref in refs:
        course_slug, module_slug, lesson_slug = ref.split("/")
        title = db.session.scalar(
            sa.select(Lesson.title).join(CourseModule, Lesson.module_id == CourseModule.id)
            .join(Course, Lesson.course_id == Course.id)
            .where(Course.slug == course_slug, CourseModule.slug == module_slug, Lesson.slug == lesson_slug,
                   Lesson.is_archived.is_(False), CourseModule.is_archived.is_(False), Course.is_archived.is_(False))
        )
        if title is not None:
            links.append(LessonLink(course_slug, module_slug, lesson_slug, title))
    return links


def exercise_links(slugs: list[str]) -> list[tuple[str, LessonLink | None]]:
    """(title, a live lesson that plays it or None) of each live exercise of `slugs`."""
    links: list[tuple[str, LessonLink | None]] = []
    for slug in slugs:
        title = db.session.scalar(sa.select(Exercise.title).where(Exercise.slug == slug, Exercise.is_archived.is_(False)))
        if title is None:
            continue
        row = db.session.execute(
            sa.select(Course.slug, CourseModule.slug, Lesson.slug, Lesson.title)
            .join(CourseModule, Lesson.module_id == CourseModule.id).join(Course, Lesson.course_id == Course.id)
            .where(Lesson.exercise == slug, Lesson.kind == "exercise", Lesson.is_archived.is_(False),
                   Course.is_archived.is_(False))
            .order_by(Course.slug, CourseModule.position, Lesson.position).limit(1)
        ).first()
        links.append((title, LessonLink(row[0], row[1], row[2], row[3]) if row else None))
    return links
