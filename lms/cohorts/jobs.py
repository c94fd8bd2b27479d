"""Scheduled jobs: plain functions of `now` that queue whatever mail is due.

Each job can run any number of times, from any number of processes: a message
is identified by a dedupe key (kind, cohort or company, week, person) that is
unique in the outbox, so it is queued at most once, and whatever became due
while no scheduler ran is queued by the next run. One cohort's or company's
failure is logged and the others go on. The caller commits.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa

from lms.accounts.models import User, UserRole
from lms.accounts.roles import Role
from lms.cohorts import queries, service
from lms.cohorts.models import Cohort, CohortMember
from lms.mail.links import external_url, unsubscribe_url, wants
from lms.cohorts.schedule import module_opens_on, reminder_moment
from lms.core.clock import utcnow
from lms.extensions import db
from lms.learning.models import CourseCompletion, LessonProgress
from lms.mail.models import EmailMessage
from lms.mail.service import queue_mail_once
from lms.orgs.models import Organization
from lms.audit.service import record
from lms.core import clock
from lms.core.jobs import each
from lms.tenancy import owned_by


DIGEST_WEEKDAY, DIGEST_HOUR = 0, 8  # Monday 08:00, about the week that just ended


def running_cohorts(now: datetime) -> list[Cohort]:
    day = clock.today(now)
    started = db.session.scalars(sa.select(Cohort).where(Cohort.start_date <= day).order_by(Cohort.id))
    return [c for c in started if not service.calendar_of(c).is_finished(day)]


def _members(cohort: Cohort) -> list[User]:
    return list(db.session.scalars(
        sa.select(User).join(CohortMember, CohortMember.user_id == User.id)
        .where(CohortMember.cohort_id == cohort.id).order_by(User.id)
    ))


def send_module_open_notices(now: datetime | None = None) -> int:
    """'This week's module is open' to every member, once per cohort week."""
    now = now or utcnow()
    day = clock.today(now)

    def notify(cohort: Cohort) -> int:
        calendar = service.calendar_of(cohort)
        week = calendar.week_of(day)
        opening = [(c, m) for c, m in service.cohort_modules(cohort) if module_opens_on(calendar, m.week) == calendar.week_starts_on(week)]
        if not opening:
            return 0
        link = external_url("org_home.learner", org_id=cohort.org_id)
        queued = 0
        for user in _members(cohort):
            if not wants(user, "module_open"):
                continue
            queued += queue_mail_once(
                dedupe_key=f"module_open:{cohort.id}:{week}:{user.id}", to=user.email, template="module_open",
                locale=user.locale, kind="module_open", org_id=cohort.org_id,
                unsubscribe_url=unsubscribe_url(user, "module_open"),
                user=user, cohort=cohort, week=week, modules=opening, link=link,
                session=calendar.session_start(week),
            ) is not None
        return queued

    return each(running_cohorts(now), "module-open notices", notify)


def send_reminders(now: datetime | None = None) -> int:
    """The weekly reminder to members behind, at each company's chosen day and hour, once per week."""
    now = now or utcnow()
    day = clock.today(now)
    cohorts = [c for c in running_cohorts(now) if service.calendar_of(c).week_of(day) >= 2]
    orgs = {o.id: o for o in db.session.scalars(sa.select(Organization).where(Organization.id.in_({c.org_id for c in cohorts})))}

    def remind(cohort: Cohort) -> int:
        org = orgs[cohort.org_id]
        if not org.reminder_enabled or now < reminder_moment(day, org.reminder_weekday, org.reminder_hour, clock.zone()):
            return 0
        report = queries.follow_up(cohort, now=now)
        queued = 0
        for row in report.behind:
            if wants(row.user, "reminder"):
                queued += queue_reminder(cohort, row, report.week, dedupe=True) is not None
        return queued

    return each(cohorts, "reminders", remind)


def reminder_context(cohort: Cohort, row: queries.MemberRow, week: int, *, note: str = "",
                     sender: User | None = None) -> dict[str, object]:
    """What a reminder says to one person: their own overdue lessons and the minutes those take."""
    return dict(user=row.user, cohort=cohort, week=week, note=note.strip(), sender=sender,
                lessons=row.overdue, minutes=row.overdue_minutes)


