from __future__ import annotations


import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import OrgOwnedMixin, TimestampMixin
from lms.extensions import Model


class Organization(TimestampMixin, Model):
    """A client company: the unit of tenancy."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    industry: Mapped[str] = mapped_column(sa.String(32))
    employee_band: Mapped[str] = mapped_column(sa.String(16))
    prefecture: Mapped[int | None] = mapped_column(sa.SmallInteger)
    is_active: Mapped[bool] = mapped_column(default=True)
    # When the weekly reminder to people behind goes out (Asia/Tokyo; weekday 0 = Monday).
    reminder_enabled: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    reminder_weekday: Mapped[int] = mapped_column(sa.SmallInteger, default=3, server_default="3")
    reminder_hour: Mapped[int] = mapped_column(sa.SmallInteger, default=9, server_default="9")
    # The optional AI model (lms.llm): off until the company's admins turn it on; requests allowed per month.
    llm_enabled: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    llm_monthly_budget: Mapped[int] = mapped_column(default=200, server_default="200")

    departments: Mapped[list[Department]] = relationship(
        back_populates="org", order_by="Department.name", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Organization {self.id} {self.name!r}>"


class Department(OrgOwnedMixin, TimestampMixin, Model):
    __tablename__ = "departments"
    __table_args__ = (sa.UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))

    org: Mapped[Organization] = relationship(back_populates="departments")

    def __repr__(self) -> str:
        return f"<Department {self.id} {self.name!r}>"
