"""Reads of exercises for the player, the reviews and the CLI."""
from __future__ import annotations

import functools

import sqlalchemy as sa

from lms.exercises.models import Exercise, ExerciseRevision
from lms.exercises.source import ExerciseSource, parse_exercise_text
from lms.extensions import db


def exercise_by_slug(slug: str) -> Exercise | None:
    """The exercise of that slug, archived or not (old attempts still point at archived ones)."""
    return db.session.scalar(sa.select(Exercise).where(Exercise.slug == slug))


def source_of(revision: ExerciseRevision, slug: str) -> ExerciseSource:
    """The parsed exercise (rubric, secrets, sections) of one revision, to evaluate prompts with.

    Parsed from the revision's file text, which sync validated; memoised by that text.
    """
    return _parse(revision.raw, slug)


@functools.lru_cache(maxsize=256)
def _parse(raw: str, slug: str) -> ExerciseSource:
    return parse_exercise_text(raw, path=f"exercises/{slug}.md", slug=slug)
