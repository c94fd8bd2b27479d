"""Scheduled work of the workshop flow: ask each person for their report once it is due."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa

from lms.accounts.models import User
from lms.core import clock
from lms.core.clock import utcnow
from lms.core.jobs import each
from lms.extensions import db
from lms.mail.links import external_url, unsubscribe_url, wants
from lms.mail.service import queue_mail_once
from lms.orgs.models import Organization
from lms.usecases import trials
from lms.usecases.models import UsecaseTrial


def send_report_reminders(now: datetime | None = None) -> int:
    """On or after a trial's report date (in Japan), one mail to the person with a link to the report form.

    Respects the person's choice about reminder mail; `reminded_at` and the outbox's dedupe key make it once.
    """
    now = now or utcnow()
    day = clock.today(now)
    orgs = list(db.session.scalars(sa.select(Organization).order_by(Organization.id)))

    def remind(org: Organization) -> int:
        queued = 0
        for trial in trials.reminders_due(org, day):
            user = db.session.get(User, trial.user_id)
            if user is None or not wants(user, "reminder"):
                continue
            queued += _queue(org, trial, user, now)
        return queued

    return each(orgs, "use-case report reminders", remind)


def _queue(org: Organization, trial: UsecaseTrial, user: User, now: datetime) -> int:
    message = queue_mail_once(
        dedupe_key=f"usecase_report:{trial.id}:{trial.report_due_on.isoformat()}", to=user.email,
        template="usecase_report", locale=user.locale, kind="usecase_report", org_id=org.id,
        unsubscribe_url=unsubscribe_url(user, "reminder"), user=user, case=trial.usecase,
        link=external_url("usecase_trials.report", org_id=org.id, case_id=trial.usecase.slug),
    )
    trial.reminded_at = now
    db.session.flush()
    return message is not None


JOBS: dict[str, Callable[[datetime | None], int]] = {
    "usecase_report_reminders": send_report_reminders,
}
