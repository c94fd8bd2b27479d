"""Load `usecases/` into the database: all or nothing, idempotent, history kept, nothing deleted.

Use cases sync after exercises and courses, because a case links to lessons
(`course/module/lesson`) and exercises that must exist in the same run.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, cast

import sqlalchemy as sa

from lms.content.markdown import render_cached
from lms.core.clock import utcnow
from lms.core.frontmatter import N_, SourceError
from lms.courses.source import CourseSource
from lms.courses.sync import CHECKED, CREATED, UNCHANGED, UPDATED, Author
from lms.extensions import db
from lms.usecases.models import Usecase, UsecaseRevision, UsecaseTag
from lms.usecases.queries import live_ids
from lms.usecases.search import reindex, unindexed
from lms.usecases.source import UsecaseSource, folder_ids, load_usecases

__all__ = ["ARCHIVED", "CHECKED", "CREATED", "UNCHANGED", "UPDATED", "FolderSync", "UsecaseReport", "claimed_elsewhere",
           "linkable_ids", "lesson_refs_of", "sync_folder", "sync_usecases", "tags_of"]

ARCHIVED = "archived"


@dataclass
class UsecaseReport:
    id: str
    status: str  # CREATED, UPDATED, UNCHANGED, ARCHIVED or CHECKED
    revision: int | None = None  # the current revision's number


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
    exercise_slugs: frozenset[str] | None, parsed: tuple[list[UsecaseSource], list[SourceError]] | None = None,
) -> FolderSync:
    """Validate `folder` and, unless `check`, make the database match it when it has no error. Flushes only.

    `parsed`: the folder's `parse_usecases` result when the caller already read it (see `linkable_ids`).
    """
    sources, errors = load_usecases(folder, lesson_refs=lesson_refs, exercise_slugs=exercise_slugs, parsed=parsed)
    errors = sorted([*errors, *claimed_elsewhere(sources, Usecase.FILE)], key=lambda e: (e.path, e.line))
    if check:
        return FolderSync(errors, [UsecaseReport(s.id, CHECKED) for s in sources])
    if errors:
        return FolderSync(errors, [])
    return FolderSync([], sync_usecases(sources, author=author))


def linkable_ids(folder: Path | None, sources: list[UsecaseSource]) -> frozenset[str] | None:
    """The case ids a lesson's or an exercise's `usecases:` may name when `folder` is synced in the same run.

    The folder's cases (ids and old ids, `sources` being its parsed cases) and
    the live cases of the provider's spreadsheet catalog. None without a
    folder: the cases are then not known and links to them are not checked.
    """
    if folder is None:
        return None
    try:
        imported = live_ids(Usecase.IMPORT)
    except sa.exc.SQLAlchemyError:  # no database yet (a --check before the first `flask db upgrade`): no imported cases
        db.session.rollback()
        imported = frozenset()
    return folder_ids(folder, sources) | imported


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
    `claimed_elsewhere` first). An unchanged case costs one comparison of
    hashes. New cases, revisions and tag rows are written as one batched
    INSERT each (the ORM would insert them one row at a time on SQLite), so
    1,000 files are a handful of statements.
    """
    existing = {u.slug: u for u in db.session.scalars(sa.select(Usecase).where(Usecase.origin == origin))}
    last_number: dict[int, int] = dict(db.session.execute(
        sa.select(UsecaseRevision.usecase_id, sa.func.max(UsecaseRevision.number)).group_by(UsecaseRevision.usecase_id)
    ).all())
    current_hash: dict[int, str] = dict(db.session.execute(
        sa.select(Usecase.id, UsecaseRevision.content_hash)
        .join(UsecaseRevision, Usecase.current_revision_id == UsecaseRevision.id)).all())
    by_alias = {alias: u for u in existing.values() for alias in (u.aliases or [])}
    reports: list[UsecaseReport] = []
    written: list[_Write] = []
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
            if usecase.slug == source.id and usecase.content_hash == source.content_hash and not usecase.is_archived:
                reports.append(UsecaseReport(source.id, UNCHANGED, last_number.get(usecase.id)))
                continue
            for key, value in _columns(source).items():
                setattr(usecase, key, value)
        report = UsecaseReport(source.id, UPDATED if usecase is not None else CREATED,
                               last_number.get(usecase.id) if usecase is not None else None)
        if usecase is None or current_hash.get(usecase.id) != source.content_hash:
            report.revision = (last_number.get(usecase.id, 0) if usecase is not None else 0) + 1
            written.append(_Write(source, usecase, report.revision))
        else:
            written.append(_Write(source, usecase, None))
        reports.append(report)
    archived: list[int] = []
    for slug, usecase in sorted(existing.items()) if archive_missing else ():
        if usecase.id not in kept and not usecase.is_archived:
            usecase.is_archived = True  # never deleted: the workshop records point at it
            archived.append(usecase.id)
            reports.append(UsecaseReport(slug, ARCHIVED))
    db.session.flush()  # the changed and archived cases, before the new rows that may take an id they gave up
    ids = _insert_cases([w.source for w in written if w.usecase is None], origin)
    ids.update({w.source.id: w.usecase.id for w in written if w.usecase is not None})
    _insert_revisions([(ids[w.source.id], w) for w in written if w.revision is not None], author, origin)
    _write_tags([(ids[w.source.id], w.source) for w in written])
    for w in written:
        if w.usecase is not None:  # read again from the rows just written
            db.session.expire(w.usecase, ["current_revision_id", "current_revision", "tags"])
    # The search index follows in the same transaction: written and archived cases, and live ones it lacks
    # (after an upgrade, the next sync fills it).
    reindex([*ids.values(), *archived, *unindexed(origin)])
    return reports


