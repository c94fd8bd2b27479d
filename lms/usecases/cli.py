"""`flask --app lms usecases ...`: load the use-case files (usecases/<id>.md), search them, rebuild the index.

`sync [--check] [FOLDER]`, `search "QUERY"` (matching ids in rank order, one a line),
`reindex` (rebuild the search index), `generate --count N` (synthetic cases for benchmarks).
"""
from __future__ import annotations

import getpass
from pathlib import Path

import click
from flask import Flask

DEFAULT_FOLDER = Path("usecases")


def beside(course_roots: list[Path]) -> Path | None:
    """The usecases/ folder next to a folder of courses (`courses sync courses` finds ./usecases), if any.

    Syncing single course folders loads no cases: the cases link to lessons of
    every course, so they are checked only when the whole catalog is synced.
    """
    for root in course_roots:
        folder = root.parent / DEFAULT_FOLDER
        if not (root / "course.md").exists() and folder.is_dir():
            return folder
    return None


def sync_and_report(
    folder: Path, *, check: bool, lesson_refs: frozenset[str] | None, exercise_slugs: frozenset[str] | None
) -> bool:
    """Sync (or check) `folder`, commit, print the outcome; returns True when it failed."""
    from lms.courses.sync import Author
    from lms.extensions import db
    from lms.usecases import sync

    try:
        outcome = sync.sync_folder(folder, check=check, author=Author(None, f"sync by {getpass.getuser()}"),
                                   lesson_refs=lesson_refs, exercise_slugs=exercise_slugs)
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
