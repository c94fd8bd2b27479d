"""Adoption read models for pages other than the dashboard (which is `dashboard.py`)."""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from lms.accounts.models import User
from lms.adoption import service
from lms.adoption.models import UsageCheckin
from lms.cohorts.models import CohortMember, CohortTrainer
from lms.extensions import db
from lms.orgs.models import Organization
from lms.tenancy import in_org

COMMENT_WEEKS = 12
COMMENT_LIMIT = 500


def own_checkin(user: User, week: date) -> UsageCheckin | None:
    """The person's answer for a week, if given."""
    return db.session.scalar(
        in_org(sa.select(UsageCheckin), user.org_id).where(UsageCheckin.user_id == user.id, UsageCheckin.week == week)
    )


def trainer_comments(org: Organization, trainer: User) -> list[sa.Row[UsageCheckin, User]]:
    """Comments of the last weeks by members of the cohorts `trainer` runs in `org`: they reach trainers only."""
    runs = sa.select(CohortTrainer.cohort_id).where(CohortTrainer.trainer_id == trainer.id)
    members = in_org(sa.select(CohortMember.user_id), org, CohortMember).where(CohortMember.cohort_id.in_(runs))
    since = service.this_week() - timedelta(weeks=COMMENT_WEEKS)
    return list(db.session.execute(
        in_org(sa.select(UsageCheckin, User), org, UsageCheckin).join(User, User.id == UsageCheckin.user_id)
        .where(UsageCheckin.user_id.in_(members), UsageCheckin.comment != "", UsageCheckin.week >= since)
        .order_by(UsageCheckin.week.desc(), *User.name_order()).limit(COMMENT_LIMIT)
    ).all())
