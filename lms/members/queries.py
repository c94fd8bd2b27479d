"""Reusable reads of a company's people and departments (always scoped)."""
from __future__ import annotations

import sqlalchemy as sa

from lms.accounts.models import User
from lms.accounts.names import to_hiragana
from lms.extensions import db
from lms.forms import SelectChoice, choices
from lms.orgs.models import Department
from lms.tenancy import scoped

PAGE_SIZE = 50


def departments() -> list[Department]:
    return list(db.session.scalars(scoped(sa.select(Department)).order_by(Department.name)))


def department_choices(blank_label: str) -> list[SelectChoice]:
    return choices([(0, blank_label)] + [(d.id, d.name) for d in departments()])


def department_member_counts() -> dict[int, int]:
    stmt = scoped(sa.select(User.department_id, sa.func.count()), User).group_by(User.department_id)
    return {dept_id: count for dept_id, count in db.session.execute(stmt) if dept_id is not None}


def members_page(page: int, search: str = "") -> tuple[list[User], int]:
    """One page of members in 五十音 order (furigana, else name), and the total count (counted in SQL)."""
    stmt = scoped(sa.select(User))
    if search:
        like = f"%{search.strip().lower()}%"
        reading = f"%{to_hiragana(search.strip())}%"  # なかむら or ナカムラ finds 中村 when their furigana says so
        stmt = stmt.where(sa.or_(sa.func.lower(User.display_name).like(like), User.email.like(like),
                                 User.name_key.like(reading)))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
    rows = db.session.scalars(stmt.order_by(*User.name_order()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))
    return list(rows), total
