"""`flask --app lms adoption ...`: generated companies and check-ins for measuring at scale."""
from __future__ import annotations

import sys

import click
from flask import Flask


def register(app: Flask) -> None:
    @app.cli.group("adoption")
    def adoption() -> None:
        """AI-usage check-ins and rollups."""

    @adoption.command("generate")
    @click.option("--companies", type=click.IntRange(min=0), required=True, help="New companies to create.")
    @click.option("--employees", type=click.IntRange(min=1), required=True, help="Employees in each company.")
    @click.option("--weeks", type=click.IntRange(min=1), required=True, help="Weeks of check-ins, ending last week.")
    @click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same companies.")
    def generate_command(companies: int, employees: int, weeks: int, seed: int) -> None:
        """Create companies of employees with weeks of check-ins, rollups and counts (for benchmarks)."""
        from lms.adoption.generate import generate
        from lms.extensions import db

        with click.progressbar(length=companies, label="generating companies", file=sys.stderr,
                               item_show_func=lambda name: name) as bar:
            try:
                done = generate(companies, employees, weeks, seed=seed,
                                progress=lambda total: bar.update(1, total.name))
            except Exception:
                db.session.rollback()
                raise
        click.echo(f"{done.companies} companies, {done.users} employees, {done.checkins} check-ins, "
                   f"{done.rollups} rollups, {done.counts} counts in {done.seconds:.1f} s")
