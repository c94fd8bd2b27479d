"""Lessons' and exercises' `usecases:` must name a case that exists: path:line errors, all or nothing.

`flask courses sync` reads the case folder before writing exercises and
courses; `flask exercises sync` reads the one beside its folder; the browser
editor checks against the catalog's live cases. Without a case folder the
links are not checked (one course folder synced alone).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.accounts.roles import Role
from lms.courses.models import Course, Lesson, LessonRevision
from lms.exercises.models import Exercise
from lms.extensions import db
from lms.usecases.models import Usecase
from tests.conftest import count
from tests.coursetree import write_course
from tests.test_exercise_sync import EXAMPLE as EXERCISE
from tests.usecaseworld import PLAIN, load_cases, write_cases

LESSON = "---\ntitle: シフト表を作る\nusecases: [{ids}]\nminutes: 5\n---\n\nシフト表の下書きを作ります。\n"
LESSON_PATH = "kiso/01-hajimeni/03-shift.md"


def run(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=list(args))


def catalog(tmp_path: Path, lesson_ids: str = "shift-shitagaki", exercise_ids: str = "owabi-mail") -> None:
    """courses/kiso with a lesson linking `lesson_ids`, exercises/owabi-mail linking `exercise_ids`, and
    usecases/ holding shift-shitagaki (old id shift-old) and owabi-mail."""
    course = write_course(tmp_path / "courses")
    (course / "01-hajimeni" / "03-shift.md").write_text(LESSON.format(ids=lesson_ids), encoding="utf-8")
    (tmp_path / "exercises").mkdir(exist_ok=True)
    (tmp_path / "exercises" / "owabi-mail.md").write_text(
        EXERCISE.replace("usecases: [owabi-mail]", f"usecases: [{exercise_ids}]"), encoding="utf-8")
    write_cases(tmp_path, shift_shitagaki=PLAIN.replace("title:", "aliases: [shift-old]\ntitle:"),
                owabi_mail=PLAIN.replace("title: シフト表の下書きを作る", "title: おわびメールを下書きする"))


def sync_all(app: Flask, tmp_path: Path, *options: str) -> Any:
    return run(app, "courses", "sync", *options, "--exercises", str(tmp_path / "exercises"), str(tmp_path / "courses"))


def test_links_to_cases_of_the_same_run_load_before_the_cases_are_written(app: Flask, tmp_path: Path) -> None:
    catalog(tmp_path, lesson_ids="shift-shitagaki, shift-old")  # an old id counts too
    assert count(Usecase) == 0
    result = sync_all(app, tmp_path)
    assert result.exit_code == 0, result.output
    assert "kiso: created" in result.output and "exercise owabi-mail: created" in result.output
    assert db.session.scalar(sa.select(Lesson.usecases).where(Lesson.slug == "shift")) == ["shift-shitagaki", "shift-old"]
    assert count(Usecase) == 2


def test_a_lesson_naming_an_unknown_case_is_a_path_line_error_and_its_course_does_not_load(
    app: Flask, tmp_path: Path
) -> None:
    catalog(tmp_path, lesson_ids="shift-shitagaki, shift-nai")
    result = sync_all(app, tmp_path, "--check")
    assert result.exit_code == 1
    assert (f"{LESSON_PATH}:3: unknown use case 'shift-nai': no use case has that id (or had it as an old id)"
            in result.output), result.output
    result = sync_all(app, tmp_path)
    assert result.exit_code == 1 and f"{LESSON_PATH}:3: unknown use case 'shift-nai'" in result.output
    assert count(Course) == 0  # all or nothing: the course with the broken link is not loaded


def test_an_exercise_naming_an_unknown_case_is_a_path_line_error_and_no_exercise_loads(
    app: Flask, tmp_path: Path
) -> None:
    catalog(tmp_path, exercise_ids="owabi-nai")
    result = sync_all(app, tmp_path)
    assert result.exit_code == 1
    assert "exercises/owabi-mail.md:7: unknown use case 'owabi-nai'" in result.output, result.output
    assert count(Exercise) == 0
    # `flask exercises sync` reads the usecases/ beside its folder, or the one named with --usecases.
    result = run(app, "exercises", "sync", "--check", str(tmp_path / "exercises"))
    assert result.exit_code == 1 and "exercises/owabi-mail.md:7: unknown use case 'owabi-nai'" in result.output
    elsewhere = write_cases(tmp_path / "other", owabi_nai=PLAIN)
    result = run(app, "exercises", "sync", "--usecases", str(elsewhere), str(tmp_path / "exercises"))
    assert result.exit_code == 0, result.output
    assert count(Exercise) == 1


def test_a_case_of_the_spreadsheet_catalog_is_a_valid_link(app: Flask, tmp_path: Path) -> None:
    db.session.add(Usecase(slug="nyukin", title="入金と請求を照合する", summary="", industries=["all"], departments=["経理"],
                           task_type="data", tools=["chat"], level="beginner", data_class="internal",
                           checkin_task="data", minutes=30, basis="example", content_hash="x", origin=Usecase.IMPORT))
    db.session.flush()
    catalog(tmp_path, lesson_ids="nyukin")
    result = sync_all(app, tmp_path)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("check", [False, True])
def test_without_a_case_folder_links_to_cases_are_not_checked(app: Flask, tmp_path: Path, check: bool) -> None:
    # One course folder synced alone has no usecases/ beside it: its lessons' usecases: are kept unchecked
    # (the exercises' too when their folder has no usecases/ beside it).
    catalog(tmp_path, lesson_ids="shift-nai")
    (tmp_path / "usecases" / "owabi-mail.md").unlink()
    options = ["--check"] if check else []
    result = run(app, "courses", "sync", *options, "--exercises", str(tmp_path / "exercises"),
                 str(tmp_path / "courses" / "kiso"))
    assert "unknown use case" not in result.output
    assert result.exit_code == 0, result.output
    lone = tmp_path / "lone" / "exercises"
    lone.mkdir(parents=True)
    (lone / "owabi-mail.md").write_text(EXERCISE.replace("usecases: [owabi-mail]", "usecases: [owabi-nai]"),
                                        encoding="utf-8")
    result = run(app, "exercises", "sync", *options, str(lone))
    assert result.exit_code == 0, result.output


def test_the_browser_editor_refuses_an_unknown_case_like_sync(
    client: Any, create_user: Any, sync_course: Any
) -> None:
    create_user(None, roles=(Role.TRAINER,), email="t@provider.example")
    client.login("t@provider.example")
    sync_course()
    load_cases(shift_shitagaki=PLAIN.replace("title:", "aliases: [shift-old]\ntitle:"))
    lesson = db.session.scalar(sa.select(Lesson).where(Lesson.slug == "towa"))
    assert lesson is not None and lesson.current_revision is not None
    before = count(LessonRevision)
    raw = lesson.current_revision.raw.replace("title: 生成AIとは\n", "title: 生成AIとは\nusecases: [shift-old, shift-nai]\n")
    response = client.submit(f"/authoring/lessons/{lesson.id}/edit", {"raw": raw})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "kiso/01-hajimeni/01-towa.md:3: " in page and "&#39;shift-nai&#39;" in page and "shift-old&#39;" not in page
    assert count(LessonRevision) == before
    response = client.submit(f"/authoring/lessons/{lesson.id}/edit", {"raw": raw.replace(", shift-nai", "")})
    assert response.status_code == 302
    assert count(LessonRevision) == before + 1


def test_every_shipped_lesson_and_exercise_names_a_shipped_case() -> None:
    from lms.courses.sync import SyncReport, load_sources
    from lms.exercises.source import load_exercises
    from lms.usecases.source import folder_ids, parse_usecases

    root = Path(__file__).resolve().parents[1]
    ids = folder_ids(root / "usecases", parse_usecases(root / "usecases")[0])
    _, errors = load_exercises(root / "exercises", usecase_ids=ids)
    assert [str(e) for e in errors] == []
    failed = [r for r in load_sources([root / "courses"], usecase_ids=ids) if isinstance(r, SyncReport)]
    assert [str(e) for r in failed for e in r.errors] == []
