"""The scheduler process: APScheduler with its job store in the app's database.

Every job is a plain function of `now` (lms.cohorts.jobs) that queues only what
is due and not yet queued, so jobs are run on a short interval rather than at
exact times: a run that was missed, or a process restarted mid-week, simply
leaves the next run to catch up, and several processes on several hosts may
run the same job without sending anything twice (the outbox's unique dedupe
key decides, see lms.mail.service.queue_mail_once).
"""
from __future__ import annotations

import logging
from datetime import datetime

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from lms.adoption.jobs import JOBS as ADOPTION_JOBS
from lms.cohorts.jobs import JOBS as COHORT_JOBS
from lms.extensions import db
from lms.mail.service import deliver_pending
from lms.scheduler.models import JOBS_TABLE
from lms.transaction import commit

log = logging.getLogger(__name__)

JOBS = {**COHORT_JOBS, **ADOPTION_JOBS}

_app: Flask | None = None  # the scheduler process's app, for jobs run on APScheduler's threads


def run_named(name: str, now: datetime | None = None) -> int:
    """Runs one job and commits (then delivers its mail). A failure is logged; it never propagates."""
    try:
        if name == "deliver_outbox":
            return deliver_pending()
        queued = JOBS[name](now)
        commit()
    except Exception:
        db.session.rollback()
        log.exception("scheduled job %s failed", name)
        return 0
    log.info("scheduled job %s queued %d message(s)", name, queued)
    return queued


def run_job(name: str) -> None:
    """What APScheduler calls, by reference (`lms.scheduler.runner:run_job`), so the job store can keep it."""
    assert _app is not None, "run_job runs inside the scheduler process started by `flask scheduler run`"
    with _app.app_context():
        run_named(name)


def job_names() -> list[str]:
    return [*JOBS, "deliver_outbox"]


def build_scheduler(app: Flask, interval_minutes: int) -> BlockingScheduler:
    global _app
    _app = app
    with app.app_context():
        engine = db.engine
    scheduler = BlockingScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)},
        timezone=app.config["BABEL_DEFAULT_TIMEZONE"],
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
    )
    for name in job_names():
        scheduler.add_job(
            "lms.scheduler.runner:run_job", IntervalTrigger(minutes=interval_minutes), args=[name],
            id=name, name=name, replace_existing=True,
        )
    return scheduler
