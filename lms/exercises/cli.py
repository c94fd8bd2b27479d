"""`flask --app lms exercises ...`: sync the exercises folder, check a prompt against a rubric."""
from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import IO, TYPE_CHECKING

import click
from flask import Flask

from lms import textrule

if TYPE_CHECKING:
    from lms.exercises.source import ExerciseSource

DEFAULT_FOLDER = Path("exercises")


def default_folder() -> Path | None:
    """exercises/ of the working directory, when there is one (sync then loads it before courses)."""
    return DEFAULT_FOLDER if DEFAULT_FOLDER.is_dir() else None


def beside(folder: Path) -> Path | None:
    """The usecases/ folder next to an exercise folder, if any: the ids the exercises' `usecases:` may name."""
    usecases = folder.parent / "usecases"
    return usecases if usecases.is_dir() else None


def sync_and_report(
    folder: Path | None, *, check: bool, usecase_ids: frozenset[str] | None = None
) -> tuple[frozenset[str] | None, bool]:
    """Sync (or check) `folder`, commit, print the outcome; returns (slugs for the course loader, failed).

    `usecase_ids`: the case ids `usecases:` may name (None: not known, not checked).
    """
    from lms.courses.sync import Author
    from lms.exercises import sync
    from lms.extensions import db

    try:
        outcome = sync.sync_folder(folder, check=check, author=Author(None, f"sync by {getpass.getuser()}"),
                                   usecase_ids=usecase_ids)
        if not check:
            db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    for error in outcome.errors:
        click.echo(str(error), err=True)
    if outcome.errors:
        click.echo(f"exercises in {folder} have errors" + ("" if check else ": none was loaded"), err=True)
    counts: dict[str, int] = {}
    for report in outcome.reports:
        counts[report.status] = counts.get(report.status, 0) + 1
        if report.status not in (sync.UNCHANGED, sync.CHECKED):
            revision = f" (revision {report.revision})" if report.revision is not None else ""
            click.echo(f"exercise {report.slug}: {report.status}{revision}")
    if counts:
        click.echo(f"{len(outcome.reports)} exercise(s): " + ", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
    return outcome.slugs, bool(outcome.errors)


def register(app: Flask) -> None:
    @app.cli.group("exercises")
    def exercises() -> None:
        """Prompt-practice exercises (exercises/<slug>.md)."""

    @exercises.command("sync")
    @click.argument("folder", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
    @click.option("--check", is_flag=True, help="Validate only; write nothing.")
    @click.option("--usecases", "usecase_folder", type=click.Path(exists=True, file_okay=False, path_type=Path),
                  help="Use-case folder the exercises' usecases: must name (default: usecases/ beside FOLDER, "
                       "when it exists; without one they are not checked).")
    def sync_command(folder: Path | None, check: bool, usecase_folder: Path | None) -> None:
        """Load FOLDER (default: exercises/), all or nothing. Errors print as path:line: message."""
        from lms.usecases.source import parse_usecases
        from lms.usecases.sync import linkable_ids

        folder = folder or DEFAULT_FOLDER
        if not folder.is_dir():
            raise click.ClickException(f"no folder {folder}")
        usecase_folder = usecase_folder or beside(folder)
        usecase_ids = linkable_ids(usecase_folder, parse_usecases(usecase_folder)[0]) if usecase_folder else None
        _, failed = sync_and_report(folder, check=check, usecase_ids=usecase_ids)
        if failed:
            raise SystemExit(1)

    @exercises.command("check")
    @click.argument("slug")
    @click.argument("prompt_file", metavar="FILE", type=click.File("rb"))
    @click.option("--from", "folder", default=str(DEFAULT_FOLDER), show_default=True,
                  type=click.Path(file_okay=False, path_type=Path),
                  help="Folder holding SLUG.md; when it has no such file, the synced exercise is used.")
    def check_command(slug: str, prompt_file: IO[bytes], folder: Path) -> None:
        """Print the rubric result of the prompt in FILE ('-' for stdin) as JSON.

        Exit status: 0 when the prompt passes, 1 when it does not, 2 on bad input.
        """
        from lms.exercises.rubric import evaluate

        exercise = _exercise(slug, folder)
        prompt = _prompt(prompt_file.read())
        result = evaluate(exercise, prompt)
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        raise SystemExit(0 if result.passed else 1)


def _bad_input(message: str) -> SystemExit:
    click.echo(f"error: {message}", err=True)
    return SystemExit(2)


def _exercise(slug: str, folder: Path) -> ExerciseSource:
    """The exercise from FOLDER/SLUG.md, else the synced one. :raise SystemExit(2):"""
    from lms.exercises.source import ExerciseSourceError, load_exercise, parse_exercise_text

    file = folder / f"{slug}.md"
    try:
        if file.is_file():
            return load_exercise(file)
        return parse_exercise_text(_synced_raw(slug), path=f"{slug}.md (synced)", slug=slug)
    except ExerciseSourceError as exc:
        for error in exc.errors:
            click.echo(str(error), err=True)
        raise _bad_input(f"exercise {slug} has errors") from None
    except LookupError:
        raise _bad_input(f"no exercise {slug!r}: neither {file} nor a synced exercise of that slug") from None


def _synced_raw(slug: str) -> str:
    import sqlalchemy as sa

    from lms.exercises.queries import exercise_by_slug
    from lms.extensions import db

    try:
        exercise = exercise_by_slug(slug)
    except sa.exc.SQLAlchemyError:  # no database, or not migrated: there is no synced exercise to use
        db.session.rollback()
        raise LookupError(slug) from None
    if exercise is None or exercise.current_revision is None:
        raise LookupError(slug)
    return exercise.current_revision.raw


def _prompt(data: bytes) -> str:
    """The prompt file as text. :raise SystemExit(2): when it is not UTF-8 or holds a refused character"""
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise _bad_input(f"the prompt is not UTF-8 (byte {exc.start}): save it as UTF-8") from None
    found = textrule.first_refused(text, multiline=True)
    if found is not None:
        raise _bad_input(f"line {found.line} of the prompt contains the character {found.code}, which no text may hold")
    return text
