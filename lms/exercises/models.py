"""Prompt-practice exercises: the provider's content, shared by every company like courses.

An exercise's identity is its slug (the file name); its content lives in
revisions, like lessons: a changed file becomes a new revision and the old ones
stay, so an attempt can always be shown against the rubric it was scored by.
A removed file archives the exercise; nothing is deleted. Attempts (per person,
company-owned) belong to the player, not here.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.clock import utcnow
from lms.db import OrgOwnedMixin, TimestampMixin
from lms.extensions import Model


class Exercise(TimestampMixin, Model):
    """An exercise's identity and the metadata lists and filters need; content lives in revisions."""

    __tablename__ = "exercises"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.String(500))
    minutes: Mapped[int]
    level: Mapped[str] = mapped_column(sa.String(16))
    industries: Mapped[list[str]] = mapped_column(sa.JSON)
    department: Mapped[str] = mapped_column(sa.String(32))
    usecases: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    pass_score: Mapped[int]
    content_hash: Mapped[str] = mapped_column(sa.String(64))  # of the current file, for a cheap "unchanged"
    is_archived: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    current_revision_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("exercise_revisions.id", use_alter=True, ondelete="SET NULL")
    )

    current_revision: Mapped[ExerciseRevision | None] = relationship(
        foreign_keys=[current_revision_id], post_update=True
    )

    def visible_to_industry(self, industry: str) -> bool:
        return "all" in self.industries or industry in self.industries

    def __repr__(self) -> str:
        return f"<Exercise {self.slug}>"


class ExerciseRevision(Model):
    """One version of an exercise's file. Never changed once written."""

    __tablename__ = "exercise_revisions"
    __table_args__ = (sa.UniqueConstraint("exercise_id", "number"),)

    SYNC = "sync"

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(sa.ForeignKey("exercises.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    raw: Mapped[str] = mapped_column(sa.Text)  # the file as written: parse_exercise_text(raw) gives the rubric back
    # {"compare", "secrets", "rubric", "checklist", "model_prompt"}: ExerciseSource.definition()
    definition: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    task_html: Mapped[str] = mapped_column(sa.Text)
    material_html: Mapped[str] = mapped_column(sa.Text)
    explanation_html: Mapped[str] = mapped_column(sa.Text)  # the お手本's "why it is good"
    source: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_by_label: Mapped[str] = mapped_column(sa.String(200), default="")


class ExerciseAttempt(OrgOwnedMixin, TimestampMixin, Model):
    """One person's work on one exercise: every prompt revision, the answer, the self-check, the review.

    One attempt per person and exercise (a second try keeps revising it), so a
    trainer's queue shows one row per person. The prompt texts live in the
    revisions; executives never read this table, only counts made from it.
    """

    __tablename__ = "exercise_attempts"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "exercise_id"),
        sa.Index("ix_exercise_attempts_org_id_exercise_id", "org_id", "exercise_id"),
    )

    WRITING = "writing"  # revising the prompt
    ANSWERING = "answering"  # passed (or chose to go on): getting the AI's answer
    CHECKING = "checking"  # has an answer: ticking the self-check
    DONE = "done"
    STATUSES = (WRITING, ANSWERING, CHECKING, DONE)

    ANSWER_MODEL = "model"  # from the configured AI model
    ANSWER_PASTED = "pasted"  # pasted from the company's own tool

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    exercise_id: Mapped[int] = mapped_column(sa.ForeignKey("exercises.id", ondelete="CASCADE"))
    lesson_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lessons.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(sa.String(16), default=WRITING)
    revisions_count: Mapped[int] = mapped_column(default=0)
    best_score: Mapped[int | None]
    passed_at: Mapped[datetime | None]  # first revision at or above the pass score, never blocked
    blocked_count: Mapped[int] = mapped_column(default=0)  # revisions the personal-data guard stopped
    # The answer: one text, or one per label of a `compare` exercise.
    answers: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    answer_source: Mapped[str | None] = mapped_column(sa.String(16))
    llm_request_id: Mapped[int | None]
    self_check: Mapped[list[bool]] = mapped_column(sa.JSON, default=list)  # per checklist item
    submitted_at: Mapped[datetime | None]  # sent to the trainers for review
    completed_at: Mapped[datetime | None]
    # The trainer's review.
    trainer_comment: Mapped[str] = mapped_column(sa.Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None]
    good_example: Mapped[bool] = mapped_column(default=False)  # shared, without the name, with the cohort

    exercise: Mapped[Exercise] = relationship()
    revisions: Mapped[list[ExerciseAttemptRevision]] = relationship(
        back_populates="attempt", order_by="ExerciseAttemptRevision.number", cascade="all, delete-orphan",
    )


class ExerciseAttemptRevision(OrgOwnedMixin, Model):
    """One prompt as written, with what the rubric and the guard said. Never changed once written.

    A blocked prompt is kept too (the trainer sees the habit), but nothing in it
    is ever sent anywhere.
    """

    __tablename__ = "exercise_attempt_revisions"
    __table_args__ = (sa.UniqueConstraint("attempt_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(sa.ForeignKey("exercise_attempts.id", ondelete="CASCADE"))
    number: Mapped[int]
    # Named by hand: the conventional name would pass PostgreSQL's 63-character limit.
    exercise_revision_id: Mapped[int] = mapped_column(
        sa.ForeignKey("exercise_revisions.id", ondelete="CASCADE", name="fk_attempt_revisions_exercise_revision")
    )
    prompt: Mapped[str] = mapped_column(sa.Text)
    score: Mapped[int]
    passed: Mapped[bool]
    blocked: Mapped[bool]
    result: Mapped[dict[str, Any]] = mapped_column(sa.JSON)  # rubric.Result.to_json()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    attempt: Mapped[ExerciseAttempt] = relationship(back_populates="revisions")
