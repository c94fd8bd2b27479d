"""`flask --app lms scheduler run` (the scheduler process) and `run-once` (cron, operations, tests)."""
from __future__ import annotations

import logging

import click
from flask import Flask


def register(app: Flask) -> None:
    @app.cli.group("scheduler")
    def scheduler() -> None:
        """Scheduled mail: module notices, reminders, executive digests."""

    @scheduler.command("run")
    @click.option("--interval", default=10, show_default=True, help="Minutes between runs of each job.")
    def run(interval: int) -> None:
        """Run the scheduler in the foreground until stopped (one process per host is enough)."""
        from lms.scheduler.runner import build_scheduler

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        sched = build_scheduler(app, interval)
        click.echo(f"scheduler running every {interval} minutes: {', '.join(j.id for j in sched.get_jobs())}", err=True)
        try:
            sched.start()
        except (KeyboardInterrupt, SystemExit):
            pass

    @scheduler.command("run-once")
    @click.argument("names", nargs=-1)
    def run_once(names: tuple[str, ...]) -> None:
        """Run jobs now, all of them unless named."""
        from lms.scheduler.runner import job_names, run_named

        for name in names or job_names():
            if name not in job_names():
                raise click.BadParameter(f"unknown job {name!r}; jobs: {', '.join(job_names())}")
            click.echo(f"{name}: {run_named(name)}")
