"""Cohorts: a company's dated training run of one or more courses, with a weekly session."""
from __future__ import annotations

from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import OrgOwnedMixin, TimestampMixin, UTCDateTime
from lms.extensions import Model


class Cohort(OrgOwnedMixin, TimestampMixin, Model):
    __tablename__ = "cohorts"
    __table_args__ = (sa.UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    start_date: Mapped[date]
    # 0 = Monday ... 6 = Sunday; the time is wall-clock time in the installation's zone (Asia/Tokyo).
    session_weekday: Mapped[int] = mapped_column(sa.SmallInteger)
    session_time: Mapped[time]
    session_minutes: Mapped[int] = mapped_column(default=60)
    weeks: Mapped[int] = mapped_column(sa.SmallInteger)  # the last module week of its courses, fixed at creation
    # Where the weekly session happens online (Zoom, Teams, Meet …): https only, checked by the service.
    meeting_url: Mapped[str | None] = mapped_column(sa.String(500))
    # The xAPI registration of everything done in this cohort (lms.xapi), made on first use.
    uuid: Mapped[str | None] = mapped_column(sa.String(36), unique=True)

    courses: Mapped[list[CohortCourse]] = relationship(
        cascade="all, delete-orphan", order_by="CohortCourse.position", lazy="selectin"
    )
    members: Mapped[list[CohortMember]] = relationship(cascade="all, delete-orphan", back_populates="cohort")
    trainers: Mapped[list[CohortTrainer]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    def __repr__(self) -> str:
        return f"<Cohort {self.id} {self.name!r}>"

    def is_run_by(self, user_id: int) -> bool:
        """Whether the person is one of the cohort's own trainers."""
        return any(t.trainer_id == user_id for t in self.trainers)


class CohortCourse(OrgOwnedMixin, Model):
    __tablename__ = "cohort_courses"

    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(default=0)


class CohortMember(OrgOwnedMixin, Model):
    """A person in a cohort. Kept when they leave the company, so the cohort's record stays whole."""

    __tablename__ = "cohort_members"
    __table_args__ = (sa.UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # People added after the start join at the week of the day they were added.
    joined_week: Mapped[int] = mapped_column(sa.SmallInteger, default=1)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)

    cohort: Mapped[Cohort] = relationship(back_populates="members")


class CohortTrainer(Model):
    __tablename__ = "cohort_trainers"

    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)
    trainer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)


class ModuleOpening(OrgOwnedMixin, Model):
    """A trainer opened a module for a cohort before its week."""

    __tablename__ = "module_openings"
    __table_args__ = (sa.UniqueConstraint("cohort_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("course_modules.id", ondelete="CASCADE"), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))


class SessionAttendance(OrgOwnedMixin, Model):
    """A member attended one of the cohort's weekly sessions (no row: not there), as the trainer recorded it.

    Evidence of off-the-job training hours (lms/cohorts/hours.py): `minutes` is how long that
    session actually ran, the cohort's session length unless the trainer said otherwise.
    """

    __tablename__ = "session_attendance"
    __table_args__ = (sa.UniqueConstraint("cohort_id", "session_date", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"))
    session_date: Mapped[date]  # the session's local (Japan) date, one of the cohort calendar's
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    minutes: Mapped[int]
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
