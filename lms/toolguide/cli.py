"""`flask --app lms toolguide check [FILE]`: validate the comparison table (default toolguide/tools.yaml)."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

DEFAULT_FILE = Path("toolguide") / "tools.yaml"


def register(app: Flask) -> None:
    @app.cli.group("toolguide")
    def toolguide() -> None:
        """The tool-selection guide's comparison table."""

    @toolguide.command("check")
    @click.argument("file", required=False, type=click.Path(path_type=Path, dir_okay=False))
    def check_command(file: Path | None) -> None:
        """Check FILE (default toolguide/tools.yaml); print each problem as path:line: message, exit 1 on any."""
        from lms.toolguide.table import DEFAULT_PATH, read_table_file

        path = file or (DEFAULT_FILE if DEFAULT_FILE.is_file() else DEFAULT_PATH)
        table, errors = read_table_file(path)
        for error in errors:
            click.echo(str(error), err=True)
        if table is None:
            raise SystemExit(1)
        unconfirmed = sum(1 for tool in table.tools for fact in tool.facts.values() if fact.unconfirmed)
        click.echo(f"{path.as_posix()}: ok, {len(table.tools)} tools, checked {table.checked.isoformat()}, "
                   f"{unconfirmed} fields to confirm (要確認)")
