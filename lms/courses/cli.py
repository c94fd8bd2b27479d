"""`flask --app lms courses ...`: sync course folders into the catalog, check them, export them."""
from __future__ import annotations

import getpass
import sys
from pathlib import Path

import click
from flask import Flask

from lms.courses import sync
from lms.courses.source import CourseSource


def register(app: Flask) -> None:
    @app.cli.group("courses")
    def courses() -> None:
        """Course sources (Markdown folders)."""

    @courses.command("sync")
    @click.argument("paths", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path))
    @click.option("--check", is_flag=True, help="Validate only; write nothing.")
    @click.option("--exercises", "exercise_folder", type=click.Path(exists=True, file_okay=False, path_type=Path),
                  help="Exercise folder synced first (default: exercises/ when it exists).")
    @click.option("--usecases", "usecase_folder", type=click.Path(exists=True, file_okay=False, path_type=Path),
                  help="Use-case folder synced last (default: usecases/ beside a synced folder of courses).")
    def sync_command(
        paths: tuple[Path, ...], check: bool, exercise_folder: Path | None, usecase_folder: Path | None
    ) -> None:
        """Load exercises, then course folders (default: courses/), then use cases. Errors print as path:line: message."""
        from lms.exercises.cli import default_folder, sync_and_report
        from lms.extensions import db
        from lms.usecases import cli as usecase_cli
        from lms.usecases.source import parse_usecases
        from lms.usecases.sync import lesson_refs_of, linkable_ids

        roots = list(paths) or [Path("courses")]
        # The case files are read first (written last): the exercises' and lessons' usecases: must name one of
        # them. Without a case folder (one course folder synced alone) those links are not checked.
        usecase_folder = usecase_folder or usecase_cli.beside(roots)
        parsed = parse_usecases(usecase_folder) if usecase_folder is not None else None
        usecase_ids = linkable_ids(usecase_folder, parsed[0]) if parsed is not None else None
        # Exercises first: a lesson of kind exercise must name one that exists.
        exercise_slugs, exercises_failed = sync_and_report(exercise_folder or default_folder(), check=check,
                                                           usecase_ids=usecase_ids)
        loaded = sync.load_sources(roots, exercise_slugs=exercise_slugs, usecase_ids=usecase_ids)
        failed = [r for r in loaded if isinstance(r, sync.SyncReport)]
        sources = [s for s in loaded if isinstance(s, CourseSource)]
        for report in failed:
            for error in report.errors:
                click.echo(str(error), err=True)
        reports: list[sync.SyncReport] = []
        if check:
            reports = [sync.SyncReport(s.slug, s.path, sync.CHECKED, lessons=sum(len(m.lessons) for m in s.modules)) for s in sources]
        else:
            author = sync.Author(None, f"sync by {getpass.getuser()}")
            total = sum(len(m.lessons) for s in sources for m in s.modules)
            with click.progressbar(length=total, label="syncing lessons", file=sys.stderr) as bar:
                for source in sources:
                    try:
                        reports.append(sync.sync_course(source, author=author, progress=bar.update))
                        db.session.commit()
                    except Exception:
                        db.session.rollback()
                        raise
        for report in reports:
            click.echo(f"{report.slug}: {report.status} ({report.lessons} lessons, "
                       f"{report.new_revisions} new revisions, {report.archived} archived)")
        # Use cases last: they link to lessons and exercises of this same run. With a course in error they
        # are checked against the courses that did load, so a case linking into the broken one fails too.
        usecases_failed = False
        if usecase_folder is not None:
            usecases_failed = usecase_cli.sync_and_report(
                usecase_folder, check=check, lesson_refs=lesson_refs_of(sources), exercise_slugs=exercise_slugs,
                parsed=parsed)
        if failed:
            click.echo(f"{len(failed)} course(s) have errors and were not loaded", err=True)
            raise SystemExit(1)
        if exercises_failed or usecases_failed:
            raise SystemExit(1)
        if not reports:
            shown = ", ".join(str(r) for r in roots)
            click.echo(f"no course found in {shown} (a course is a folder holding course.md)", err=True)
            raise SystemExit(1)
        if not check and all(r.status == sync.UNCHANGED for r in reports):
            click.echo("nothing changed")

    @courses.command("export")
    @click.argument("slug")
    @click.argument("target", type=click.Path(file_okay=False, path_type=Path))
    def export_command(slug: str, target: Path) -> None:
        """Write course SLUG as a folder under TARGET (what sync reads)."""
        import sqlalchemy as sa

        from lms.courses.export import course_files
        from lms.courses.models import Course
        from lms.extensions import db

        course = db.session.scalar(sa.select(Course).where(Course.slug == slug))
        if course is None:
            raise click.ClickException(f"no course {slug!r}")
        count = 0
        for relative, data in course_files(course):
            path = target / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            count += 1
        click.echo(f"{slug}: {count} files written to {target / slug}")
