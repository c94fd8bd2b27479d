"""Load `usecases/` into the database: all or nothing, idempotent, history kept, nothing deleted.

Use cases sync after exercises and courses, because a case links to lessons
(`course/module/lesson`) and exercises that must exist in the same run.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from lms.content.markdown import render_cached
from lms.core.clock import utcnow
from lms.core.frontmatter import N_, SourceError
from lms.courses.source import CourseSource
from lms.courses.sync import CHECKED, CREATED, UNCHANGED, UPDATED, Author
from lms.extensions import db
from lms.usecases.models import Usecase, UsecaseRevision, UsecaseTag
from lms.usecases.search import reindex, unindexed
from lms.usecases.source import UsecaseSource, load_usecases

__all__ = ["ARCHIVED", "CHECKED", "CREATED", "UNCHANGED", "UPDATED", "FolderSync", "UsecaseReport", "claimed_elsewhere",
           "lesson_refs_of", "sync_folder", "sync_usecases"]

ARCHIVED = "archived"


@dataclass
class UsecaseReport:
    id: str
    status: str  # CREATED, UPDATED, UNCHANGED, ARCHIVED or CHECKED
    revision: int | None = None  # the current revision's number
    new_revision: UsecaseRevision | None = field(default=None, repr=False)
    usecase: Usecase | None = field(default=None, repr=False)  # the row, when created, updated or archived


@dataclass
class FolderSync:
    errors: list[SourceError] = field(default_factory=list)
    reports: list[UsecaseReport] = field(default_factory=list)


def lesson_refs_of(courses: list[CourseSource]) -> frozenset[str]:
    """Every `course/module/lesson` path of the parsed courses (aliases of lessons included)."""
    return frozenset(
        f"{c.slug}/{m.slug}/{name}" for c in courses for m in c.modules for lesson in m.lessons
        for name in (lesson.slug, *lesson.aliases)
    )


def sync_folder(
    folder: Path, *, check: bool, author: Author, lesson_refs: frozenset[str] | None,
    exercise_slugs: frozenset[str] | None,
) -> FolderSync:
    """Validate `folder` and, unless `check`, make the database match it when it has no error. Flushes only."""
    sources, errors = load_usecases(folder, lesson_refs=lesson_refs, exercise_slugs=exercise_slugs)
    errors = sorted([*errors, *claimed_elsewhere(sources, Usecase.FILE)], key=lambda e: (e.path, e.line))
    if check:
        return FolderSync(errors, [UsecaseReport(s.id, CHECKED) for s in sources])
    if errors:
        return FolderSync(errors, [])
    return FolderSync([], sync_usecases(sources, author=author))


def claimed_elsewhere(sources: list[UsecaseSource], origin: str) -> list[SourceError]:
    """An error for each source whose id or alias is a case of another origin (a file id taken by the import)."""
    taken: dict[str, str] = {}
    for slug, aliases in db.session.execute(sa.select(Usecase.slug, Usecase.aliases).where(Usecase.origin != origin)):
        taken.update({name: slug for name in (slug, *(aliases or []))})
    errors: list[SourceError] = []
    for source in sources:
        for name in (source.id, *source.aliases):
            if name in taken:
                errors.append(SourceError(
                    source.path, source.lines.get("aliases", 1) if name != source.id else 1,
                    N_("id %(value)s belongs to case %(other)s of the other catalog (files or the spreadsheet "
                       "import): choose another id"), {"value": repr(name), "other": taken[name]}))
    return errors


def sync_usecases(
    sources: list[UsecaseSource], *, author: Author, origin: str = Usecase.FILE, archive_missing: bool = True,
) -> list[UsecaseReport]:
    """Make the cases of `origin` match `sources`; with `archive_missing`, the others of that origin are archived.

    Cases of the other origin are never read or written here (check ids with
    `claimed_elsewhere` first). One flush for the whole set: 1,000 files become
    a few batched INSERTs.
    """
    existing = {u.slug: u for u in db.session.scalars(
        sa.select(Usecase).where(Usecase.origin == origin).options(selectinload(Usecase.tags)))}
    last_number: dict[int, int] = dict(db.session.execute(
        sa.select(UsecaseRevision.usecase_id, sa.func.max(UsecaseRevision.number)).group_by(UsecaseRevision.usecase_id)
    ).all())
    current_hash: dict[int, str] = dict(db.session.execute(
        sa.select(Usecase.id, UsecaseRevision.content_hash)
        .join(UsecaseRevision, Usecase.current_revision_id == UsecaseRevision.id)).all())
    by_alias = {alias: u for u in existing.values() for alias in (u.aliases or [])}
    reports: list[UsecaseReport] = []
    claimed: set[str] = set()
    kept: set[int] = set()
    for source in sources:
        usecase = existing.get(source.id)
        if usecase is None:  # a renamed file: the row of an old id it names as alias keeps the history
            usecase = next((existing[a] for a in source.aliases if a in existing and a not in claimed), None)
            usecase = usecase or by_alias.get(source.id)
        if usecase is not None:
            claimed.add(usecase.slug)
            kept.add(usecase.id)
        reports.append(_sync_one(source, usecase, author, last_number, current_hash, origin))
    for slug, usecase in sorted(existing.items()) if archive_missing else ():
        if usecase.id not in kept and not usecase.is_archived:
            usecase.is_archived = True  # never deleted: the workshop records point at it
            reports.append(UsecaseReport(slug, ARCHIVED, usecase=usecase))
    db.session.flush()
    # The search index follows in the same transaction: changed cases, and live ones it lacks (after an upgrade).
    reindex([*(r.usecase for r in reports if r.usecase is not None), *unindexed(origin)])
    for report, revision in [(r, r.new_revision) for r in reports if r.new_revision is not None]:
        report.revision = revision.number
    return reports


def _sync_one(
    source: UsecaseSource, usecase: Usecase | None, author: Author, last_number: dict[int, int],
    current_hash: dict[int, str], origin: str,
) -> UsecaseReport:
    if (usecase is not None and usecase.slug == source.id and usecase.content_hash == source.content_hash
            and not usecase.is_archived):
        return UsecaseReport(source.id, UNCHANGED, last_number.get(usecase.id))
    status = UPDATED if usecase is not None else CREATED
    if usecase is None:
        usecase = Usecase(slug=source.id, tags=[], origin=origin)
        db.session.add(usecase)
    elif usecase.slug != source.id:
        usecase.slug = source.id
    usecase.title = source.title
    usecase.summary = source.summary
    usecase.industries = list(source.industries)
    usecase.departments = list(source.departments)
    usecase.task_type = source.task_type
    usecase.tools = list(source.tools)
    usecase.level = source.level
    usecase.data_class = source.data_class
    usecase.checkin_task = source.checkin_task
    usecase.minutes = source.minutes
    usecase.basis = source.basis
    usecase.aliases = list(source.aliases)
    usecase.content_hash = source.content_hash
    usecase.is_archived = False
    usecase.updated_at = utcnow()
    wanted = {(UsecaseTag.INDUSTRY, c) for c in source.industries} | {
        (UsecaseTag.DEPARTMENT, c) for c in source.departments} | {(UsecaseTag.TOOL, c) for c in source.tools}
    have = {(t.kind, t.code): t for t in usecase.tags}
    for key, tag in have.items():
        if key not in wanted:
            usecase.tags.remove(tag)
    for kind, code in sorted(wanted - set(have)):
        usecase.tags.append(UsecaseTag(kind=kind, code=code))
    report = UsecaseReport(source.id, status, last_number.get(usecase.id) if usecase.id else None, usecase=usecase)
    if usecase.id is None or current_hash.get(usecase.id) != source.content_hash:
        number = (last_number.get(usecase.id, 0) if usecase.id else 0) + 1
        report.new_revision = _add_revision(usecase, source, author, number)
    return report


def _add_revision(usecase: Usecase, source: UsecaseSource, author: Author, number: int) -> UsecaseRevision:
    revision = UsecaseRevision(
        usecase=usecase, number=number, content_hash=source.content_hash, raw=source.raw,
        parsed=source.parsed(), body_html=render_cached(source.body),
        points_html=render_cached(source.points) if source.points else "",
        source=UsecaseRevision.SYNC if usecase.origin == Usecase.FILE else UsecaseRevision.IMPORT,
        created_at=utcnow(), created_by_id=author.user_id, created_by_label=author.label[:200],
    )
    db.session.add(revision)
    usecase.current_revision = revision
    return revision
