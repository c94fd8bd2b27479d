"""The scheduler process: APScheduler in memory, with one claim per job and time slot in the database.

Every job is a plain function of `now` (lms.cohorts.jobs, lms.adoption.jobs, lms.usecases.jobs, lms.usage.jobs)
that queues only what is due and not yet queued, so jobs run on a short
interval rather than at exact times: a missed run, or a process restarted
mid-week, leaves the next slot to catch up.

Each host runs its own scheduler with its jobs in memory (APScheduler 3 must
not share a job store between processes). Time is cut into slots of the run
interval; before running a job, a process inserts (job, slot_start) into
`scheduler_slots` with ON CONFLICT DO NOTHING and runs the job only when its
insert took effect. So any number of scheduler processes run each job once per
slot; the outbox's unique dedupe key (lms.mail.service.queue_mail_once) is the
second guard that makes each message unique. A process killed after claiming a
slot loses only that slot's run: the next slot catches up.
"""
from __future__ import annotations

import logging
import os
import socket
from datetime import datetime, timezone

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask
from sqlalchemy.dialects import postgresql, sqlite

from lms.adoption.jobs import JOBS as ADOPTION_JOBS
from lms.cohorts.jobs import JOBS as COHORT_JOBS
from lms.core.clock import utcnow
from lms.extensions import db
from lms.usage.jobs import JOBS as USAGE_JOBS
from lms.usecases.jobs import JOBS as USECASE_JOBS
from lms.scheduler.models import JobSlot
from lms.transaction import commit

log = logging.getLogger(__name__)

JOBS = {**COHORT_JOBS, **ADOPTION_JOBS, **USECASE_JOBS, **USAGE_JOBS}

_app: Flask | None = None  # the scheduler process's app, for jobs run on APScheduler's threads
_interval_minutes = 10


def run_named(name: str, now: datetime | None = None) -> int:
    """Runs one job now and commits (the worker delivers its mail). A failure is logged; it never propagates."""
    try:
        queued = JOBS[name](now)
        commit()
    except Exception:
        db.session.rollback()
        log.exception("scheduled job %s failed", name)
        return 0
    log.info("scheduled job %s queued %d message(s)", name, queued)
    return queued


def slot_start(now: datetime, interval_minutes: int) -> datetime:
    """The start of the time slot `now` falls in (slots are aligned to the epoch, so equal on every host)."""
    seconds = interval_minutes * 60
    return datetime.fromtimestamp(int(now.timestamp()) // seconds * seconds, tz=timezone.utc)


def claim_slot(name: str, now: datetime, interval_minutes: int) -> bool:
    """Insert the (job, slot) row, committed at once; True only for the one process whose insert took effect."""
    values = {"job": name, "slot_start": slot_start(now, interval_minutes), "claimed_at": now,
              "claimed_by": f"{socket.gethostname()}:{os.getpid()}"[:200]}
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    won = db.session.execute(
        insert(JobSlot).values(**values).on_conflict_do_nothing(index_elements=["job", "slot_start"])
        .returning(JobSlot.job)  # a row only when the insert took effect (rowcount is not reliable here)
    ).first() is not None
    db.session.commit()
    return won


def run_scheduled(name: str, now: datetime | None = None, interval_minutes: int | None = None) -> int | None:
    """What each scheduler process runs per job and interval: the job, if this process won its slot; else None."""
    now = now or utcnow()
    if not claim_slot(name, now, interval_minutes or _interval_minutes):
        log.debug("job %s: slot already taken by another process", name)
        return None
    return run_named(name, now)


def run_job(name: str) -> None:
    """What APScheduler calls on its thread."""
    assert _app is not None, "run_job runs inside the scheduler process started by `flask scheduler run`"
    with _app.app_context():
        try:
            run_scheduled(name)
        except Exception:  # the slot claim itself failed (database down): the next interval tries again
            db.session.rollback()
            log.exception("could not claim a slot for job %s", name)
        finally:
            db.session.remove()


def job_names() -> list[str]:
    return list(JOBS)


def build_scheduler(app: Flask, interval_minutes: int) -> BlockingScheduler:
    global _app, _interval_minutes
    _app, _interval_minutes = app, interval_minutes
    scheduler = BlockingScheduler(
        jobstores={"default": MemoryJobStore()},  # this process's own; never shared between hosts
        timezone=app.config["BABEL_DEFAULT_TIMEZONE"],
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
    )
    for name in job_names():
        scheduler.add_job(run_job, IntervalTrigger(minutes=interval_minutes), args=[name], id=name, name=name)
    return scheduler
