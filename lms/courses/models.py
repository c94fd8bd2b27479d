"""The course catalog: courses, modules, lessons with their revisions, and assets.

Courses are the provider's content, shared by every client company, so they
are not company-owned; which companies see a course is decided by industry
(and, later, by cohorts).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.roles import Role
from lms.db import TimestampMixin
from lms.extensions import Model

# Company roles that see every course, whatever its audience (trainers look after all of them).
LEADER_ROLES = frozenset({Role.EXECUTIVE, Role.ORG_ADMIN, Role.TRAINER})


class Course(TimestampMixin, Model):
    __tablename__ = "courses"

    EVERYONE = "everyone"
    EXECUTIVES = "executives"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.String(500))
    industries: Mapped[list[str]] = mapped_column(sa.JSON)
    level: Mapped[str] = mapped_column(sa.String(16))
    language: Mapped[str] = mapped_column(sa.String(8))
    tags: Mapped[list[str]] = mapped_column(sa.JSON)
    audience: Mapped[str] = mapped_column(sa.String(16), default=EVERYONE, server_default=EVERYONE)
    raw: Mapped[str] = mapped_column(sa.Text)  # course.md as written, for export
    overview_html: Mapped[str] = mapped_column(sa.Text)
    source_hash: Mapped[str] = mapped_column(sa.String(64))
    is_archived: Mapped[bool] = mapped_column(default=False)
    synced_at: Mapped[datetime | None]

    modules: Mapped[list[CourseModule]] = relationship(
        back_populates="course", order_by="CourseModule.position", passive_deletes=True
    )

    def visible_to_industry(self, industry: str) -> bool:
        return "all" in self.industries or industry in self.industries

    def is_for(self, roles: frozenset[Role]) -> bool:
        """Whether the course's audience includes someone with these company roles (cohorts aside)."""
        return self.audience == self.EVERYONE or bool(roles & LEADER_ROLES)

    def __repr__(self) -> str:
        return f"<Course {self.slug}>"


class CourseModule(Model):
    __tablename__ = "course_modules"
    __table_args__ = (sa.UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(sa.String(64))
    position: Mapped[int]
    dirname: Mapped[str] = mapped_column(sa.String(80))  # "01-kiso", kept for export
    title: Mapped[str] = mapped_column(sa.String(200))
    week: Mapped[int]
    raw: Mapped[str | None] = mapped_column(sa.Text)  # module.md as written, None when absent
    intro_html: Mapped[str] = mapped_column(sa.Text, default="")
    is_archived: Mapped[bool] = mapped_column(default=False)

    course: Mapped[Course] = relationship(back_populates="modules")
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="module", order_by="Lesson.position", passive_deletes=True
    )


class Lesson(Model):
    """A lesson's identity (course/module/slug) and its current metadata; content lives in revisions."""

    __tablename__ = "lessons"
    __table_args__ = (
        sa.UniqueConstraint("module_id", "slug"),
        sa.Index("ix_lessons_course_id_is_archived", "course_id", "is_archived"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("course_modules.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(sa.String(64))
    position: Mapped[int]
    filename: Mapped[str] = mapped_column(sa.String(80))  # "01-seisei-ai-towa.md", kept for export
    kind: Mapped[str] = mapped_column(sa.String(16))
    title: Mapped[str] = mapped_column(sa.String(200))
    minutes: Mapped[int | None]
    required: Mapped[bool] = mapped_column(default=True)
    pass_percent: Mapped[int] = mapped_column(default=80)
    exercise: Mapped[str | None] = mapped_column(sa.String(64))
    usecases: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    aliases: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    is_archived: Mapped[bool] = mapped_column(default=False)
    current_revision_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lesson_revisions.id", use_alter=True, ondelete="SET NULL")
    )

    course: Mapped[Course] = relationship()
    module: Mapped[CourseModule] = relationship(back_populates="lessons")
    current_revision: Mapped[LessonRevision | None] = relationship(
        foreign_keys=[current_revision_id], post_update=True
    )

    @property
    def has_quiz(self) -> bool:
        return bool(self.current_revision and self.current_revision.questions)

    def __repr__(self) -> str:
        return f"<Lesson {self.id} {self.slug}>"


class LessonRevision(Model):
    """One version of a lesson's file. Never changed once written; restoring makes a new one."""

    __tablename__ = "lesson_revisions"
    __table_args__ = (sa.UniqueConstraint("lesson_id", "number"),)

    SYNC = "sync"
    BROWSER = "browser"
    RESTORE = "restore"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(sa.ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    raw: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    # [{"prompt_html", "explanation_html", "multiple", "options": [{"html", "correct"}]}]
    questions: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    source: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_by_label: Mapped[str] = mapped_column(sa.String(200), default="")  # who ran sync (CLI user)


class CourseAsset(Model):
    __tablename__ = "course_assets"
    __table_args__ = (sa.UniqueConstraint("course_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
