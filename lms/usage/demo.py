"""Vendor usage data for the demo: みなと精工's Microsoft 365 Copilot, as a Viva Insights person query.

The demo company that uses AI company-wide also licenses Copilot, so its org admin finds one applied import
on the usage page and its executive sees the self-reports beside the usage data, per department and by week.
The file is made from the company's demo check-ins and goes through the real import (stage, apply), so the
figures are what an uploaded export would give. Most weeks agree with what the person reported; a few show
Copilot use the person did not report, and a few reported use that Copilot did not see (another tool).
Deterministic (seeded by email and week); a company that already has a Viva import is left alone, so running
the demo twice adds nothing.
"""
from __future__ import annotations

import csv
import io
import random
from datetime import datetime, timedelta
from typing import Callable

import sqlalchemy as sa

from lms.accounts.models import User
from lms.adoption import service as adoption_service
from lms.adoption.models import UsageCheckin
from lms.extensions import db
from lms.orgs.models import Organization
from lms.tenancy import in_org, owned_by
from lms.usage import service
from lms.usage.models import UsageImport
from lms.usage.sources import VIVA

COMPANY = "株式会社みなと精工"
WEEKS = 8
FILENAME = "viva_insights_copilot_person_query.csv"
HEADERS = ("PersonId", "MetricDate", "Total_Copilot_active_days", "Total_Copilot_enabled_days",
           "Days_of_active_Copilot_usage_in_Word", "Days_of_active_Copilot_usage_in_Excel",
           "Days_of_active_Copilot_usage_in_Outlook", "Days_of_active_Copilot_usage_in_Teams")


def demo_export(org: Organization, now: datetime | None = None) -> bytes:
    """A Viva Insights person query (UTF-8 with BOM, as downloaded) of the company's last WEEKS weeks."""
    last = adoption_service.this_week(now) - timedelta(weeks=1)
    first = last - timedelta(weeks=WEEKS - 1)
    reported = {(user_id, week): days for user_id, week, days in db.session.execute(
        sa.select(UsageCheckin.user_id, UsageCheckin.week, UsageCheckin.days_used)
        .where(owned_by(UsageCheckin, org), UsageCheckin.week >= first, UsageCheckin.week <= last))}
    people = db.session.execute(in_org(sa.select(User.id, User.email), org).order_by(User.id)).all()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for user_id, email in people:
        for n in range(WEEKS):
            week = first + timedelta(weeks=n)
            said = reported.get((user_id, week))
            if said is None:
                continue  # no check-in that week: nobody licensed is left out of a real export, but the demo is short
            chance = random.Random(f"{email}:{week.isoformat()}:copilot")
            roll = chance.random()
            if said and roll < 0.07:
                days = 0  # used another tool (ChatGPT) that week
            elif not said and roll < 0.10:
                days = chance.randint(1, 2)  # tried Copilot in Outlook and did not think to report it
            else:
                days = min(said, 5)
            word, excel = min(days, chance.randint(0, 3)), min(days, 1)
            outlook, teams = min(days, chance.randint(1, 4)), min(days, chance.randint(0, 2))
            # Viva's weeks start on Sunday: the day before the Japan week.
            writer.writerow((email, (week - timedelta(days=1)).isoformat(), days, 5, word, excel, outlook, teams))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def add_demo_telemetry(progress: Callable[[str], None] = lambda _: None, now: datetime | None = None) -> int:
    """Import the demo Copilot usage of みなと精工 once; returns the person-weeks written."""
    org = db.session.scalar(sa.select(Organization).where(Organization.name == COMPANY))
    if org is None:
        return 0
    if db.session.scalar(in_org(sa.select(UsageImport.id), org).where(UsageImport.source == VIVA).limit(1)):
        progress("usage data: already imported")
        return 0
    staged = service.stage_import(org, demo_export(org, now), FILENAME, VIVA, actor=None)
    result = service.apply_import(org, staged, actor=None)
    db.session.commit()
    progress(f"usage data: {result.new} person-weeks of Microsoft 365 Copilot for {COMPANY}")
    return result.new
