"""Weekly AI-usage check-ins, their history, the company's adoption settings and the weekly rollups.

Executive pages read only the rollups (`usage_rollups`, `usage_counts`), which the
check-in write keeps current in the same transaction; raw check-ins are read per
person (their own history) or per cohort (trainers).
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.clock import utcnow
from lms.db import OrgOwnedMixin
from lms.extensions import Model


class AdoptionSettings(OrgOwnedMixin, Model):
    """One row per company: rule thresholds, what it has declared, and the figures its return needs."""

    __tablename__ = "adoption_settings"
    __table_args__ = (sa.UniqueConstraint("org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Thresholds (lms.adoption.rules.Thresholds holds the same defaults).
    regular_days: Mapped[int] = mapped_column(sa.SmallInteger, default=3)
    habitual_weeks: Mapped[int] = mapped_column(sa.SmallInteger, default=4)
    habitual_active: Mapped[int] = mapped_column(sa.SmallInteger, default=4)
    established_weeks: Mapped[int] = mapped_column(sa.SmallInteger, default=12)
    established_active: Mapped[int] = mapped_column(sa.SmallInteger, default=9)
    department_share_pct: Mapped[int] = mapped_column(sa.SmallInteger, default=50)
    company_share_pct: Mapped[int] = mapped_column(sa.SmallInteger, default=50)
    min_group: Mapped[int] = mapped_column(sa.SmallInteger, default=5)
    # What the company has in place.
    approved_tool: Mapped[bool] = mapped_column(default=False)
    ai_policy: Mapped[bool] = mapped_column(default=False)
    training_for_all: Mapped[bool] = mapped_column(default=False)
    # The company's own lists, one entry per line.
    tools: Mapped[str] = mapped_column(sa.Text, default="")
    extra_tasks: Mapped[str] = mapped_column(sa.Text, default="")
    # Money, in yen.
    hourly_cost: Mapped[int] = mapped_column(default=3000)
    realisation_pct: Mapped[int] = mapped_column(sa.SmallInteger, default=50)
    training_fee: Mapped[int] = mapped_column(default=0)
    licence_per_month: Mapped[int] = mapped_column(default=0)
    training_hours_per_person: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    expected_subsidy: Mapped[int] = mapped_column(default=0)
    checkin_reminder: Mapped[bool] = mapped_column(default=True)

    @property
    def tool_list(self) -> list[str]:
        return [line.strip() for line in self.tools.splitlines() if line.strip()]

    @property
    def extra_task_list(self) -> list[str]:
        return [line.strip() for line in self.extra_tasks.splitlines() if line.strip()]


class UsageCheckin(OrgOwnedMixin, Model):
    """One person's answer for one week (Monday to Sunday, Asia/Tokyo). Edits bump `revision`."""

    __tablename__ = "usage_checkins"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "week"),
        sa.Index("ix_usage_checkins_org_id_week", "org_id", "week"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    week: Mapped[date]  # the Monday
    days_used: Mapped[int] = mapped_column(sa.SmallInteger)
    minutes_bucket: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    # Codes (tasks, barriers) and tool names; the lists are short, kept as JSON arrays.
    tasks: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    tools: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    barriers: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    revision: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    history: Mapped[list[UsageCheckinRevision]] = relationship(
        cascade="all, delete-orphan", order_by="UsageCheckinRevision.revision", passive_deletes=True
    )


class UsageCheckinRevision(OrgOwnedMixin, Model):
    """An earlier version of a check-in, kept when it is edited."""

    __tablename__ = "usage_checkin_revisions"
    __table_args__ = (sa.UniqueConstraint("checkin_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(sa.ForeignKey("usage_checkins.id", ondelete="CASCADE"))
    revision: Mapped[int]
    days_used: Mapped[int] = mapped_column(sa.SmallInteger)
    minutes_bucket: Mapped[int] = mapped_column(sa.SmallInteger)
    tasks: Mapped[list[str]] = mapped_column(sa.JSON)
    tools: Mapped[list[str]] = mapped_column(sa.JSON)
    barriers: Mapped[list[str]] = mapped_column(sa.JSON)
    comment: Mapped[str] = mapped_column(sa.Text)
    saved_at: Mapped[datetime]


class UsageBaseline(OrgOwnedMixin, Model):
    """Before a cohort starts: minutes a week on the key tasks and current use."""

    __tablename__ = "usage_baselines"
    __table_args__ = (sa.UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    quotes_minutes: Mapped[int] = mapped_column(default=0)
    sales_minutes: Mapped[int] = mapped_column(default=0)
    documents_minutes: Mapped[int] = mapped_column(default=0)
    days_used: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UsageRollup(OrgOwnedMixin, Model):
    """One department of one company in one week. `department_key` 0 is people without a department."""

    __tablename__ = "usage_rollups"
    __table_args__ = (sa.UniqueConstraint("org_id", "week", "department_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    week: Mapped[date]
    department_key: Mapped[int] = mapped_column(default=0)
    people: Mapped[int] = mapped_column(default=0)  # active employees in the department
    responses: Mapped[int] = mapped_column(default=0)
    active: Mapped[int] = mapped_column(default=0)
    regular: Mapped[int] = mapped_column(default=0)
    habitual: Mapped[int] = mapped_column(default=0)
    established: Mapped[int] = mapped_column(default=0)
    minutes_saved: Mapped[float] = mapped_column(sa.Float, default=0.0)


class UsageCount(OrgOwnedMixin, Model):
    """How many answers of one company in one week named a task, a tool or a barrier."""

    __tablename__ = "usage_counts"
    __table_args__ = (sa.UniqueConstraint("org_id", "week", "dimension", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    week: Mapped[date]
    dimension: Mapped[str] = mapped_column(sa.String(8))  # task, tool, barrier
    code: Mapped[str] = mapped_column(sa.String(100))
    count: Mapped[int] = mapped_column(default=0)
