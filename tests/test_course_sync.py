"""`flask courses sync`: all or nothing per course, idempotent, history kept, progress never lost."""
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.courses.models import Course, CourseAsset, Lesson, LessonRevision
from lms.extensions import db
from lms.learning.models import LessonProgress
from tests.conftest import count
from tests.coursetree import write_course

COURSES = Path(__file__).resolve().parents[1] / "courses"


def _sync(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["courses", "sync", *args])


def test_the_shipped_courses_sync_without_error(app: Flask) -> None:
    result = _sync(app, str(COURSES))
    assert result.exit_code == 0, result.output
    assert count(Course) == len([p for p in COURSES.iterdir() if (p / "course.md").exists()])
    assert count(Lesson) >= 60


def test_a_second_sync_changes_nothing_and_says_so(app: Flask, tmp_path: Path) -> None:
    write_course(tmp_path)
    _sync(app, str(tmp_path))
    revisions = count(LessonRevision)
    result = _sync(app, str(tmp_path))
    assert result.exit_code == 0 and "nothing changed" in result.output
    assert count(LessonRevision) == revisions


def test_check_mode_validates_without_writing(app: Flask, tmp_path: Path) -> None:
    write_course(tmp_path)
    result = _sync(app, "--check", str(tmp_path))
    assert result.exit_code == 0 and "kiso: checked" in result.output
    assert count(Course) == 0


def test_errors_print_path_and_line_and_nothing_of_that_course_is_written(app: Flask, tmp_path: Path) -> None:
    write_course(tmp_path, slug="good")
    bad = write_course(tmp_path, slug="bad")
    (bad / "01-hajimeni" / "01-towa.md").write_text("---\ntitle: x\nminuts: 5\n---\n本文\n")
    result = _sync(app, str(tmp_path))
    assert result.exit_code == 1
    assert "bad/01-hajimeni/01-towa.md:3: " in result.stderr and "minuts" in result.stderr
    assert set(db.session.scalars(sa.select(Course.slug))) == {"good"}


def test_a_changed_lesson_becomes_a_new_revision_and_the_old_one_stays(app: Flask, tmp_path: Path) -> None:
    course = write_course(tmp_path)
    _sync(app, str(tmp_path))
    lesson_file = course / "01-hajimeni" / "01-towa.md"
    lesson_file.write_text(lesson_file.read_text().replace("文章を", "文章や画像を"))
    result = _sync(app, str(tmp_path))
    assert "1 new revisions" in result.output
    lesson = db.session.scalar(sa.select(Lesson).where(Lesson.slug == "towa"))
    numbers = db.session.scalars(sa.select(LessonRevision.number).where(LessonRevision.lesson_id == lesson.id))
    assert sorted(numbers) == [1, 2]
    assert "文章や画像を" in lesson.current_revision.body_html
    assert lesson.current_revision.created_by_label.startswith("sync by ")


def test_a_removed_lesson_is_archived_with_its_progress(app: Flask, tmp_path: Path, create_org: Any, create_user: Any) -> None:
    course = write_course(tmp_path)
    _sync(app, str(tmp_path))
    lesson = db.session.scalar(sa.select(Lesson).where(Lesson.slug == "towa"))
    user = create_user(create_org())
    db.session.add(LessonProgress(org_id=user.org_id, user_id=user.id, lesson_id=lesson.id, state="completed"))
    db.session.commit()
    (course / "01-hajimeni" / "01-towa.md").unlink()
    assert "1 archived" in _sync(app, str(tmp_path)).output
    db.session.refresh(lesson)
    assert lesson.is_archived and count(LessonProgress) == 1


def test_aliases_carry_progress_across_a_rename(app: Flask, tmp_path: Path, create_org: Any, create_user: Any) -> None:
    course = write_course(tmp_path)
    _sync(app, str(tmp_path))
    old = db.session.scalar(sa.select(Lesson).where(Lesson.slug == "towa"))
    user = create_user(create_org())
    db.session.add(LessonProgress(org_id=user.org_id, user_id=user.id, lesson_id=old.id, state="completed"))
    db.session.commit()
    module = course / "01-hajimeni"
    text = (module / "01-towa.md").read_text().replace("minutes: 5\n", "minutes: 5\naliases: [towa]\n")
    (module / "01-towa.md").unlink()
    (module / "01-seisei-ai-towa.md").write_text(text)
    _sync(app, str(tmp_path))
    renamed = db.session.scalar(sa.select(Lesson).where(Lesson.slug == "seisei-ai-towa"))
    assert renamed.id == old.id and not renamed.is_archived
    assert db.session.scalar(sa.select(LessonProgress.lesson_id)) == renamed.id


def test_reordering_files_keeps_lesson_identity(app: Flask, tmp_path: Path) -> None:
    course = write_course(tmp_path)
    _sync(app, str(tmp_path))
    ids = dict(db.session.execute(sa.select(Lesson.slug, Lesson.id)).all())
    module = course / "01-hajimeni"
    (module / "01-towa.md").rename(module / "03-towa.md")
    _sync(app, str(tmp_path))
    assert dict(db.session.execute(sa.select(Lesson.slug, Lesson.id)).all()) == ids
    assert db.session.scalar(sa.select(Lesson.position).where(Lesson.slug == "towa")) == 2


