"""`flask scheduler run|run-once` (scheduled jobs) and `flask worker run|drain` (the outbox worker)."""
from __future__ import annotations

import logging

import click
from flask import Flask


def _log_to_stderr() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def register(app: Flask) -> None:
    @app.cli.group("scheduler")
    def scheduler() -> None:
        """Scheduled jobs: module notices, reminders, executive digests, rollups."""

    @scheduler.command("run")
    @click.option("--interval", default=10, show_default=True, help="Minutes between runs of each job (the slot length).")
    def run(interval: int) -> None:
        """Run the scheduler in the foreground until stopped; one per host is fine, any number share the work."""
        from lms.scheduler.runner import build_scheduler

        _log_to_stderr()
        sched = build_scheduler(app, interval)
        click.echo(f"scheduler running every {interval} minutes: {', '.join(j.id for j in sched.get_jobs())}", err=True)
        try:
            sched.start()
        except (KeyboardInterrupt, SystemExit):
            pass

    @scheduler.command("run-once")
    @click.argument("names", nargs=-1)
    def run_once(names: tuple[str, ...]) -> None:
        """Run jobs now, all of them unless named (no slot claim: an operator's explicit run)."""
        from lms.scheduler.runner import job_names, run_named

        for name in names or job_names():
            if name not in job_names():
                raise click.BadParameter(f"unknown job {name!r}; jobs: {', '.join(job_names())}")
            click.echo(f"{name}: {run_named(name)}")

    @app.cli.group("worker")
    def worker() -> None:
        """The outbox worker: delivers the mail that requests and jobs queued."""

    @worker.command("run")
    @click.option("--poll", default=2.0, show_default=True, help="Seconds to wait when nothing is due.")
    def worker_run(poll: float) -> None:
        """Drain the outbox in the foreground until SIGTERM/Ctrl+C (finishes the current message first)."""
        from lms import outbox

        _log_to_stderr()
        outbox.run(poll)

    @worker.command("drain")
    def worker_drain() -> None:
        """Deliver everything that is due now, then exit."""
        from lms import outbox

        click.echo(f"handled {outbox.drain()} row(s)")