def queue_reminder(cohort: Cohort, row: queries.MemberRow, week: int, *, dedupe: bool, note: str = "",
                   sender: User | None = None) -> EmailMessage | None:
    """One reminder; `dedupe` for the weekly job (a trainer's nudge may go again)."""
    user = row.user
    key = f"reminder:{cohort.id}:{week}:{user.id}" if dedupe else f"nudge:{cohort.id}:{user.id}:{utcnow().isoformat()}"
    return queue_mail_once(
        dedupe_key=key, to=user.email, template="reminder", locale=user.locale,
        kind="reminder" if dedupe else "nudge", org_id=cohort.org_id,
        unsubscribe_url=unsubscribe_url(user, "reminder"),
        link=external_url("org_home.learner", org_id=cohort.org_id),
        **reminder_context(cohort, row, week, note=note, sender=sender),
    )


def nudge(cohort: Cohort, behind: list[queries.MemberRow], week: int, *, note: str, sender: User) -> int:
    """A trainer's or admin's reminder to the members behind, sent now (not deduplicated by week)."""
    for row in behind:
        queue_reminder(cohort, row, week, dedupe=False, note=note, sender=sender)
    record("cohort.nudge", actor=sender, org_id=cohort.org_id, subject=f"{cohort.name}: {len(behind)}")
    return len(behind)


def send_executive_digests(now: datetime | None = None) -> int:
    """Monday morning: last week's training in aggregate to each company's executives."""
    now = now or utcnow()
    day = clock.today(now)
    if now < reminder_moment(day, DIGEST_WEEKDAY, DIGEST_HOUR, clock.zone()):
        return 0
    week_end = day - timedelta(days=day.weekday())  # this Monday: the digest covers the 7 days before it
    week_start = week_end - timedelta(days=7)
    last_week = [c for c in db.session.scalars(sa.select(Cohort).where(Cohort.start_date < week_end))
                 if service.calendar_of(c).ends_on() >= week_start]
    by_org: dict[int, list[Cohort]] = {}
    for cohort in last_week:
        by_org.setdefault(cohort.org_id, []).append(cohort)

    def digest(org_id: int) -> int:
        cohorts = by_org[org_id]
        start = datetime.combine(week_start, datetime.min.time(), tzinfo=clock.zone())
        end = start + timedelta(days=7)
        members = sa.select(CohortMember.user_id).where(CohortMember.cohort_id.in_([c.id for c in cohorts]))
        lessons_done = db.session.scalar(
            sa.select(sa.func.count()).select_from(LessonProgress).where(
                owned_by(LessonProgress, org_id), LessonProgress.user_id.in_(members),
                LessonProgress.first_completed_at >= start, LessonProgress.first_completed_at < end,
            )
        ) or 0
        finished = db.session.scalar(
            sa.select(sa.func.count(sa.distinct(CourseCompletion.user_id))).where(
                owned_by(CourseCompletion, org_id), CourseCompletion.user_id.in_(members),
                CourseCompletion.completed_at >= start, CourseCompletion.completed_at < end,
            )
        ) or 0
        summaries = []
        for cohort in cohorts:
            report = queries.follow_up(cohort, now=min(now, end))
            cells = [s for r in report.rows for s in r.states.values()]
            done = sum(1 for s in cells if s == queries.DONE)
            summaries.append({
                "name": cohort.name, "members": len(report.rows), "behind": len(report.behind),
                "percent": 100 * done // len(cells) if cells else 0,
            })
        executives = db.session.scalars(
            sa.select(User).join(UserRole).where(
                owned_by(User, org_id), UserRole.role == Role.EXECUTIVE.value
            ).order_by(User.id)
        )
        queued = 0
        for user in executives:
            if not wants(user, "digest"):
                continue
            queued += queue_mail_once(
                dedupe_key=f"digest:{org_id}:{week_start.isoformat()}:{user.id}", to=user.email, template="digest",
                locale=user.locale, kind="digest", org_id=org_id, unsubscribe_url=unsubscribe_url(user, "digest"),
                user=user, week_start=week_start, week_end=week_end - timedelta(days=1), lessons_done=lessons_done,
                finished=finished, cohorts=summaries, link=external_url("org_home.executive", org_id=org_id),
            ) is not None
        return queued

    return each(sorted(by_org), "executive digests", digest)


JOBS: dict[str, Callable[[datetime | None], int]] = {
    "module_open_notices": send_module_open_notices,
    "reminders": send_reminders,
    "executive_digests": send_executive_digests,
}
