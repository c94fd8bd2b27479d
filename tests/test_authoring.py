"""Trainers edit lessons in the browser: validated like sync, saved as revisions, exported back to files."""
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from lms.accounts.roles import Role
from lms.courses.models import Course, Lesson, LessonRevision
from lms.extensions import db
from tests.conftest import count

COURSES = Path(__file__).resolve().parents[1] / "courses"


@pytest.fixture
def trainer_client(client: Any, create_user: Any) -> Any:
    create_user(None, roles=(Role.TRAINER,), email="t@provider.example")
    client.login("t@provider.example")
    return client


def _lesson(slug: str = "towa") -> Lesson:
    return db.session.scalar(sa.select(Lesson).where(Lesson.slug == slug))


def test_saving_an_edit_makes_a_new_revision(trainer_client: Any, sync_course: Any) -> None:
    sync_course()
    lesson = _lesson()
    raw = lesson.current_revision.raw.replace("title: 生成AIとは", "title: 生成AIとは何か")
    response = trainer_client.submit(f"/authoring/lessons/{lesson.id}/edit", {"raw": raw})
    assert response.status_code == 302
    lesson = _lesson()
    assert lesson.title == "生成AIとは何か" and lesson.current_revision.number == 2
    assert lesson.current_revision.source == "browser" and lesson.current_revision.created_by_label


def test_an_invalid_edit_is_refused_with_line_numbers_and_saves_nothing(trainer_client: Any, sync_course: Any) -> None:
    sync_course()
    lesson = _lesson()
    response = trainer_client.submit(f"/authoring/lessons/{lesson.id}/edit", {"raw": "---\ntitle: x\nminutes: many\n---\n"})
    assert response.status_code == 400
    assert "kiso/01-hajimeni/01-towa.md:3: " in response.get_data(as_text=True)
    assert count(LessonRevision) == 2


def test_the_preview_uses_the_same_sanitiser(trainer_client: Any, sync_course: Any) -> None:
    sync_course()
    lesson = _lesson()
    raw = "---\ntitle: x\n---\n\n**太字** <img src=x onerror=alert(1)> [a](javascript:alert(1))\n"
    data = trainer_client.submit(f"/authoring/lessons/{lesson.id}/preview", {"raw": raw}, page=f"/authoring/lessons/{lesson.id}/edit").json
    assert "<strong>太字</strong>" in data["html"]
    assert "onerror" not in data["html"] and "javascript:" not in data["html"]
    assert count(LessonRevision) == 2


def test_the_preview_reports_errors(trainer_client: Any, sync_course: Any) -> None:
    sync_course()
    lesson = _lesson()
    data = trainer_client.submit(
        f"/authoring/lessons/{lesson.id}/preview", {"raw": "no front matter"}, page=f"/authoring/lessons/{lesson.id}/edit"
    ).json
    assert data["errors"] and data["errors"][0].startswith("kiso/01-hajimeni/01-towa.md:1: ")


def test_an_earlier_revision_can_be_restored_as_a_new_one(trainer_client: Any, sync_course: Any) -> None:
    sync_course()
    lesson = _lesson()
    original = lesson.current_revision.raw
    trainer_client.submit(f"/authoring/lessons/{lesson.id}/edit", {"raw": original + "\n追記\n"})
    page = trainer_client.get(f"/authoring/lessons/{lesson.id}/revisions?show=1").get_data(as_text=True)
    assert "第1版" in page
    trainer_client.submit(f"/authoring/lessons/{lesson.id}/revisions/1/restore", {}, page=f"/authoring/lessons/{lesson.id}/revisions")
    lesson = _lesson()
    assert lesson.current_revision.number == 3 and lesson.current_revision.raw == original
    assert lesson.current_revision.source == "restore"


def test_employees_cannot_author(client: Any, sync_course: Any, create_org: Any, create_user: Any) -> None:
    sync_course()
    create_user(create_org(), email="emp@example.jp")
    client.login("emp@example.jp")
    assert client.get("/authoring/").status_code == 403
    assert client.get(f"/authoring/lessons/{_lesson().id}/edit").status_code == 403