def test_assets_are_stored_with_their_content_type(app: Flask, tmp_path: Path) -> None:
    write_course(tmp_path)
    _sync(app, str(tmp_path))
    asset = db.session.scalar(sa.select(CourseAsset))
    assert (asset.path, asset.content_type) == ("flow.png", "image/png")


def test_a_missing_asset_is_an_error_with_its_line(app: Flask, tmp_path: Path) -> None:
    course = write_course(tmp_path)
    (course / "assets" / "flow.png").unlink()
    result = _sync(app, str(tmp_path))
    assert result.exit_code == 1 and "kiso/01-hajimeni/01-towa.md:8: " in result.stderr


def test_a_duplicate_course_slug_in_two_folders_is_an_error(app: Flask, tmp_path: Path) -> None:
    write_course(tmp_path / "a")
    write_course(tmp_path / "b")
    result = _sync(app, str(tmp_path / "a"), str(tmp_path / "b"))
    assert result.exit_code == 1 and "duplicate course slug 'kiso'" in result.stderr
    assert count(Course) == 1


def test_no_course_found_is_an_error(app: Flask, tmp_path: Path) -> None:
    result = _sync(app, str(tmp_path))
    assert result.exit_code == 1 and f"no course found in {tmp_path}" in result.stderr


def test_a_folder_with_lessons_but_no_course_md_is_named(app: Flask, tmp_path: Path) -> None:
    write_course(tmp_path, slug="good")
    forgotten = write_course(tmp_path, slug="forgotten")
    (forgotten / "course.md").unlink()
    result = _sync(app, str(tmp_path))
    assert result.exit_code == 1
    assert f"{forgotten}/course.md:1: missing course.md" in result.stderr
    assert set(db.session.scalars(sa.select(Course.slug))) == {"good"}


def test_syncing_a_course_folder_that_lacks_course_md_names_it(app: Flask, tmp_path: Path) -> None:
    forgotten = write_course(tmp_path, slug="kiso")
    (forgotten / "course.md").unlink()
    result = _sync(app, str(forgotten))
    assert result.exit_code == 1 and f"{forgotten}/course.md:1: missing course.md" in result.stderr


def test_invalid_utf8_is_reported_at_its_line(app: Flask, tmp_path: Path) -> None:
    course = write_course(tmp_path)
    lesson = course / "01-hajimeni" / "01-towa.md"
    lesson.write_bytes(lesson.read_bytes() + "追記です。\n".encode("shift_jis"))
    result = _sync(app, str(tmp_path))
    line = lesson.read_bytes().count(b"\n")
    assert result.exit_code == 1 and f"kiso/01-hajimeni/01-towa.md:{line}: file is not UTF-8" in result.stderr
    assert line > 8 and "offset" not in result.stderr


@pytest.mark.parametrize("char", ["\x00", "\u202e", "\x07", "\x1b", "\u2028"])
def test_a_lesson_with_a_control_character_is_refused_and_nothing_is_written(app: Flask, tmp_path: Path, char: str) -> None:
    course = write_course(tmp_path)
    lesson = course / "01-hajimeni" / "01-towa.md"
    lesson.write_text(lesson.read_text() + f"最後の行{char}です。\n")
    result = _sync(app, str(tmp_path))
    line = lesson.read_text().count("\n")
    assert result.exit_code == 1 and f"kiso/01-hajimeni/01-towa.md:{line}: this line contains the character" in result.stderr
    assert count(Course) == 0 and count(LessonRevision) == 0


def test_sync_shows_a_progress_bar(app: Flask, tmp_path: Path) -> None:
    write_course(tmp_path)
    assert "syncing lessons" in _sync(app, str(tmp_path)).stderr


def test_rendered_html_is_stored_not_rendered_per_request(app: Flask, tmp_path: Path) -> None:
    write_course(tmp_path)
    _sync(app, str(tmp_path))
    revision = db.session.scalar(sa.select(LessonRevision).join(Lesson, Lesson.id == LessonRevision.lesson_id).where(Lesson.slug == "towa"))
    assert '<img alt="流れ" src="/courses/kiso/assets/flow.png">' in revision.body_html


def test_quiz_blocks_are_stored_as_questions_not_text(app: Flask, tmp_path: Path) -> None:
    write_course(tmp_path)
    _sync(app, str(tmp_path))
    revision = db.session.scalar(sa.select(LessonRevision).join(Lesson, Lesson.id == LessonRevision.lesson_id).where(Lesson.slug == "test"))
    assert "```" not in revision.body_html and "顧客の氏名" not in revision.body_html
    assert [len(q["options"]) for q in revision.questions] == [2, 3]
    assert revision.questions[1]["multiple"] is True
