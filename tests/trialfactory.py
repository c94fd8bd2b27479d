"""Workshop trials written directly, as the pick → try → report flow leaves them (see UsecaseTrial).

For tests of what reads trials (the dashboard, the provider view, champions,
recommendations) without going through the flow's pages.
"""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from lms.accounts.models import User
from lms.core import clock
from lms.extensions import db
from lms.usecases.models import Usecase, UsecaseTrial

# The person's own words: an executive's page must never show them.
CURRENT_WAY = "手書きのメモから毎週エクセルに打ち直している"
REASON = "うちの店ではシフトの希望が紙で集まるため合わなかった"
PROMPT = "あなたは店長の補佐です。【希望一覧】をもとにシフトの下書きを作ってください"


def case_id(slug: str) -> int:
    found = db.session.scalar(sa.select(Usecase.id).where(Usecase.slug == slug))
    assert found is not None, f"no case {slug}"
    return found


def trial(user: User, slug: str, *, status: str = UsecaseTrial.PICKED, outcome: str | None = None,
          minutes_before: int = 60, minutes_after: int | None = None, share: str = UsecaseTrial.PRIVATE,
          shared_from: UsecaseTrial | None = None, department_id: int | None | bool = True,
          commit: bool = True) -> UsecaseTrial:
    """One trial of case `slug` by `user`. `outcome` implies status reported; the department is the
    person's at pick time unless given (None: no department)."""
    now = clock.utcnow()
    if outcome is not None:
        status = UsecaseTrial.REPORTED
    row = UsecaseTrial(
        org_id=user.org_id, user_id=user.id, usecase_id=case_id(slug),
        department_id=user.department_id if department_id is True else department_id,
        shared_from_id=shared_from.id if shared_from is not None else None,
        status=status, current_way=CURRENT_WAY, minutes_before=minutes_before, picked_at=now - timedelta(days=15),
        report_due_on=clock.today() - timedelta(days=1),
    )
    if status in (UsecaseTrial.TRYING, UsecaseTrial.REPORTED):
        row.tried_at = now - timedelta(days=14)
    if status == UsecaseTrial.REPORTED:
        row.outcome, row.reported_at, row.minutes_after = outcome, now, minutes_after
        if outcome == UsecaseTrial.NOT_FOR_US:
            row.outcome_reason = REASON
        if outcome == UsecaseTrial.ADAPTED:
            row.adapted_prompt = PROMPT
            row.share = share
            row.shared_at = now if share != UsecaseTrial.PRIVATE else None
    db.session.add(row)
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    return row