def test_export_then_sync_yields_identical_content(app: Any, trainer_client: Any, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    assert runner.invoke(args=["courses", "sync", str(COURSES / "ai-kiso")]).exit_code == 0
    archive = zipfile.ZipFile(io.BytesIO(trainer_client.get("/authoring/ai-kiso/export.zip").data))
    archive.extractall(tmp_path)
    for path in (COURSES / "ai-kiso").rglob("*"):
        if path.is_file():
            assert (tmp_path / "ai-kiso" / path.relative_to(COURSES / "ai-kiso")).read_bytes() == path.read_bytes(), path
    result = runner.invoke(args=["courses", "sync", str(tmp_path / "ai-kiso")])
    assert "ai-kiso: unchanged" in result.output


def test_a_browser_edit_exported_and_synced_creates_no_further_revision(
    app: Any, trainer_client: Any, sync_course: Any, tmp_path: Path,
) -> None:
    sync_course()
    lesson = _lesson()
    trainer_client.submit(f"/authoring/lessons/{lesson.id}/edit", {"raw": lesson.current_revision.raw + "\n追記です。\n"})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["courses", "export", "kiso", str(tmp_path / "out")]).exit_code == 0
    before = count(LessonRevision)
    result = runner.invoke(args=["courses", "sync", str(tmp_path / "out" / "kiso")])
    assert "0 new revisions" in result.output and count(LessonRevision) == before
    assert db.session.scalar(sa.select(Course.source_hash)) != ""


def test_editor_problems_are_shown_in_the_ui_language(trainer_client: Any, sync_course: Any) -> None:
    sync_course()
    lesson = _lesson()
    raw = "---\ntitle: 2027\nkind: nonsense\n---\n"
    html = trainer_client.submit(f"/authoring/lessons/{lesson.id}/edit", {"raw": raw}).get_data(as_text=True)
    assert "kiso/01-hajimeni/01-towa.md:2: title は文字列で書いてください" in html
    assert "kiso/01-hajimeni/01-towa.md:3: kind の値 &#39;nonsense&#39; は使えません。次のいずれかにしてください：reading" in html
    assert "must be text" not in html and "use one of" not in html
    trainer_client.submit("/language", {"locale": "en", "next": "/"}, page="/account")
    data = trainer_client.submit(f"/authoring/lessons/{lesson.id}/preview", {"raw": raw},
                                 page=f"/authoring/lessons/{lesson.id}/edit").json
    assert data["errors"][1] == "kiso/01-hajimeni/01-towa.md:3: unknown kind 'nonsense'; use one of: reading, quiz, exercise, workshop"


def test_a_control_character_in_the_editor_is_refused_with_its_line(trainer_client: Any, sync_course: Any) -> None:
    sync_course()
    lesson = _lesson()
    raw = "---\ntitle: x\n---\n\nok\n\u202eevil\n"
    response = trainer_client.submit(f"/authoring/lessons/{lesson.id}/edit", {"raw": raw})
    assert "「レッスンファイル（フロントマターとMarkdown）」の6行目に使えない文字（U+202E (RLO)）" in response.get_data(as_text=True)
    data = trainer_client.submit(f"/authoring/lessons/{lesson.id}/preview", {"raw": raw.replace("\u202e", "\x00")},
                                 page=f"/authoring/lessons/{lesson.id}/edit").json
    assert data["html"] == "" and "6行目に使えない文字（U+0000 (NUL)）" in data["errors"][0]
    assert count(LessonRevision) == 2


def test_the_outline_shows_lesson_kinds_as_words(trainer_client: Any, sync_course: Any) -> None:
    sync_course()
    html = trainer_client.get("/authoring/kiso/").get_data(as_text=True)
    assert "読み物 ·" in html and "確認テスト ·" in html and "reading ·" not in html
