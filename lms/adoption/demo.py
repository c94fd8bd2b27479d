"""Sixteen weeks of plausible check-ins for the demo companies, each at a different stage.

The story: みなと精工 trained everyone and now uses AI company-wide; 山川建設's
工事部 took it up and the rest are starting; さくらマート has a few people trying
it on their own. Answers are deterministic (seeded by email) and written through
`save_checkin`, so rollups are exactly what real answers would produce; weeks that
already have an answer are skipped, so running the demo twice adds nothing.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import Callable

import sqlalchemy as sa

from lms.accounts.models import User, UserRole
from lms.accounts.roles import Role
from lms.adoption import service
from lms.adoption.models import UsageCheckin
from lms.extensions import db
from lms.orgs.models import Department, Organization
from lms.tenancy import owned_by

WEEKS = 16


@dataclass(frozen=True)
class Profile:
    # Chance that a person takes AI up at all, and the week (1-16) they start by.
    uptake: float
    start_by: int
    days: tuple[int, int]  # days a week once started
    departments: tuple[str, ...] = ()  # if set, only these departments take it up at `uptake`
    settings: dict[str, object] | None = None


PROFILES = {
    "株式会社みなと精工": Profile(0.85, 6, (2, 5), settings=dict(
        approved_tool=True, ai_policy=True, training_for_all=True, training_fee=600_000, licence_per_month=45_000,
        training_hours_per_person=12, expected_subsidy=300_000, hourly_cost=3000,
    )),
    "山川建設株式会社": Profile(0.8, 8, (1, 4), departments=("工事部",), settings=dict(
        approved_tool=True, training_fee=400_000, licence_per_month=20_000, training_hours_per_person=8,
        hourly_cost=3200,
    )),
    "さくらマート株式会社": Profile(0.2, 14, (1, 2), settings=dict(hourly_cost=2200)),
}
TASKS = ("documents", "email", "quotes", "sales", "research", "ideas", "data")
BARRIERS = ("unclear_use", "unclear_benefit", "security", "skills", "no_help")
COMMENTS = ("議事録の下書きがかなり早くなりました。", "見積書の文面チェックに使っています。", "", "", "")


def add_demo_usage(progress: Callable[[str], None] = lambda _: None, now: datetime | None = None) -> int:
    """Answer the last 16 weeks for each demo employee; returns how many answers were written."""
    this_week = service.this_week(now)
    weeks = [this_week - timedelta(weeks=WEEKS - i) for i in range(WEEKS)]
    written = 0
    for name, profile in PROFILES.items():
        org = db.session.scalar(sa.select(Organization).where(Organization.name == name))
        if org is None:
            continue
        # Departments have 6 or more employees (lms.demo.generate.DEPARTMENT_SIZE): the default
        # privacy threshold of 5 holds, and department figures still show.
        settings = service.settings_for(org.id)
        for key, value in (profile.settings or {}).items():
            setattr(settings, key, value)
        people = db.session.execute(
            sa.select(User, Department.name).join(UserRole, UserRole.user_id == User.id)
            .outerjoin(Department, Department.id == User.department_id)
            .where(owned_by(User, org), UserRole.role == Role.EMPLOYEE.value).order_by(User.id)
        ).all()
        answered = {(u, w) for u, w in db.session.execute(
            sa.select(UsageCheckin.user_id, UsageCheckin.week).where(owned_by(UsageCheckin, org))
        )}
        for number, week in enumerate(weeks, start=1):
            # As if answered on the Friday evening of that week (Tokyo).
            at = datetime.combine(week + timedelta(days=4), time(9), tzinfo=timezone.utc)
            for user, department in people:
                if (user.id, week) in answered:
                    continue
                draft = _answer(profile, user.email, department, number)
                service.save_checkin(user, week, draft, now=at, rebuild=False)
                written += 1
        service.rebuild_weeks(org.id, weeks, settings)  # once for the company, not once an answer
        db.session.commit()
        progress(f"{name}: {WEEKS} weeks of check-ins")
    return written


def _answer(profile: Profile, email: str, department: str | None, week_number: int) -> service.CheckinDraft:
    person = random.Random(email)  # the same person behaves the same way every run
    takes_up = person.random() < profile.uptake and (not profile.departments or department in profile.departments)
    starts = person.randint(1, profile.start_by)
    week = random.Random(f"{email}:{week_number}")
    if not takes_up or week_number < starts:
        # Non-users: mostly nothing, now and then a try.
        days = 1 if week.random() < 0.08 else 0
    else:
        days = week.randint(*profile.days) if week.random() < 0.95 else 0
    if days == 0:
        return service.CheckinDraft(days_used=0, barriers=[week.choice(BARRIERS)] if week.random() < 0.6 else [])
    return service.CheckinDraft(
        days_used=days, minutes_bucket=min(5, max(1, days - 1 + week.randint(0, 1))),
        tasks=week.sample(TASKS, k=min(len(TASKS), 1 + days // 2)), tools=[week.choice(("ChatGPT", "Microsoft Copilot"))],
        comment=week.choice(COMMENTS),
    )
