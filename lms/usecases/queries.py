"""Reads of the use-case catalog (provider content, the same for every company).

Without a query, filters are plain SQL on the `usecase_tags` rows (industry,
department, tool) and the `task_type` and `level` columns, so both databases
answer the same; with a query, the search (lms/usecases/search.py) gives the
cases and the same filters and the facet counts are applied to them in Python.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from lms.core.vocab import DEPARTMENTS, INDUSTRIES, INDUSTRY_CODES, USECASE_LEVELS, USECASE_TASK_TYPES, USECASE_TOOLS
from lms.courses.models import Course, CourseModule, Lesson
from lms.exercises.models import Exercise
from lms.extensions import db
from lms.usecases import search
from lms.usecases.models import Usecase, UsecaseTag


@dataclass(frozen=True)
class Filters:
    industry: str | None = None
    department: str | None = None
    task_type: str | None = None
    tool: str | None = None
    level: str | None = None

    @classmethod
    def from_args(cls, args: dict[str, str]) -> Filters:
        """Only known codes filter; anything else is ignored (a hand-edited link shows the whole list)."""
        def known(name: str, codes: Collection[str]) -> str | None:
            value = args.get(name)
            return value if value in codes else None

        return cls(
            industry=known("industry", INDUSTRY_CODES), department=known("department", DEPARTMENTS),
            task_type=known("task_type", USECASE_TASK_TYPES), tool=known("tool", USECASE_TOOLS),
            level=known("level", USECASE_LEVELS),
        )

    def active(self) -> bool:
        return any(self.args().values())

    def args(self) -> dict[str, str | None]:
        """The filters as link arguments."""
        return {"industry": self.industry, "department": self.department, "task_type": self.task_type,
                "tool": self.tool, "level": self.level}

    def admits(self, codes: Mapping[str, Sequence[str]]) -> bool:
        """Do a case's facet codes (search.Hit.facet) pass these filters (the same rules as the SQL of `live_cases`)?"""
        return ((not self.industry or self.industry in codes["industry"] or "all" in codes["industry"])
                and (not self.department or self.department in codes["department"])
                and (not self.task_type or self.task_type in codes["task_type"])
                and (not self.tool or self.tool in codes["tool"])
                and (not self.level or self.level in codes["level"]))


FACETS = ("industry", "department", "task_type", "tool", "level")


def _tagged(kind: str, codes: tuple[str, ...]) -> sa.ColumnElement[bool]:
    return sa.exists(sa.select(UsecaseTag.id).where(
        UsecaseTag.usecase_id == Usecase.id, UsecaseTag.kind == kind, UsecaseTag.code.in_(codes)))


PAGE_SIZE = 20  # cards a page: the catalog is read on phones


class Card(NamedTuple):
    """What a card of the list shows: the columns only, no entity (a page shows 20)."""

    slug: str
    title: str
    summary: str
    level: str
    task_type: str
    industries: list[str]


_CARD = (Usecase.slug, Usecase.title, Usecase.summary, Usecase.level, Usecase.task_type, Usecase.industries)


@dataclass(frozen=True)
class CasePage:
    cases: list[Card]
    total: int
    page: int  # 1-based
    pages: int
    # facet -> code -> how many cases of the current result set a link to that code would list
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


def live_cases(filters: Filters, company_industry: str | None, page: int = 1, query: str = "") -> CasePage:
    """One page of the live cases matching `query` and `filters`, with facet counts over them.

    With a query, in the search's rank order (lms/usecases/search.py); without,
    the company's industry (or all industries) first, then by title.
    """
    if search.query_words(query):
        return _searched(query, filters, page)
    if not query.strip():
        return _listed(filters, company_industry, page)
    return CasePage([], 0, 1, 1, {name: {} for name in FACETS})  # a query of punctuation or control characters


