"""Editing lessons in the browser: every save is a new revision; nothing is ever overwritten."""
from __future__ import annotations

import sqlalchemy as sa

from lms.accounts.models import User
from lms.audit.service import record
from lms.courses.models import CourseAsset, Lesson, LessonRevision
from lms.courses.source import LessonSource, parse_lesson_text
from lms.courses.sync import Author, add_revision, apply_lesson_metadata
from lms.exercises.sync import current_slugs
from lms.extensions import db
from lms.usecases.queries import live_ids


def lesson_path(lesson: Lesson) -> str:
    return f"{lesson.course.slug}/{lesson.module.dirname}/{lesson.filename}"


def parse_edit(lesson: Lesson, raw: str) -> LessonSource:
    """Validate edited text exactly as sync would (links to exercises and cases of the catalog). :raise CourseSourceError:"""
    assets = frozenset(db.session.scalars(sa.select(CourseAsset.path).where(CourseAsset.course_id == lesson.course_id)))
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    return parse_lesson_text(text, path=lesson_path(lesson), slug=lesson.slug, position=lesson.position, asset_paths=assets,
                             exercise_slugs=current_slugs(), usecase_ids=live_ids())


def _write(lesson: Lesson, source: LessonSource, actor: User, origin: str) -> LessonRevision | None:
    if lesson.current_revision is not None and lesson.current_revision.content_hash == source.content_hash:
        return None
    apply_lesson_metadata(lesson, source)
    revision = add_revision(lesson, source, lesson.course.slug, Author(actor.id, actor.display_name), origin)
    # The files no longer describe the catalog: the next sync compares every lesson again.
    lesson.course.source_hash = ""
    record(f"lesson.{origin}", actor=actor, subject=lesson_path(lesson), revision=revision.number)
    return revision


def save_edit(lesson: Lesson, raw: str, *, actor: User) -> LessonRevision | None:
    """Save edited text as a new revision (None when nothing changed). :raise CourseSourceError:"""
    return _write(lesson, parse_edit(lesson, raw), actor, LessonRevision.BROWSER)


def restore(lesson: Lesson, revision: LessonRevision, *, actor: User) -> LessonRevision | None:
    """Make an earlier revision current again, as a new revision on top of the history."""
    return _write(lesson, parse_edit(lesson, revision.raw), actor, LessonRevision.RESTORE)


def revisions(lesson: Lesson) -> list[LessonRevision]:
    return list(
        db.session.scalars(sa.select(LessonRevision).where(LessonRevision.lesson_id == lesson.id).order_by(LessonRevision.number.desc()))
    )
