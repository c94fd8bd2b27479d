"""Usage-data helpers shared by the usage and adoption tests: a minimal Viva person query, imported
through the real service, a check-in on a chosen week, and the company's rollup totals of a week."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa

from lms.accounts.models import User
from lms.adoption import service as adoption
from lms.adoption.models import UsageRollup
from lms.extensions import db
from lms.orgs.models import Organization
from lms.tenancy import in_org
from lms.usage import service
from lms.usage.models import UsageImport


def viva(rows: list[tuple[str, date, int]]) -> bytes:
    """A Viva person query: (address, Japan week, active days); MetricDate is the Sunday before the week."""
    lines = ["PersonId,MetricDate,Total_Copilot_active_days"]
    lines += [f"{email},{(week - timedelta(days=1)).isoformat()},{days}" for email, week, days in rows]
    return ("\r\n".join(lines) + "\r\n").encode()


def import_viva(org: Organization, rows: list[tuple[str, date, int]]) -> UsageImport:
    staged = service.stage_import(org, viva(rows), "viva.csv", "auto", actor=None)
    assert staged.summary["problems"] == []
    service.apply_import(org, staged, actor=None)
    db.session.commit()
    return staged


def checkin(user: User, week: date, days: int) -> None:
    """`user` answers `week`'s check-in on its Friday, with `days` days of use."""
    at = datetime.combine(week + timedelta(days=4), datetime.min.time(), tzinfo=timezone.utc)
    adoption.save_checkin(user, week, adoption.CheckinDraft(days_used=days, minutes_bucket=0 if not days else 2),
                          now=at)
    db.session.commit()


def rollup(org: Organization, week: date) -> tuple[int, int]:
    """(active, habitual) people of the company's rollups for `week`."""
    row = db.session.execute(in_org(sa.select(sa.func.sum(UsageRollup.active), sa.func.sum(UsageRollup.habitual)),
                                    org, UsageRollup).where(UsageRollup.week == week)).one()
    return int(row[0] or 0), int(row[1] or 0)