@dataclass(frozen=True)
class _Write:
    source: UsecaseSource
    usecase: Usecase | None  # None: a new case
    revision: int | None  # the number of its new revision, None when the content is the current revision's


def _columns(source: UsecaseSource) -> dict[str, Any]:
    """The case's columns lists and filters read, copied from its source."""
    return {
        "slug": source.id, "title": source.title, "summary": source.summary, "industries": list(source.industries),
        "departments": list(source.departments), "task_type": source.task_type, "tools": list(source.tools),
        "level": source.level, "data_class": source.data_class, "checkin_task": source.checkin_task,
        "minutes": source.minutes, "basis": source.basis, "aliases": list(source.aliases),
        "content_hash": source.content_hash, "is_archived": False, "updated_at": utcnow(),
    }


_CHUNK = 500  # values per IN (...), well under every database's limit on bound parameters


def _table(model: type[Any]) -> sa.Table:
    """The model's table: a Core INSERT of many rows is one executemany, without the ORM's per-row work."""
    return cast(sa.Table, model.__table__)


def _chunks(values: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start:start + _CHUNK]


def _insert_cases(sources: list[UsecaseSource], origin: str) -> dict[str, int]:
    """Insert the new cases in one batch; their ids by case id."""
    if not sources:
        return {}
    db.session.execute(sa.insert(_table(Usecase)), [{**_columns(s), "origin": origin} for s in sources])
    ids: dict[str, int] = {}
    for chunk in _chunks([s.id for s in sources]):
        ids.update({slug: usecase_id for slug, usecase_id in db.session.execute(
            sa.select(Usecase.slug, Usecase.id).where(Usecase.slug.in_(chunk)))})
    return ids


def _insert_revisions(new: list[tuple[int, _Write]], author: Author, origin: str) -> None:
    """Insert one revision per written case in one batch and make each its case's current revision."""
    if not new:
        return
    kind = UsecaseRevision.SYNC if origin == Usecase.FILE else UsecaseRevision.IMPORT
    now = utcnow()
    db.session.execute(sa.insert(_table(UsecaseRevision)), [{
        "usecase_id": usecase_id, "number": w.revision, "content_hash": w.source.content_hash, "raw": w.source.raw,
        "parsed": w.source.parsed(), "body_html": render_cached(w.source.body),
        "points_html": render_cached(w.source.points) if w.source.points else "", "source": kind, "created_at": now,
        "created_by_id": author.user_id, "created_by_label": author.label[:200],
    } for usecase_id, w in new])
    wanted = {(usecase_id, w.revision) for usecase_id, w in new}
    current: list[dict[str, Any]] = []
    for chunk in _chunks(sorted({usecase_id for usecase_id, _ in new})):
        for revision_id, usecase_id, number in db.session.execute(
            sa.select(UsecaseRevision.id, UsecaseRevision.usecase_id, UsecaseRevision.number)
            .where(UsecaseRevision.usecase_id.in_(chunk))
        ):
            if (usecase_id, number) in wanted:
                current.append({"id": usecase_id, "current_revision_id": revision_id})
    db.session.execute(sa.update(Usecase), current)


def tags_of(source: UsecaseSource) -> set[tuple[str, str]]:
    """The (kind, code) rows a case's source asks for: its industries, departments, tools and old ids."""
    return ({(UsecaseTag.INDUSTRY, c) for c in source.industries} | {(UsecaseTag.DEPARTMENT, c) for c in source.departments}
            | {(UsecaseTag.TOOL, c) for c in source.tools} | {(UsecaseTag.ALIAS, a) for a in source.aliases})


def _write_tags(written: list[tuple[int, UsecaseSource]]) -> None:
    """Make the tag rows of the written cases match their sources: one SELECT and DELETE per 500 cases, one INSERT."""
    if not written:
        return
    have: dict[int, dict[tuple[str, str], int]] = {}
    for chunk in _chunks([usecase_id for usecase_id, _ in written]):
        for tag_id, usecase_id, kind, code in db.session.execute(
            sa.select(UsecaseTag.id, UsecaseTag.usecase_id, UsecaseTag.kind, UsecaseTag.code)
            .where(UsecaseTag.usecase_id.in_(chunk))
        ):
            have.setdefault(usecase_id, {})[(kind, code)] = tag_id
    stale: list[int] = []
    fresh: list[dict[str, Any]] = []
    for usecase_id, source in written:
        wanted, current = tags_of(source), have.get(usecase_id, {})
        stale.extend(tag_id for key, tag_id in current.items() if key not in wanted)
        fresh.extend({"usecase_id": usecase_id, "kind": kind, "code": code} for kind, code in sorted(wanted - set(current)))
    for chunk in _chunks(stale):
        db.session.execute(sa.delete(UsecaseTag).where(UsecaseTag.id.in_(chunk)).execution_options(synchronize_session=False))
    if fresh:
        db.session.execute(sa.insert(_table(UsecaseTag)), fresh)
