"""What each person did with each lesson: progress, quiz attempts, course completion.

Rows are company-owned and never deleted with content: an archived lesson
keeps its progress.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.courses.models import Lesson
from lms.core.clock import utcnow
from lms.db import OrgOwnedMixin
from lms.extensions import Model


class LessonProgress(OrgOwnedMixin, Model):
    __tablename__ = "lesson_progress"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "lesson_id"),
        sa.Index("ix_lesson_progress_org_id_lesson_id", "org_id", "lesson_id"),
    )

    STARTED = "started"
    COMPLETED = "completed"
    PASSED = "passed"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(sa.ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(sa.String(16), default=STARTED)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_completed_at: Mapped[datetime | None]  # written once, never overwritten
    best_score: Mapped[int | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)

    lesson: Mapped[Lesson] = relationship()

    @property
    def is_done(self) -> bool:
        return self.state in (self.COMPLETED, self.PASSED)


class QuizAttempt(OrgOwnedMixin, Model):
    __tablename__ = "quiz_attempts"
    __table_args__ = (sa.Index("ix_quiz_attempts_user_id_lesson_id", "user_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(sa.ForeignKey("lessons.id", ondelete="CASCADE"))
    revision_id: Mapped[int] = mapped_column(sa.ForeignKey("lesson_revisions.id", ondelete="CASCADE"))
    answers: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    # Per question, the written option indices in the order the person saw them (None before shuffling existed).
    option_order: Mapped[list[list[int]] | None] = mapped_column(sa.JSON)
    score: Mapped[int]
    passed: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CourseCompletion(OrgOwnedMixin, Model):
    __tablename__ = "course_completions"
    __table_args__ = (sa.UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    completed_at: Mapped[datetime] = mapped_column(default=utcnow)
