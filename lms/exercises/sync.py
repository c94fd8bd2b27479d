"""Load `exercises/` into the database: all or nothing, idempotent, history kept, nothing deleted.

Exercises sync before courses, because a lesson `kind: exercise` must name an
exercise that exists: :func:`sync_folder` returns the slugs the course loader
checks against (``load_sources(exercise_slugs=...)``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from lms.content.markdown import render_cached
from lms.core.frontmatter import SourceError
from lms.courses.sync import CHECKED, CREATED, UNCHANGED, UPDATED, Author

__all__ = ["ARCHIVED", "CHECKED", "CREATED", "UNCHANGED", "UPDATED", "FolderSync", "ExerciseReport", "current_slugs",
           "sync_folder", "sync_exercises", "sync_exercise"]
from lms.core.clock import utcnow
from lms.exercises.models import Exercise, ExerciseRevision
from lms.exercises.source import ExerciseSource, exercise_files, load_exercises
from lms.extensions import db

ARCHIVED = "archived"


@dataclass
class ExerciseReport:
    slug: str
    status: str  # CREATED, UPDATED, UNCHANGED, ARCHIVED or CHECKED
    revision: int | None = None  # the current revision's number


@dataclass
class FolderSync:
    """What one run did: the reports when it wrote, the problems when it did not, and the slugs courses may use."""

    errors: list[SourceError] = field(default_factory=list)
    reports: list[ExerciseReport] = field(default_factory=list)
    slugs: frozenset[str] | None = None  # None: not known (check mode without a folder); courses are then not checked


def current_slugs() -> frozenset[str]:
    """Slugs of the exercises in the database that are not archived."""
    return frozenset(db.session.scalars(sa.select(Exercise.slug).where(Exercise.is_archived.is_(False))))


def sync_folder(
    folder: Path | None, *, check: bool, author: Author, usecase_ids: frozenset[str] | None = None
) -> FolderSync:
    """Validate `folder` and, unless `check`, make the database match it when it has no error. Flushes only.

    With errors nothing is written and the slugs are those already in the
    database. `check` never touches the database: the slugs are the files'.
    `usecases:` ids must be in `usecase_ids` (None: the cases are not known, not checked).
    """
    if folder is None:
        return FolderSync(slugs=None if check else current_slugs())
    sources, errors = load_exercises(folder, usecase_ids=usecase_ids)
    if check:
        files, _ = exercise_files(folder)
        return FolderSync(errors, [ExerciseReport(s.slug, CHECKED) for s in sources],
                          frozenset(f.name.removesuffix(".md") for f in files))
    if errors:
        return FolderSync(errors, [], current_slugs())
    return FolderSync([], sync_exercises(sources, author=author), frozenset(s.slug for s in sources))


def sync_exercises(sources: list[ExerciseSource], *, author: Author) -> list[ExerciseReport]:
    """Make the exercises table match `sources` (the whole folder); missing ones are archived. Flushes."""
    existing = {e.slug: e for e in db.session.scalars(sa.select(Exercise))}
    reports = [sync_exercise(source, existing.get(source.slug), author=author) for source in sources]
    wanted = {s.slug for s in sources}
    for slug, exercise in sorted(existing.items()):
        if slug not in wanted and not exercise.is_archived:
            exercise.is_archived = True  # never deleted: attempts on it stay in people's records
            reports.append(ExerciseReport(slug, ARCHIVED))
    db.session.flush()
    return reports


def sync_exercise(source: ExerciseSource, exercise: Exercise | None, *, author: Author) -> ExerciseReport:
    """Create or update one exercise; a changed file becomes a new revision."""
    if exercise is not None and exercise.content_hash == source.content_hash and not exercise.is_archived:
        revision = exercise.current_revision
        return ExerciseReport(source.slug, UNCHANGED, revision.number if revision else None)
    status = UPDATED if exercise is not None else CREATED
    if exercise is None:
        exercise = Exercise(slug=source.slug)
        db.session.add(exercise)
    exercise.title = source.title
    exercise.summary = source.summary
    exercise.minutes = source.minutes
    exercise.level = source.level
    exercise.industries = list(source.industries)
    exercise.department = source.department
    exercise.usecases = list(source.usecases)
    exercise.pass_score = source.pass_score
    exercise.content_hash = source.content_hash
    exercise.is_archived = False
    exercise.updated_at = utcnow()
    db.session.flush()
    current = exercise.current_revision
    if current is None or current.content_hash != source.content_hash:
        current = _add_revision(exercise, source, author)
    return ExerciseReport(source.slug, status, current.number)


def _add_revision(exercise: Exercise, source: ExerciseSource, author: Author) -> ExerciseRevision:
    number = (db.session.scalar(
        sa.select(sa.func.max(ExerciseRevision.number)).where(ExerciseRevision.exercise_id == exercise.id)) or 0) + 1
    revision = ExerciseRevision(
        exercise_id=exercise.id,
        number=number,
        content_hash=source.content_hash,
        raw=source.raw,
        definition=source.definition(),
        task_html=render_cached(source.task),
        material_html=render_cached(source.material) if source.material else "",
        explanation_html=render_cached(source.model_explanation) if source.model_explanation else "",
        source=ExerciseRevision.SYNC,
        created_at=utcnow(),
        created_by_id=author.user_id,
        created_by_label=author.label[:200],
    )
    db.session.add(revision)
    db.session.flush()
    exercise.current_revision = revision
    return revision
