"""The use-case catalog: the provider's cases (usecases/<id>.md), shared by every company like courses.

A case's identity is its id (the file name); renamed cases keep their row
through `aliases`. Its content lives in revisions: a changed file becomes a new
revision and the old ones stay. A removed file archives the case; nothing is
deleted. The columns lists filter on are copied from the current revision.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.clock import utcnow
from lms.db import TimestampMixin
from lms.extensions import Model


class Usecase(TimestampMixin, Model):
    """A case's identity and the metadata lists and filters need; content lives in revisions."""

    __tablename__ = "usecases"
    __table_args__ = (sa.Index("ix_usecases_archived_title", "is_archived", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)  # the case id (file name)
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.String(500))
    industries: Mapped[list[str]] = mapped_column(sa.JSON)
    departments: Mapped[list[str]] = mapped_column(sa.JSON)
    task_type: Mapped[str] = mapped_column(sa.String(16), index=True)
    tools: Mapped[list[str]] = mapped_column(sa.JSON)
    level: Mapped[str] = mapped_column(sa.String(16), index=True)
    data_class: Mapped[str] = mapped_column(sa.String(16))
    checkin_task: Mapped[str] = mapped_column(sa.String(16))
    minutes: Mapped[int]
    basis: Mapped[str] = mapped_column(sa.String(16))  # example or cited (measured belongs to companies)
    aliases: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    is_archived: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    current_revision_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("usecase_revisions.id", use_alter=True, ondelete="SET NULL")
    )

    current_revision: Mapped[UsecaseRevision | None] = relationship(foreign_keys=[current_revision_id], post_update=True)
    tags: Mapped[list[UsecaseTag]] = relationship(cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Usecase {self.slug}>"


class UsecaseTag(Model):
    """One (kind, code) of a case's list fields, so lists filter by industry or department in plain SQL."""

    __tablename__ = "usecase_tags"
    __table_args__ = (
        sa.UniqueConstraint("usecase_id", "kind", "code"),
        sa.Index("ix_usecase_tags_kind_code", "kind", "code"),
    )

    INDUSTRY = "industry"
    DEPARTMENT = "department"
    TOOL = "tool"

    id: Mapped[int] = mapped_column(primary_key=True)
    usecase_id: Mapped[int] = mapped_column(sa.ForeignKey("usecases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(16))
    code: Mapped[str] = mapped_column(sa.String(32))


class UsecaseRevision(Model):
    """One version of a case's file. Never changed once written."""

    __tablename__ = "usecase_revisions"
    __table_args__ = (sa.UniqueConstraint("usecase_id", "number"),)

    SYNC = "sync"

    id: Mapped[int] = mapped_column(primary_key=True)
    usecase_id: Mapped[int] = mapped_column(sa.ForeignKey("usecases.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    raw: Mapped[str] = mapped_column(sa.Text)
    parsed: Mapped[dict[str, Any]] = mapped_column(sa.JSON)  # UsecaseSource.parsed()
    body_html: Mapped[str] = mapped_column(sa.Text)  # steps and notes, through the one Markdown renderer
    points_html: Mapped[str] = mapped_column(sa.Text, default="")
    source: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_by_label: Mapped[str] = mapped_column(sa.String(200), default="")

    usecase: Mapped[Usecase] = relationship(foreign_keys=[usecase_id])
