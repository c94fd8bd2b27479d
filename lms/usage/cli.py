"""`flask usage import --org ID --source KIND FILE [--check]`: a vendor usage export from the shell, all or nothing.

`flask usage purge-staged [--days N]`: delete imports checked but never imported (the scheduler does it on every run).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from flask import Flask

from lms.usage.sources import GENERIC, KINDS


def register(app: Flask) -> None:
    @app.cli.group("usage")
    def usage() -> None:
        """AI-usage telemetry from the vendors' exports."""

    @usage.command("import")
    @click.option("--org", "org_id", type=int, required=True, help="The company's id.")
    @click.option("--source", "kind", type=click.Choice(["auto", *KINDS, GENERIC]), default="auto", show_default=True,
                  help="Which vendor's export FILE is; auto detects it from the header; generic reads the "
                       "company's own format with a column choice saved in the browser.")
    @click.option("--check", is_flag=True, help="Read, match and report only; write nothing.")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def import_command(org_id: int, kind: str, check: bool, file: Path) -> None:
        """Import FILE (.csv or .xlsx) into the company's usage telemetry.

        Prints the detected source, matched and unmatched people and every row
        error ("row N, column …: message"); exits with 1 on errors, writing nothing.
        """
        from flask_babel import force_locale

        from lms.extensions import db
        from lms.orgs.models import Organization
        from lms.usage import service
        from lms.usage.messages import problem_message, source_label
        from lms.usage.sources import UsageFileError

        org = db.session.get(Organization, org_id)
        if org is None:
            raise click.ClickException(f"no company with id {org_id}")
        summary: dict[str, Any] = {"problems": []}
        with force_locale("en"):
            try:
                staged = service.stage_import(org, file.read_bytes(), file.name, kind, actor=None)
                summary = staged.summary
                click.echo(f"source: {source_label(summary['source'])} ({summary['source']})")
                click.echo(f"{summary['rows']} row(s): {summary['matched_people']} people matched "
                           f"({summary['matched_weeks']} week(s)), {summary['unmatched_people']} unmatched")
                for item in summary["unmatched"]:
                    click.echo(f"unmatched: {item['email']} (row {', '.join(map(str, item['rows']))})")
                if summary["applied_before"]:
                    click.echo(f"this file was imported before (import {summary['applied_before']})")
                if summary["problems"]:
                    raise UsageFileError([])
                if check:
                    db.session.rollback()
                    click.echo(f"checked: {summary['new']} new, {summary['changed']} changed, "
                               f"{summary['unchanged']} unchanged week(s); nothing written")
                    return
                result = service.apply_import(org, staged, actor=None)
                db.session.commit()
            except UsageFileError as exc:
                db.session.rollback()
                problems = [service.problem_dict(p) for p in exc.problems] or summary["problems"]
                for problem in problems:
                    click.echo(problem_message(problem), err=True)
                click.echo(f"{file} has errors" + ("" if check else ": nothing was imported"), err=True)
                raise SystemExit(1) from None
            except Exception:
                db.session.rollback()
                raise
        if result.nothing_new:
            click.echo(f"nothing new: {result.unchanged} week(s) already imported")
        else:
            click.echo(f"imported: {result.new} new, {result.changed} changed, {result.unchanged} unchanged week(s)")

    @usage.command("purge-staged")
    @click.option("--days", type=click.IntRange(min=0), default=None,
                  help="Delete imports left unconfirmed for more than this many days (default: 7, as the scheduler).")
    def purge_staged_command(days: int | None) -> None:
        """Delete every company's imports left staged or unmapped (never confirmed), and list them."""
        import sqlalchemy as sa

        from lms.extensions import db
        from lms.orgs.models import Organization
        from lms.usage import service

        kept = service.STAGED_KEPT_DAYS if days is None else days
        removed = 0
        for org in db.session.scalars(sa.select(Organization).order_by(Organization.id)).all():
            for item in service.purge_staged(org, days=kept):
                click.echo(f"removed: company {org.id}, import {item.id} {item.filename} ({item.status}, "
                           f"uploaded {item.created_at:%Y-%m-%d %H:%M} UTC)")
                removed += 1
        db.session.commit()
        click.echo(f"{removed} import(s) left unconfirmed for more than {kept} day(s) removed")
