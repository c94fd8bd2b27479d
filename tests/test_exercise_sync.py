"""`flask exercises sync|check` and exercises in `flask courses sync`: all or nothing, revisions, slugs checked."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask

from lms.courses.models import Course, Lesson
from lms.exercises.models import Exercise, ExerciseRevision
from lms.extensions import db
from tests.conftest import count
from tests.coursetree import write_course

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = (ROOT / "tests" / "data" / "exercises" / "owabi-mail.md").read_text(encoding="utf-8")
GOOD_PROMPT = "あなたは営業担当です。おわびメールを作成してください。６００個が３日遅れます。件名と本文に分け、です・ます調で。"

EXERCISE_LESSON = """---
title: おわびメールを練習する
kind: exercise
exercise: {slug}
minutes: 10
---

演習です。
"""


def write_exercises(root: Path, **files: str) -> Path:
    """An exercises/ folder holding `slug=text` files (default: the example as owabi-mail)."""
    folder = root / "exercises"
    folder.mkdir(parents=True, exist_ok=True)
    for slug, text in (files or {"owabi-mail": EXAMPLE}).items():
        (folder / f"{slug}.md").write_text(text, encoding="utf-8")
    return folder


def run(app: Flask, *args: str, input: str | None = None) -> Any:
    return app.test_cli_runner().invoke(args=list(args), input=input)


def revisions(slug: str) -> list[int]:
    exercise = db.session.scalar(sa.select(Exercise).where(Exercise.slug == slug))
    return sorted(db.session.scalars(sa.select(ExerciseRevision.number).where(ExerciseRevision.exercise_id == exercise.id)))


# --- flask exercises sync -------------------------------------------------------------------------


def test_sync_creates_the_exercise_with_its_first_revision(app: Flask, tmp_path: Path) -> None:
    result = run(app, "exercises", "sync", str(write_exercises(tmp_path)))
    assert result.exit_code == 0, result.output
    assert "exercise owabi-mail: created (revision 1)" in result.output
    exercise = db.session.scalar(sa.select(Exercise))
    assert (exercise.slug, exercise.department, exercise.pass_score, exercise.industries) == (
        "owabi-mail", "営業", 70, ["manufacturing", "wholesale"])
    revision = exercise.current_revision
    assert revision.number == 1 and revision.raw == EXAMPLE and revision.created_by_label.startswith("sync by ")
    assert "<blockquote>" in revision.material_html and "部品メーカー" in revision.task_html
    assert revision.definition["rubric"][0]["id"] == "role" and revision.definition["model_prompt"].startswith("あなたは")


def test_a_second_sync_changes_nothing(app: Flask, tmp_path: Path) -> None:
    folder = write_exercises(tmp_path)
    run(app, "exercises", "sync", str(folder))
    result = run(app, "exercises", "sync", str(folder))
    assert result.exit_code == 0 and "1 exercise(s): 1 unchanged" in result.output
    assert revisions("owabi-mail") == [1]


def test_a_changed_file_is_a_new_revision_and_the_old_one_stays(app: Flask, tmp_path: Path) -> None:
    folder = write_exercises(tmp_path)
    run(app, "exercises", "sync", str(folder))
    write_exercises(tmp_path, **{"owabi-mail": EXAMPLE.replace("minutes: 10", "minutes: 15")})
    result = run(app, "exercises", "sync", str(folder))
    assert "exercise owabi-mail: updated (revision 2)" in result.output
    assert revisions("owabi-mail") == [1, 2]
    assert db.session.scalar(sa.select(Exercise.minutes)) == 15


def test_a_removed_file_archives_the_exercise_and_its_return_restores_it(app: Flask, tmp_path: Path) -> None:
    folder = write_exercises(tmp_path)
    run(app, "exercises", "sync", str(folder))
    (folder / "owabi-mail.md").unlink()
    assert "exercise owabi-mail: archived" in run(app, "exercises", "sync", str(folder)).output
    assert db.session.scalar(sa.select(Exercise.is_archived)) is True
    write_exercises(tmp_path)
    run(app, "exercises", "sync", str(folder))
    assert db.session.scalar(sa.select(Exercise.is_archived)) is False and revisions("owabi-mail") == [1]


def test_one_bad_file_loads_nothing_and_names_path_and_line(app: Flask, tmp_path: Path) -> None:
    folder = write_exercises(tmp_path, **{"owabi-mail": EXAMPLE,
                                          "bad": EXAMPLE.replace("check: element\n    element: tone", "check: style")})
    result = run(app, "exercises", "sync", str(folder))
    assert result.exit_code == 1
    assert "exercises/bad.md:43: unknown check kind 'style'" in result.stderr
    assert count(Exercise) == 0


def test_check_mode_validates_without_writing(app: Flask, tmp_path: Path) -> None:
    result = run(app, "exercises", "sync", "--check", str(write_exercises(tmp_path)))
    assert result.exit_code == 0 and "1 exercise(s): 1 checked" in result.output
    assert count(Exercise) == 0


# --- exercises in flask courses sync --------------------------------------------------------------


def course_with_exercise_lesson(root: Path, slug: str) -> Path:
    course = write_course(root / "courses")
    (course / "01-hajimeni" / "03-renshu.md").write_text(EXERCISE_LESSON.format(slug=slug), encoding="utf-8")
    return root / "courses"


def test_courses_sync_loads_exercises_first_and_a_lesson_may_use_them(app: Flask, tmp_path: Path) -> None:
    courses = course_with_exercise_lesson(tmp_path, "owabi-mail")
    result = run(app, "courses", "sync", "--exercises", str(write_exercises(tmp_path)), str(courses))
    assert result.exit_code == 0, result.output
    assert "exercise owabi-mail: created" in result.output and "kiso: created" in result.output
    assert db.session.scalar(sa.select(Lesson.exercise).where(Lesson.kind == "exercise")) == "owabi-mail"


def test_a_lesson_naming_an_unknown_exercise_fails_with_path_and_line(app: Flask, tmp_path: Path) -> None:
    courses = course_with_exercise_lesson(tmp_path, "gijiroku-seiri")
    result = run(app, "courses", "sync", "--exercises", str(write_exercises(tmp_path)), str(courses))
    assert result.exit_code == 1
    assert ("kiso/01-hajimeni/03-renshu.md:4: unknown exercise 'gijiroku-seiri': no exercise with that slug exists"
            in result.stderr)
    assert count(Course) == 0 and count(Exercise) == 1


def test_check_mode_checks_lessons_against_the_exercise_files_and_writes_nothing(app: Flask, tmp_path: Path) -> None:
    courses = course_with_exercise_lesson(tmp_path, "gijiroku-seiri")
    folder = write_exercises(tmp_path)
    result = run(app, "courses", "sync", "--check", "--exercises", str(folder), str(courses))
    assert result.exit_code == 1 and "unknown exercise 'gijiroku-seiri'" in result.stderr
    write_exercises(tmp_path, **{"gijiroku-seiri": EXAMPLE})
    result = run(app, "courses", "sync", "--check", "--exercises", str(folder), str(courses))
    assert result.exit_code == 0, result.output
    assert count(Exercise) == 0 and count(Course) == 0


def test_broken_exercises_fail_the_course_sync_and_lessons_use_only_synced_ones(app: Flask, tmp_path: Path) -> None:
    courses = course_with_exercise_lesson(tmp_path, "owabi-mail")
    folder = write_exercises(tmp_path, **{"owabi-mail": EXAMPLE.replace("minutes: 10", "minutes: 100")})
    result = run(app, "courses", "sync", "--exercises", str(folder), str(courses))
    assert result.exit_code == 1
    assert "exercises/owabi-mail.md:4: minutes must be a whole number from 3 to 60" in result.stderr
    assert "unknown exercise 'owabi-mail'" in result.stderr  # not in the database: the lesson cannot point at it
    assert count(Exercise) == 0 and count(Course) == 0


def test_a_browser_edit_naming_an_unknown_exercise_is_refused(app: Flask, tmp_path: Path) -> None:
    from lms.courses.authoring import parse_edit
    from lms.courses.source import CourseSourceError

    run(app, "courses", "sync", "--exercises", str(write_exercises(tmp_path)), str(write_course(tmp_path / "c").parent))
    lesson = db.session.scalar(sa.select(Lesson).where(Lesson.slug == "towa"))
    assert parse_edit(lesson, EXERCISE_LESSON.format(slug="owabi-mail")).exercise == "owabi-mail"
    try:
        parse_edit(lesson, EXERCISE_LESSON.format(slug="nai"))
    except CourseSourceError as exc:
        assert "unknown exercise 'nai'" in str(exc)
    else:
        raise AssertionError("an unknown exercise was accepted")


# --- flask exercises check ------------------------------------------------------------------------


def test_check_prints_the_result_as_json_and_exits_0_when_passed(app: Flask, tmp_path: Path) -> None:
    folder = write_exercises(tmp_path)
    prompt = tmp_path / "prompt.txt"
    prompt.write_text(GOOD_PROMPT, encoding="utf-8")
    result = run(app, "exercises", "check", "--from", str(folder), "owabi-mail", str(prompt))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["passed"] is True and data["score"] == 100
    assert "６００" in result.stdout  # ensure_ascii=False: Japanese stays readable
    assert [s["text"] for s in data["criteria"][2]["spans"]] == ["６００", "３日"]


def test_check_reads_stdin_and_exits_1_when_not_passed(app: Flask, tmp_path: Path) -> None:
    result = run(app, "exercises", "check", "--from", str(write_exercises(tmp_path)), "owabi-mail", "-",
                 input="佐藤一郎様へのおわびメールを作成して")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["blocked"] is True and data["criteria"][-1]["spans"][0]["text"] == "佐藤一郎"


def test_check_uses_the_synced_exercise_when_the_folder_has_no_file(app: Flask, tmp_path: Path) -> None:
    run(app, "exercises", "sync", str(write_exercises(tmp_path)))
    result = run(app, "exercises", "check", "--from", str(tmp_path / "none"), "owabi-mail", "-", input=GOOD_PROMPT)
    assert result.exit_code == 0 and json.loads(result.stdout)["passed"] is True


def test_check_exits_2_on_bad_input(app: Flask, tmp_path: Path) -> None:
    folder = write_exercises(tmp_path, **{"owabi-mail": EXAMPLE, "bad": EXAMPLE.replace("minutes: 10", "minutes: x")})
    unknown = run(app, "exercises", "check", "--from", str(folder), "nai", "-", input=GOOD_PROMPT)
    assert unknown.exit_code == 2 and "no exercise 'nai'" in unknown.stderr
    broken = run(app, "exercises", "check", "--from", str(folder), "bad", "-", input=GOOD_PROMPT)
    assert broken.exit_code == 2 and "exercises/bad.md:4: minutes must be a whole number" in broken.stderr
    control = run(app, "exercises", "check", "--from", str(folder), "owabi-mail", "-", input="作成\x1bして")
    assert control.exit_code == 2 and "U+001B (ESC)" in control.stderr and control.stdout == ""
    not_utf8 = tmp_path / "sjis.txt"
    not_utf8.write_bytes("作成してください".encode("shift_jis"))
    encoded = run(app, "exercises", "check", "--from", str(folder), "owabi-mail", str(not_utf8))
    assert encoded.exit_code == 2 and "not UTF-8" in encoded.stderr


def test_check_of_an_empty_prompt_gives_a_result(app: Flask, tmp_path: Path) -> None:
    result = run(app, "exercises", "check", "--from", str(write_exercises(tmp_path)), "owabi-mail", "-", input="")
    assert result.exit_code == 1 and json.loads(result.stdout)["score"] == 0


def test_the_synced_revision_gives_the_exercise_back_for_evaluating_prompts(app: Flask, tmp_path: Path) -> None:
    from lms.exercises.queries import exercise_by_slug, source_of
    from lms.exercises.rubric import evaluate

    run(app, "exercises", "sync", str(write_exercises(tmp_path)))
    exercise = exercise_by_slug("owabi-mail")
    source = source_of(exercise.current_revision, exercise.slug)
    assert [c.id for c in source.rubric] == [c["id"] for c in exercise.current_revision.definition["rubric"]]
    assert evaluate(source, GOOD_PROMPT).passed