def _page_bounds(total: int, page: int) -> tuple[int, int]:
    pages = max(1, -(-total // PAGE_SIZE))
    return min(max(page, 1), pages), pages


def _searched(query: str, filters: Filters, page: int) -> CasePage:
    hits: list[search.Hit] = []
    facets: dict[str, dict[str, int]] = {name: {} for name in FACETS}
    everywhere = 0
    both: dict[str, int] = {}  # industry -> cases tagged with it and with "all"
    for hit in search.search(query):
        codes = hit.facet()
        if not filters.admits(codes):
            continue
        hits.append(hit)
        for name, values in codes.items():
            counts = facets[name]
            for code in values:
                counts[code] = counts.get(code, 0) + 1
        if "all" in codes["industry"]:
            everywhere += 1
            for code in codes["industry"]:
                both[code] = both.get(code, 0) + 1
    # An industry's link also lists the cases for every industry ("all"), once each.
    facets["industry"] = _with_all(facets["industry"], everywhere, both)
    page, pages = _page_bounds(len(hits), page)
    ids = [hit.id for hit in hits[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]]
    rows = {row[0]: Card(*row[1:]) for row in db.session.execute(
        sa.select(Usecase.id, *_CARD).where(Usecase.id.in_(ids)))} if ids else {}
    return CasePage([rows[i] for i in ids if i in rows], len(hits), page, pages, facets)


def _with_all(counts: dict[str, int], everywhere: int, both: dict[str, int]) -> dict[str, int]:
    return {code: counts.get(code, 0) + everywhere - both.get(code, 0) for code in INDUSTRIES
            if counts.get(code, 0) + everywhere - both.get(code, 0) > 0}


def _listed(filters: Filters, company_industry: str | None, page: int) -> CasePage:
    where: list[sa.ColumnElement[bool]] = [Usecase.is_archived.is_(False)]
    if filters.industry:
        where.append(_tagged(UsecaseTag.INDUSTRY, (filters.industry, "all")))
    if filters.department:
        where.append(_tagged(UsecaseTag.DEPARTMENT, (filters.department,)))
    if filters.tool:
        where.append(_tagged(UsecaseTag.TOOL, (filters.tool,)))
    if filters.task_type:
        where.append(Usecase.task_type == filters.task_type)
    if filters.level:
        where.append(Usecase.level == filters.level)
    facets = _listed_facets(filters, where)
    total = sum(facets["level"].values())
    page, pages = _page_bounds(total, page)
    order: list[sa.ColumnElement[object]] = []
    if company_industry:
        matches = _tagged(UsecaseTag.INDUSTRY, (company_industry, "all"))
        order.append(sa.case((matches, 0), else_=1))
    stmt = (sa.select(*_CARD).where(*where).order_by(*order, Usecase.title, Usecase.slug)
            .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))
    cases = [Card(*row) for row in db.session.execute(stmt)] if total else []
    return CasePage(cases, total, page, pages, facets)


# (catalog token, {filters: facet counts}): the counts change only with the catalog (lms/usecases/search.py's
# version token), so each process keeps them per filter set until the token changes.
_facet_cache: tuple[str, dict[Filters, dict[str, dict[str, int]]]] | None = None
_FACET_CACHE_SIZE = 256  # filter sets kept a process; more are counted each time


def _listed_facets(filters: Filters, where: list[sa.ColumnElement[bool]]) -> dict[str, dict[str, int]]:
    """The facet counts of the live cases matching `filters` (and `where`, the same filters as SQL). Read-only."""
    global _facet_cache
    token = search.catalog_token()
    cached = _facet_cache
    if cached is None or token is None or cached[0] != token:
        cached = (token, {}) if token is not None else None
        _facet_cache = cached
    if cached is not None and filters in cached[1]:
        return cached[1][filters]
    # Every facet's counts in one statement: the columns, the tags, and the industry tags of "all" cases.
    matching = sa.select(Usecase.id).where(*where)
    also = aliased(UsecaseTag)

    def named(name: str) -> sa.ColumnElement[str]:
        return sa.literal(name, sa.String(16))

    counted = sa.union_all(
        sa.select(named("task_type"), Usecase.task_type, sa.func.count()).where(*where).group_by(Usecase.task_type),
        sa.select(named("level"), Usecase.level, sa.func.count()).where(*where).group_by(Usecase.level),
        sa.select(UsecaseTag.kind, UsecaseTag.code, sa.func.count()).where(UsecaseTag.usecase_id.in_(matching))
        .group_by(UsecaseTag.kind, UsecaseTag.code),
        sa.select(named("both"), UsecaseTag.code, sa.func.count())
        .join(also, sa.and_(also.usecase_id == UsecaseTag.usecase_id, also.kind == UsecaseTag.INDUSTRY, also.code == "all"))
        .where(UsecaseTag.kind == UsecaseTag.INDUSTRY, UsecaseTag.usecase_id.in_(matching)).group_by(UsecaseTag.code),
    )
    facets: dict[str, dict[str, int]] = {name: {} for name in (*FACETS, "both")}
    kinds = {UsecaseTag.INDUSTRY: "industry", UsecaseTag.DEPARTMENT: "department", UsecaseTag.TOOL: "tool"}
    for kind, code, count in db.session.execute(counted):
        facets[kinds.get(kind, kind)][code] = count
    both = facets.pop("both")
    facets["industry"] = _with_all(facets["industry"], facets["industry"].get("all", 0), both)
    if cached is not None and len(cached[1]) < _FACET_CACHE_SIZE:
        cached[1][filters] = facets
    return facets


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
