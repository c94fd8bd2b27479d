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

from lms.db import TimestampMixin, utcnow
from lms.extensions import db


class Exercise(TimestampMixin, db.Model):
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


class ExerciseRevision(db.Model):
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
