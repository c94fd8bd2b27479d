"""A company already using AI: shared by the adoption export and executive browser tests."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Callable

from lms.accounts.models import User
from lms.adoption import service
from lms.extensions import db
from lms.orgs.models import Department, Organization


def company_using_ai(create_org: Callable[..., Organization], create_user: Callable[..., User], *,
                     name: str, this_week: date) -> tuple[Organization, list[User]]:
    """Six people in 営業部 using AI three days a week for the four weeks before `this_week`; costs entered."""
    org = create_org(name=name)
    sales = Department(org_id=org.id, name="営業部")
    db.session.add(sales)
    db.session.commit()
    people = [create_user(org, department_id=sales.id) for _ in range(6)]
    for person in people:
        for back in range(4, 0, -1):
            week = this_week - timedelta(weeks=back)
            at = datetime.combine(week + timedelta(days=4), datetime.min.time(), tzinfo=timezone.utc)
            draft = service.CheckinDraft(days_used=3, minutes_bucket=3, tasks=["email"])
            service.save_checkin(person, week, draft, now=at)
    settings = service.settings_for(org.id)
    settings.hourly_cost, settings.training_fee = 3000, 300_000
    db.session.commit()
    return org, people


