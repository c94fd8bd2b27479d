"""Scheduled work of the adoption feature: check-in reminders and the rollup refresh."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable

import sqlalchemy as sa

from lms.accounts.models import User
from lms.adoption import rules, service
from lms.adoption.models import UsageCheckin
from lms.cohorts import service as cohorts
from lms.core.jobs import each
from lms.cohorts.models import Cohort, CohortMember
from lms.mail.links import external_url, unsubscribe_url, wants
from lms.cohorts.schedule import reminder_moment
from lms.core.clock import utcnow
from lms.extensions import db
from lms.mail.service import queue_mail_once
from lms.core import clock
from lms.tenancy import owned_by

CHECKIN_WEEKDAY, CHECKIN_HOUR = 4, 15  # Friday 15:00, while the week is fresh
FOLLOW_UP_WEEKS = (4, 8, 12)  # after a cohort ends: habits form over about 11-12 weeks


def asked_cohorts(now: datetime) -> dict[int, tuple[Cohort, int | None]]:
    """Cohorts whose members are asked this week: running, or ending 4, 8 or 12 weeks ago.

    Maps cohort id to (cohort, follow-up week number or None while it runs).
    """
    day = clock.today(now)
    week = service.this_week(now)
    asked: dict[int, tuple[Cohort, int | None]] = {}
    for cohort in db.session.scalars(sa.select(Cohort).where(Cohort.start_date <= day).order_by(Cohort.id)):
        ends = cohorts.calendar_of(cohort).ends_on()
        if day <= ends:
            asked[cohort.id] = (cohort, None)
            continue
        for after in FOLLOW_UP_WEEKS:
            if rules.week_start(ends) + timedelta(weeks=after) == week:
                asked[cohort.id] = (cohort, after)
    return asked


def send_checkin_reminders(now: datetime | None = None) -> int:
    """Friday afternoon: ask the members of running cohorts (and of follow-up weeks) who have not answered."""
    now = now or utcnow()
    day = clock.today(now)
    if now < reminder_moment(day, CHECKIN_WEEKDAY, CHECKIN_HOUR, clock.zone()):
        return 0
    week = service.this_week(now)
    asked = asked_cohorts(now)

    def remind(cohort_id: int) -> int:
        cohort, follow_up = asked[cohort_id]
        settings = service.settings_for(cohort.org_id)
        if not settings.checkin_reminder:
            return 0
        answered = sa.select(UsageCheckin.user_id).where(owned_by(UsageCheckin, cohort.org_id), UsageCheckin.week == week)
        people = db.session.scalars(
            sa.select(User).join(CohortMember, CohortMember.user_id == User.id)
            .where(CohortMember.cohort_id == cohort.id, owned_by(User, cohort.org_id), User.id.not_in(answered))
            .order_by(User.id)
        )
        queued = 0
        for user in people:
            if not wants(user, "reminder"):
                continue
            queued += queue_mail_once(
                # One a person a week, even when they are in two cohorts.
                dedupe_key=f"checkin:{week.isoformat()}:{user.id}", to=user.email, template="checkin",
                locale=user.locale, kind="checkin", org_id=cohort.org_id,
                unsubscribe_url=unsubscribe_url(user, "reminder"), user=user, cohort=cohort, follow_up=follow_up,
                link=external_url("adoption_checkin.form", org_id=cohort.org_id),
            ) is not None
        return queued

    return each(sorted(asked), "checkin reminders", remind)


JOBS: dict[str, Callable[[datetime | None], int]] = {
    "checkin_reminders": send_checkin_reminders,
    "refresh_rollups": service.refresh_rollups,
}
