"""`flask xapi export` and `flask xapi resend`: the recorded xAPI statements from the shell (docs/deploy.md)."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask import Flask, current_app


def register(app: Flask) -> None:
    @app.cli.group("xapi")
    def xapi() -> None:
        """xAPI statements to a learning record store (docs/deploy.md)."""

    @xapi.command("export")
    @click.argument("file", type=click.Path(dir_okay=False, writable=True, allow_dash=True, path_type=Path))
    @click.option("--org", "org_id", type=int, help="Only this company's statements (its id).")
    @click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]),
                  help="Only those recorded from this day on (YYYY-MM-DD, local time).")
    def export(file: Path, org_id: int | None, since: datetime | None) -> None:
        """Write the recorded statements to FILE as one JSON array (oldest first); '-' writes to standard output."""
        from lms.extensions import db
        from lms.orgs.models import Organization
        from lms.xapi.export import chunks, count

        if org_id is not None and db.session.get(Organization, org_id) is None:
            raise click.ClickException(f"there is no company with id {org_id}")
        day = since.date() if since is not None else None
        with click.open_file(str(file), "w", encoding="utf-8") as out:
            for piece in chunks(org_id, day):
                out.write(piece)
        click.echo(f"{count(org_id, day)} statement(s) written to {file}", err=True)

    @xapi.command("resend")
    @click.option("--failed", is_flag=True, help="Statements whose delivery failed (after fixing the LRS settings).")
    @click.option("--unsent", is_flag=True, help="Statements recorded while LMS_XAPI_ENDPOINT was empty.")
    @click.option("--org", "org_id", type=int, help="Only this company's statements (its id).")
    def resend(failed: bool, unsent: bool, org_id: int | None) -> None:
        """Queue statements for the LRS again; the worker (`flask worker run`) sends them."""
        from lms.transaction import commit
        from lms.xapi.export import resend as queue_again

        if not (failed or unsent):
            raise click.ClickException("say which: --failed, --unsent or both")
        if not current_app.config["LMS_XAPI_ENDPOINT"]:
            raise click.ClickException("LMS_XAPI_ENDPOINT is empty: set the LRS first (docs/deploy.md)")
        queued = queue_again(failed=failed, unsent=unsent, org_id=org_id)
        commit()
        click.echo(f"{queued} statement(s) queued for {current_app.config['LMS_XAPI_ENDPOINT']}", err=True)
