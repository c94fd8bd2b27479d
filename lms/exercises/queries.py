"""Reads of exercises for the player, the reviews and the CLI."""
from __future__ import annotations

import functools
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from lms.accounts.models import User
from lms.exercises.models import Exercise, ExerciseAttempt, ExerciseRevision
from lms.exercises.source import ExerciseSource, parse_exercise_text
from lms.extensions import db
from lms.tenancy import owned_by


def exercise_by_slug(slug: str) -> Exercise | None:
    """The exercise of that slug, archived or not (old attempts still point at archived ones)."""
    return db.session.scalar(sa.select(Exercise).where(Exercise.slug == slug))


@functools.cache
def _exercise_and_attempt_statement() -> sa.Select[Any]:
    """Built once per process with bound parameters: the exercise page runs it on every request."""
    return (
        sa.select(Exercise, ExerciseAttempt).where(Exercise.slug == sa.bindparam("slug"))
        .outerjoin(ExerciseAttempt, sa.and_(
            ExerciseAttempt.exercise_id == Exercise.id, ExerciseAttempt.user_id == sa.bindparam("user_id"),
            owned_by(ExerciseAttempt, sa.bindparam("org_id")),
        ))
        .options(joinedload(Exercise.current_revision), joinedload(ExerciseAttempt.revisions))
    )


def exercise_and_attempt(user: User, slug: str) -> tuple[Exercise | None, ExerciseAttempt | None]:
    """The exercise with its current revision and the person's attempt with its revisions, in one statement."""
    row = db.session.execute(
        _exercise_and_attempt_statement(), {"slug": slug, "user_id": user.id, "org_id": user.org_id}
    ).unique().first()
    return (row[0], row[1]) if row is not None else (None, None)


def practice_card(user: User, slug: str) -> tuple[Exercise | None, ExerciseAttempt | None]:
    """What an exercise lesson's practice card shows: the exercise and the person's attempt, in one statement."""
    row = db.session.execute(
        sa.select(Exercise, ExerciseAttempt).where(Exercise.slug == slug).outerjoin(ExerciseAttempt, sa.and_(
            ExerciseAttempt.exercise_id == Exercise.id, ExerciseAttempt.user_id == user.id,
            owned_by(ExerciseAttempt, user.org_id),
        ))
    ).first()
    return (row[0], row[1]) if row is not None else (None, None)


def source_of(revision: ExerciseRevision, slug: str) -> ExerciseSource:
    """The parsed exercise (rubric, secrets, sections) of one revision, to evaluate prompts with.

    Parsed from the revision's file text, which sync validated; memoised by that text.
    """
    return _parse(revision.raw, slug)


@functools.lru_cache(maxsize=256)
def _parse(raw: str, slug: str) -> ExerciseSource:
    return parse_exercise_text(raw, path=f"exercises/{slug}.md", slug=slug)
