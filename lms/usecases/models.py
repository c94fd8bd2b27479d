"""The use-case catalog: the provider's cases (usecases/<id>.md), shared by every company like courses.

A case's identity is its id (the file name); renamed cases keep their row
through `aliases`. Its content lives in revisions: a changed file becomes a new
revision and the old ones stay. A removed file archives the case; nothing is
deleted. The columns lists filter on are copied from the current revision.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.clock import utcnow
from lms.db import OrgOwnedMixin, TimestampMixin, UTCDateTime
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
    # Where the case comes from: a file in usecases/ (sync owns it) or a row of the provider's
    # spreadsheet catalog (the import owns it). Neither ever touches the other's cases.
    origin: Mapped[str] = mapped_column(sa.String(16), default="file", server_default="file")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    current_revision_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("usecase_revisions.id", use_alter=True, ondelete="SET NULL")
    )

    FILE = "file"
    IMPORT = "import"

    current_revision: Mapped[UsecaseRevision | None] = relationship(foreign_keys=[current_revision_id], post_update=True)
    tags: Mapped[list[UsecaseTag]] = relationship(cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Usecase {self.slug}>"


class UsecaseTag(Model):
    """One (kind, code) of a case's list fields, so lists filter by industry or department in plain SQL.

    Kinds: industry, department, tool, and alias (an old id, so `queries.case_by_id` is one indexed query).
    """

    __tablename__ = "usecase_tags"
    __table_args__ = (
        sa.UniqueConstraint("usecase_id", "kind", "code"),
        sa.Index("ix_usecase_tags_kind_code", "kind", "code"),
    )

    INDUSTRY = "industry"
    DEPARTMENT = "department"
    TOOL = "tool"
    ALIAS = "alias"  # an old id of the case (a renamed file): the old URL finds it with one indexed query

    id: Mapped[int] = mapped_column(primary_key=True)
    usecase_id: Mapped[int] = mapped_column(sa.ForeignKey("usecases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(16))
    code: Mapped[str] = mapped_column(sa.String(64))  # a code, or for ALIAS an old case id (up to 64 characters)


class UsecaseRevision(Model):
    """One version of a case's file. Never changed once written."""

    __tablename__ = "usecase_revisions"
    __table_args__ = (sa.UniqueConstraint("usecase_id", "number"),)

    SYNC = "sync"
    IMPORT = "import"

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


class UsecaseTrial(OrgOwnedMixin, TimestampMixin, Model):
    """One person's workshop run of one case: picked, tried, and reported one to two weeks later.

    The person states how they do the task now and the minutes it takes per week
    before trying; the report gives the outcome and the minutes now. Only both
    measured figures ever add up to time saved (never the case's example figure).
    One trial per person and case: picking the case again reopens it.

    Executives read counts made from this table, never a row: the current way, the
    reason and the adapted prompt are the person's own words.
    """

    __tablename__ = "usecase_trials"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "usecase_id"),
        sa.Index("ix_usecase_trials_org_id_usecase_id", "org_id", "usecase_id"),
        sa.Index("ix_usecase_trials_status_report_due_on", "status", "report_due_on"),
    )

    PICKED = "picked"  # chose the case and stated the current way and minutes
    TRYING = "trying"  # opened the template or the linked exercise in the player
    REPORTED = "reported"
    STATUSES = (PICKED, TRYING, REPORTED)

    ADOPTED = "adopted"
    ADAPTED = "adapted"  # adopted with changes (the adapted prompt may be shared)
    NOT_FOR_US = "not_for_us"  # with a reason
    OUTCOMES = (ADOPTED, ADAPTED, NOT_FOR_US)

    PRIVATE = "private"
    ANONYMOUS = "anonymous"  # colleagues see the prompt, never who wrote it
    NAMED = "named"  # colleagues see the name; this is also the opt-in to the AI-champion list
    SHARES = (PRIVATE, ANONYMOUS, NAMED)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    usecase_id: Mapped[int] = mapped_column(sa.ForeignKey("usecases.id", ondelete="CASCADE"))
    # The department when the case was picked, so a later move does not rewrite the dashboard's history.
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id", ondelete="SET NULL"))
    cohort_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="SET NULL"), index=True)
    lesson_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lessons.id", ondelete="SET NULL"))
    # Picked from a colleague's shared prompt (the AI-champion signal).
    shared_from_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("usecase_trials.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(sa.String(16), default=PICKED)
    current_way: Mapped[str] = mapped_column(sa.Text, default="")
    minutes_before: Mapped[int]  # per week, as the person stated it before trying
    picked_at: Mapped[datetime] = mapped_column(default=utcnow)
    tried_at: Mapped[datetime | None]
    report_due_on: Mapped[date]  # Japan date when the report is asked for
    reminded_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(sa.String(16))
    outcome_reason: Mapped[str] = mapped_column(sa.Text, default="")
    minutes_after: Mapped[int | None]  # per week, measured after trying
    reported_at: Mapped[datetime | None]
    adapted_prompt: Mapped[str] = mapped_column(sa.Text, default="")
    share: Mapped[str] = mapped_column(sa.String(16), default=PRIVATE)
    shared_at: Mapped[datetime | None]

    usecase: Mapped[Usecase] = relationship()


class CatalogImport(TimestampMixin, Model):
    """An uploaded spreadsheet of the provider's catalog waiting for confirmation: checked, previewed, applied once.

    The file itself is kept (not its rows): applying reads and checks it again
    against the database as it is then, so nothing changed since the preview
    slips through.
    """

    __tablename__ = "catalog_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(sa.String(255))
    encoding: Mapped[str] = mapped_column(sa.String(16))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    # What confirming will do, counted at preview: {"created": n, "updated": n, "unchanged": n, "archived": n,
    # "rows": [the first rows: {"row", "id", "title", "status"}]}
    summary: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    applied_at: Mapped[datetime | None]
class UsecaseSearchDoc(Model):
    """A live case's folded text for the search (lms/usecases/search.py); archived cases have none.

    The token index beside it (table `usecase_search`) differs by database and is
    created by its migration only. Both are derived data: `flask usecases reindex`
    rebuilds them.
    """

    __tablename__ = "usecase_search_docs"

    usecase_id: Mapped[int] = mapped_column(sa.ForeignKey("usecases.id", ondelete="CASCADE"), primary_key=True,
                                            autoincrement=False)
    slug: Mapped[str] = mapped_column(sa.String(64))
    title: Mapped[str] = mapped_column(sa.String(200))  # as written: ties rank by it
    title_key: Mapped[str] = mapped_column(sa.Text)
    tags_key: Mapped[str] = mapped_column(sa.Text)  # the Japanese labels and departments
    codes_key: Mapped[str] = mapped_column(sa.Text)  # the codes as words; a query word must equal one
    body_key: Mapped[str] = mapped_column(sa.Text)
    facets: Mapped[str] = mapped_column(sa.Text)  # industries|departments|task type|tools|level, space-separated


class CatalogVersion(Model):
    """One row (id 1): a random token replaced whenever the search index changes (lms/usecases/search.py).

    Each process keeps what it derives from the catalog (the search documents,
    the facet counts of the unfiltered list) under the token it read, and
    reads it again only when the token has changed. A random token, not a
    counter: a change that is rolled back never hands its value to a later one.
    """

    __tablename__ = "usecase_catalog_version"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    token: Mapped[str] = mapped_column(sa.String(32))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
