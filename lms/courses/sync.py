"""Load course sources into the catalog: all or nothing per course, idempotent, history kept."""
from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import sqlalchemy as sa

from lms.content.markdown import render_cached
from lms.courses.models import Course, CourseAsset, CourseModule, Lesson, LessonRevision
from lms.courses.render import asset_base, render_body, render_questions
from lms.courses.source import (
    CourseSource,
    CourseSourceError,
    LessonSource,
    ModuleSource,
    SourceError,
    find_course_dirs,
    folders_without_course_md,
    load_course,
)
from lms.core.clock import utcnow
from lms.extensions import db

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"
FAILED = "failed"
CHECKED = "checked"


@dataclass
class SyncReport:
    slug: str
    path: str
    status: str
    lessons: int = 0
    new_revisions: int = 0
    archived: int = 0
    errors: list[SourceError] = field(default_factory=list)


@dataclass(frozen=True)
class Author:
    """Who wrote a revision: a signed-in user, or the person running the CLI."""

    user_id: int | None
    label: str


def load_sources(
    paths: Iterable[Path], exercise_slugs: frozenset[str] | None = None, usecase_ids: frozenset[str] | None = None,
) -> list[CourseSource | SyncReport]:
    """Parse every course under `paths`; a course with errors becomes a FAILED report.

    Lessons' links are checked against `exercise_slugs` and `usecase_ids` (None: not known, not checked).
    """
    paths = list(paths)
    results: list[CourseSource | SyncReport] = []
    seen: dict[str, str] = {}
    for course_dir in find_course_dirs(paths):
        root = course_dir.parent
        try:
            source = load_course(course_dir, root=root, exercise_slugs=exercise_slugs, usecase_ids=usecase_ids)
        except CourseSourceError as exc:
            results.append(SyncReport(course_dir.name, str(course_dir), FAILED, errors=exc.errors))
            continue
        if source.slug in seen:
            error = SourceError(f"{source.path}/course.md", 1, f"duplicate course slug {source.slug!r} (also at {seen[source.slug]})")
            results.append(SyncReport(source.slug, source.path, FAILED, errors=[error]))
            continue
        seen[source.slug] = source.path
        results.append(source)
    for folder in folders_without_course_md(paths):
        error = SourceError(f"{folder}/course.md", 1, "missing course.md: this folder holds modules or lessons, "
                                                      "and every course folder needs a course.md")
        results.append(SyncReport(folder.name, str(folder), FAILED, errors=[error]))
    return results


def sync_course(source: CourseSource, *, author: Author, progress: Callable[[int], None] = lambda n: None) -> SyncReport:
    """Make the catalog match one parsed course. Flushes; the caller commits (or rolls back)."""
    course = db.session.scalar(sa.select(Course).where(Course.slug == source.slug))
    lesson_count = sum(len(m.lessons) for m in source.modules)
    if course is not None and course.source_hash == source.content_hash and not course.is_archived:
        progress(lesson_count)
        return SyncReport(source.slug, source.path, UNCHANGED, lessons=lesson_count)
    status = UPDATED if course is not None else CREATED
    if course is None:
        course = Course(slug=source.slug)
        db.session.add(course)
    _apply_course_fields(course, source)
    db.session.flush()

    report = SyncReport(source.slug, source.path, status, lessons=lesson_count)
    existing_lessons = list(db.session.scalars(sa.select(Lesson).where(Lesson.course_id == course.id)))
    claimed: set[int] = set()
    modules = {m.slug: m for m in db.session.scalars(sa.select(CourseModule).where(CourseModule.course_id == course.id))}
    for module_source in source.modules:
        module = _upsert_module(course, modules.get(module_source.slug), module_source, source.slug)
        for lesson_source in module_source.lessons:
            lesson = _find_lesson(existing_lessons, claimed, module, lesson_source)
            if _upsert_lesson(course, module, lesson, lesson_source, author, source.slug, existing_lessons, claimed):
                report.new_revisions += 1
            progress(1)
    report.archived = _archive_missing(course, existing_lessons, claimed, {m.slug for m in source.modules}, modules)
    _sync_assets(course, source)
    db.session.flush()
    return report


def _apply_course_fields(course: Course, source: CourseSource) -> None:
    course.title = source.title
    course.summary = source.summary
    course.industries = list(source.industries)
    course.level = source.level
    course.language = source.language
    course.tags = list(source.tags)
    course.audience = source.audience
    course.raw = source.raw
    course.overview_html = render_cached(source.overview, asset_base=asset_base(source.slug))
    course.source_hash = source.content_hash
    course.is_archived = False
    course.synced_at = utcnow()


