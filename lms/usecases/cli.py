"""`flask --app lms usecases ...`: load the use-case files (usecases/<id>.md), search them, rebuild the index.

`sync [--check] [FOLDER]`, `search "QUERY"` (matching ids in rank order, one a line),
`reindex` (rebuild the search index), `generate --count N` (synthetic cases for benchmarks);
`import FILE` and `export FILE`: the provider's own catalog as a spreadsheet.
"""
from __future__ import annotations

import getpass
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask import Flask

if TYPE_CHECKING:
    from lms.core.frontmatter import SourceError
    from lms.usecases.source import UsecaseSource

DEFAULT_FOLDER = Path("usecases")


def beside(course_roots: list[Path]) -> Path | None:
    """The usecases/ folder next to a folder of courses (`courses sync courses` finds ./usecases), if any.

    Syncing single course folders loads no cases: the cases link to lessons of
    every course, so they are checked only when the whole catalog is synced.
    Without a case folder the lessons' `usecases:` are not checked either.
    """
    for root in course_roots:
        folder = root.parent / DEFAULT_FOLDER
        if not (root / "course.md").exists() and folder.is_dir():
            return folder
    return None


def sync_and_report(
    folder: Path, *, check: bool, lesson_refs: frozenset[str] | None, exercise_slugs: frozenset[str] | None,
    parsed: tuple[list[UsecaseSource], list[SourceError]] | None = None,
) -> bool:
    """Sync (or check) `folder` (`parsed`: already read), commit, print the outcome; returns True when it failed."""
    from lms.courses.sync import Author
    from lms.extensions import db
    from lms.usecases import sync

    try:
        outcome = sync.sync_folder(folder, check=check, author=Author(None, f"sync by {getpass.getuser()}"),
                                   lesson_refs=lesson_refs, exercise_slugs=exercise_slugs, parsed=parsed)
        if not check:
            db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    for error in outcome.errors:
        click.echo(str(error), err=True)
    if outcome.errors:
        click.echo(f"use cases in {folder} have errors" + ("" if check else ": none was loaded"), err=True)
    counts: dict[str, int] = {}
    for report in outcome.reports:
        counts[report.status] = counts.get(report.status, 0) + 1
        if report.status not in (sync.UNCHANGED, sync.CHECKED):
            revision = f" (revision {report.revision})" if report.revision is not None else ""
            click.echo(f"use case {report.id}: {report.status}{revision}")
    if counts:
        click.echo(f"{len(outcome.reports)} use case(s): " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    return bool(outcome.errors)


def known_links(course_paths: list[Path], exercise_folder: Path | None) -> tuple[frozenset[str], frozenset[str]]:
    """Lesson paths and exercise slugs of the course and exercise sources (parsed, not synced)."""
    from lms.courses.source import CourseSource
    from lms.courses.sync import load_sources
    from lms.exercises.source import exercise_files
    from lms.usecases.sync import lesson_refs_of

    slugs = frozenset(f.name.removesuffix(".md") for f in exercise_files(exercise_folder)[0]) if exercise_folder else frozenset()
    courses = [s for s in load_sources([p for p in course_paths if p.is_dir()], exercise_slugs=None)
               if isinstance(s, CourseSource)]
    return lesson_refs_of(courses), slugs


def register(app: Flask) -> None:
    @app.cli.group("usecases")
    def usecases() -> None:
        """The use-case catalog (usecases/<id>.md)."""

    @usecases.command("sync")
    @click.argument("folder", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
    @click.option("--check", is_flag=True, help="Validate only; write nothing.")
    @click.option("--courses", "course_folder", default="courses", show_default=True,
                  type=click.Path(file_okay=False, path_type=Path), help="Courses the cases' lessons: must name.")
    @click.option("--exercises", "exercise_folder", default="exercises", show_default=True,
                  type=click.Path(file_okay=False, path_type=Path), help="Exercises the cases' exercises: must name.")
    def sync_command(folder: Path | None, check: bool, course_folder: Path, exercise_folder: Path) -> None:
        """Load FOLDER (default: usecases/), all or nothing. Errors print as path:line: message.

        Links to lessons and exercises are checked against the course and
        exercise files (run `flask courses sync` to load all three together).
        """
        folder = folder or DEFAULT_FOLDER
        if not folder.is_dir():
            raise click.ClickException(f"no folder {folder}")
        lesson_refs, exercise_slugs = known_links([course_folder], exercise_folder if exercise_folder.is_dir() else None)
        if sync_and_report(folder, check=check, lesson_refs=lesson_refs, exercise_slugs=exercise_slugs):
            raise SystemExit(1)

    @usecases.command("import")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--check", is_flag=True, help="Validate only; write nothing.")
    @click.option("--archive-missing", is_flag=True, help="Archive the spreadsheet cases that are not in FILE.")
    def import_command(file: Path, check: bool, archive_missing: bool) -> None:
        """Import the provider's catalog from FILE (.xlsx or .csv), all or nothing.

        Errors print as "row N, column “…”: message" and nothing is written.
        Cases of the usecases/ files are never touched; their ids are refused.
        """
        from flask_babel import gettext

        from lms.extensions import db
        from lms.usecases import catalog_import
        from lms.usecases.catalog import CatalogFileError

        def progress(message: str) -> None:
            click.echo(message, err=True)

        progress(f"reading {file} ...")
        try:
            if check:
                parsed = catalog_import.check_file(file.read_bytes(), file.name, progress=progress)
                plan = catalog_import.plan(parsed.sources)
                click.echo(f"{plan['total']} case(s) checked: {plan['created']} new, {plan['updated']} changed, "
                           f"{plan['unchanged']} unchanged, {plan['archived']} not in the file")
                return
            summary = catalog_import.import_catalog(file.read_bytes(), file.name, actor=None,
                                                    archive_missing=archive_missing, progress=progress)
            db.session.commit()
        except CatalogFileError as exc:
            db.session.rollback()
            for problem in exc.problems:
                click.echo(problem.localized(gettext), err=True)
            click.echo(f"{file} has errors" + ("" if check else ": nothing was imported"), err=True)
            raise SystemExit(1) from None
        except Exception:
            db.session.rollback()
            raise
        click.echo(f"{summary.created} created, {summary.updated} updated, {summary.unchanged} unchanged, "
                   f"{summary.archived} archived")

    @usecases.command("export")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--all", "every_case", is_flag=True,
                  help="Every live case, the usecases/ files included (for reading: file cases cannot be imported).")
    def export_command(file: Path, every_case: bool) -> None:
        """Write the spreadsheet catalog to FILE (.xlsx, or .csv in UTF-8 with BOM) in the import's template."""
        from lms.usecases import catalog_import

        kind = file.suffix.lower()
        if kind not in (".xlsx", ".csv"):
            raise click.ClickException("FILE must end in .xlsx or .csv")
        rows = catalog_import.export_rows(every_case=every_case)
        click.echo(f"{len(rows)} case(s) read", err=True)
        file.write_bytes(catalog_import.xlsx_bytes(rows) if kind == ".xlsx" else catalog_import.csv_bytes(rows))
        click.echo(f"{len(rows)} case(s) written to {file}")
    @usecases.command("search")
    @click.argument("query")
    def search_command(query: str) -> None:
        """Print the ids of the live cases matching QUERY, best first, one a line."""
        from lms.usecases.search import search

        for hit in search(query):
            click.echo(hit.slug)

    @usecases.command("reindex")
    def reindex_command() -> None:
        """Rebuild the search index of every live case (after an upgrade or a restore)."""
        from lms.extensions import db
        from lms.usecases.search import reindex_all

        def progress(done: int, total: int) -> None:
            click.echo(f"indexed {done}/{total}")

        try:
            count = reindex_all(progress)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        click.echo(f"{count} use case(s) in the search index")

    @usecases.command("generate")
    @click.option("--count", type=click.IntRange(1, 100_000), default=10_000, show_default=True)
    @click.option("--seed", type=int, default=1, show_default=True)
    def generate_command(count: int, seed: int) -> None:
        """Add COUNT fictional cases (ids gen-00001...; origin import, so sync never archives them) for benchmarks."""
        from lms.extensions import db
        from lms.usecases.generate import generate

        try:
            done = generate(count, seed=seed, progress=lambda done, total: click.echo(f"generated {done}/{total}"))
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        click.echo(f"{done} generated use case(s) (fictional, ids gen-...)")