def _upsert_module(course: Course, module: CourseModule | None, source: ModuleSource, course_slug: str) -> CourseModule:
    if module is None:
        module = CourseModule(course_id=course.id, slug=source.slug)
        db.session.add(module)
    module.position = source.position
    module.dirname = Path(source.path).name
    module.title = source.title
    module.week = source.week
    module.raw = source.raw
    module.intro_html = render_cached(source.intro, asset_base=asset_base(course_slug)) if source.intro else ""
    module.is_archived = False
    db.session.flush()
    return module


def _find_lesson(existing: list[Lesson], claimed: set[int], module: CourseModule, source: LessonSource) -> Lesson | None:
    """The lesson's identity: same module and slug, else a lesson of the course named in `aliases`."""
    for lesson in existing:
        if lesson.id not in claimed and lesson.module_id == module.id and lesson.slug == source.slug:
            return lesson
    for lesson in existing:
        if lesson.id not in claimed and lesson.slug in source.aliases:
            return lesson
    return None


def _upsert_lesson(
    course: Course, module: CourseModule, lesson: Lesson | None, source: LessonSource, author: Author,
    course_slug: str, existing: list[Lesson], claimed: set[int],
) -> bool:
    """Create or update one lesson; returns True when a new revision was written."""
    if lesson is None:
        lesson = Lesson(course_id=course.id, module_id=module.id, slug=source.slug)
        db.session.add(lesson)
        existing.append(lesson)
    lesson.module_id = module.id
    lesson.slug = source.slug
    lesson.filename = Path(source.path).name
    lesson.position = source.position
    apply_lesson_metadata(lesson, source)
    lesson.is_archived = False
    db.session.flush()
    claimed.add(lesson.id)
    current = lesson.current_revision
    if current is not None and current.content_hash == source.content_hash:
        return False
    add_revision(lesson, source, course_slug, author, LessonRevision.SYNC)
    return True


def apply_lesson_metadata(lesson: Lesson, source: LessonSource) -> None:
    lesson.kind = source.kind
    lesson.title = source.title
    lesson.minutes = source.minutes
    lesson.required = source.required
    lesson.pass_percent = source.pass_percent
    lesson.exercise = source.exercise
    lesson.usecases = list(source.usecases)
    lesson.aliases = list(source.aliases)


def add_revision(lesson: Lesson, source: LessonSource, course_slug: str, author: Author, origin: str) -> LessonRevision:
    number = (db.session.scalar(sa.select(sa.func.max(LessonRevision.number)).where(LessonRevision.lesson_id == lesson.id)) or 0) + 1
    revision = LessonRevision(
        lesson_id=lesson.id,
        number=number,
        content_hash=source.content_hash,
        raw=source.raw,
        body_html=render_body(source.body, course_slug),
        questions=render_questions(source.questions, course_slug),
        source=origin,
        created_at=utcnow(),
        created_by_id=author.user_id,
        created_by_label=author.label[:200],
    )
    db.session.add(revision)
    db.session.flush()
    lesson.current_revision = revision
    return revision


def _archive_missing(
    course: Course, lessons: list[Lesson], claimed: set[int], module_slugs: set[str], modules: dict[str, CourseModule]
) -> int:
    archived = 0
    for lesson in lessons:
        if lesson.id not in claimed and not lesson.is_archived:
            lesson.is_archived = True  # never deleted: progress on it stays in people's records
            archived += 1
    for slug, module in modules.items():
        if slug not in module_slugs:
            module.is_archived = True
    return archived


def _sync_assets(course: Course, source: CourseSource) -> None:
    current = {a.path: a for a in db.session.scalars(sa.select(CourseAsset).where(CourseAsset.course_id == course.id))}
    wanted = {a.path for a in source.assets}
    for asset in source.assets:
        row = current.get(asset.path)
        if row is None:
            row = CourseAsset(course_id=course.id, path=asset.path)
            db.session.add(row)
        if row.content_hash != asset.content_hash:
            row.data = asset.data
            row.content_hash = asset.content_hash
        row.content_type = guess_content_type(asset.path)
    for path, row in current.items():
        if path not in wanted:
            db.session.delete(row)


def guess_content_type(path: str) -> str:
    content_type, _ = mimetypes.guess_type(path)
    if content_type in (None, "application/octet-stream"):
        return "application/octet-stream"
    if content_type.startswith("text/"):
        return content_type + "; charset=utf-8"
    return content_type
