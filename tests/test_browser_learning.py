"""In Chromium: an employee takes a whole real course, quizzes included; a trainer edits with live preview."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.courses.models import Lesson
from lms.extensions import db
from lms.learning.queries import outline
from tests.browser import ARTIFACTS, DB, shot, sign_in

pytestmark = pytest.mark.browser
COURSES = Path(__file__).resolve().parents[1] / "courses"


def _first_sheet(app: Any, user: User, lesson: Lesson) -> Any:
    """The answer sheet of a person's first attempt (its keys are the form values)."""
    from lms.learning.quiz_sheet import make_sheet

    revision = lesson.current_revision
    return make_sheet(
        app.config["SECRET_KEY"].encode(), user_id=user.id, lesson_id=lesson.id, revision_id=revision.id, attempt=1,
        option_counts=[len(q["options"]) for q in revision.questions],
    )


def _sync(app: Any, name: str) -> None:
    result = app.test_cli_runner().invoke(args=["courses", "sync", str(COURSES / name)])
    assert result.exit_code == 0, result.output


def test_an_employee_takes_the_basics_course_end_to_end_on_a_phone(
    app: Any, phone: Any, server: Any, create_org: Any, create_user: Any
) -> None:
    _sync(app, "ai-kiso")
    org = create_org(name="株式会社みなと精工", industry="manufacturing")
    create_user(org, email="emp@example.jp")
    from lms.courses.models import Course

    course = db.session.scalar(sa.select(Course).where(Course.slug == "ai-kiso"))
    lessons = [l for _, ls in outline(course) for l in ls]
    employee = db.session.scalar(sa.select(User).where(User.email == "emp@example.jp"))
    sign_in(phone, server.url, "emp@example.jp")
    phone.wait_for_url(f"{server.url}/o/{org.id}/")
    phone.get_by_role("link", name=course.title).click()
    phone.get_by_role("link", name=lessons[0].title).click()
    for number, lesson in enumerate(lessons):
        assert phone.get_by_role("heading", level=1).inner_text() == lesson.title
        if lesson.current_revision.questions:
            sheet = _first_sheet(app, employee, lesson)
            for qi, question in enumerate(lesson.current_revision.questions):
                group = phone.locator("fieldset.question").nth(qi)
                for oi, option in enumerate(question["options"]):
                    if option["correct"]:
                        group.locator(f"input[value='{sheet.keys[qi][oi]}']").check()
            phone.get_by_test_id("quiz-submit").click()
            assert "合格です" in phone.get_by_test_id("quiz-result").inner_text()
            if number == len(lessons) - 1:
                shot(phone, "quiz-passed")
        else:
            phone.get_by_test_id("complete").click()
            assert phone.get_by_test_id("lesson-done").inner_text() == "✓ このレッスンは完了しています。"
        if number + 1 < len(lessons):
            phone.locator("a[rel=next]").click()
    phone.goto(f"{server.url}/o/{org.id}/learn/ai-kiso/")
    assert "コース修了" in phone.locator("main").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "course-completed")


def test_a_wrong_answer_shows_the_explanation_and_allows_a_retry(
    app: Any, page: Any, server: Any, create_org: Any, create_user: Any,
) -> None:
    from tests.coursetree import write_course

    folder = write_course(Path(app.instance_path) / "src")
    assert app.test_cli_runner().invoke(args=["courses", "sync", str(folder)]).exit_code == 0
    org = create_org()
    create_user(org, email="emp@example.jp")
    sign_in(page, server.url, "emp@example.jp")
    page.goto(f"{server.url}/o/{org.id}/learn/kiso/hajimeni/test")
    page.get_by_label("公開済みの製品カタログ").check()
    page.get_by_label("文字数が多すぎないか").check()
    page.get_by_test_id("quiz-submit").click()
    assert "合格には50%が必要です" in page.get_by_test_id("quiz-result").inner_text()
    assert page.get_by_text("個人情報は入力しません。").is_visible()
    page.get_by_test_id("quiz-retry").click()
    page.get_by_label("顧客の氏名と電話番号").check()
    page.get_by_label("数字や固有名詞が正しいか").check()
    page.get_by_label("社外秘の情報が含まれていないか").check()
    page.get_by_test_id("quiz-submit").click()
    assert "100%で合格です" in page.get_by_test_id("quiz-result").inner_text()


def test_a_trainer_sees_a_live_preview_while_editing(app: Any, page: Any, server: Any, create_user: Any) -> None:
    from tests.coursetree import write_course

    folder = write_course(Path(app.instance_path) / "src")
    assert app.test_cli_runner().invoke(args=["courses", "sync", str(folder)]).exit_code == 0
    create_user(None, roles=(Role.TRAINER,), email="trainer@example.jp")
    lesson = db.session.scalar(sa.select(Lesson).where(Lesson.slug == "towa"))
    sign_in(page, server.url, "trainer@example.jp")
    page.wait_for_url(re.compile(r".*/trainer$"))
    page.goto(f"{server.url}/authoring/lessons/{lesson.id}/edit")
    source = page.get_by_test_id("lesson-source")
    source.fill(source.input_value() + "\n\n## 新しい見出し\n\n<img src=x onerror=alert(1)>\n")
    preview = page.get_by_test_id("preview")
    preview.get_by_role("heading", name="新しい見出し").wait_for()
    assert "onerror" not in preview.inner_html()
    shot(page, "authoring-preview")
    page.get_by_role("button", name="新しい版として保存").click()
    assert "第2版として保存しました。" in page.get_by_role("status").first.inner_text()


def _long_course(app: Any) -> None:
    """The test course with a reading long enough to scroll for thousands of pixels on a phone."""
    from tests.coursetree import write_course

    folder = write_course(Path(app.instance_path) / "src")
    paragraphs = "\n\n".join(f"{n}段落目です。" + "生成AIの出力は必ず人が確かめてから使います。" * 6 for n in range(1, 61))
    (folder / "01-hajimeni" / "01-towa.md").write_text(f"---\ntitle: 生成AIとは\nminutes: 15\n---\n\n{paragraphs}\n")
    assert app.test_cli_runner().invoke(args=["courses", "sync", str(folder)]).exit_code == 0


def _in_viewport(page: Any, test_id: str) -> bool:
    return page.get_by_test_id(test_id).evaluate(
        "e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0; }"
    )


def test_marking_a_long_lesson_complete_on_a_phone_keeps_the_place_with_the_next_lesson_button(
    app: Any, phone: Any, server: Any, create_org: Any, create_user: Any
) -> None:
    _long_course(app)
    org = create_org()
    create_user(org, email="emp@example.jp")
    sign_in(phone, server.url, "emp@example.jp")
    phone.wait_for_url(f"{server.url}/o/{org.id}/")
    phone.goto(f"{server.url}/o/{org.id}/learn/kiso/hajimeni/towa")
    button = phone.get_by_test_id("complete")
    button.scroll_into_view_if_needed()
    assert phone.evaluate("window.scrollY") > 3000  # a long page: the button is far from the top
    button.click()
    phone.wait_for_url(re.compile(r".*/learn/kiso/hajimeni/towa#done$"))
    assert phone.get_by_test_id("lesson-done").inner_text() == "✓ このレッスンは完了しています。"
    assert phone.evaluate("window.scrollY") > 3000
    assert _in_viewport(phone, "lesson-done") and _in_viewport(phone, "next-lesson")
    next_lesson = phone.get_by_test_id("next-lesson")
    assert next_lesson.inner_text() == "次のレッスンへ：確認テスト" and "button" in next_lesson.get_attribute("class").split()
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / f"{DB}-lesson-completed-phone-viewport.png"))  # what the person sees
    next_lesson.click()
    assert phone.get_by_role("heading", level=1).inner_text() == "確認テスト"


def test_a_blank_quiz_on_a_phone_is_refused_next_to_the_questions(
    app: Any, phone: Any, server: Any, create_org: Any, create_user: Any
) -> None:
    _long_course(app)
    org = create_org()
    create_user(org, email="emp@example.jp")
    sign_in(phone, server.url, "emp@example.jp")
    phone.wait_for_url(f"{server.url}/o/{org.id}/")
    phone.goto(f"{server.url}/o/{org.id}/learn/kiso/hajimeni/test")
    phone.get_by_label("顧客の氏名と電話番号").check()
    phone.get_by_test_id("quiz-submit").click()
    alert = phone.get_by_test_id("quiz-unanswered")
    assert alert.inner_text() == "未回答の問題があります（問2）。すべての問題に答えてから、もう一度「答え合わせをする」を押してください。"
    assert _in_viewport(phone, "quiz-unanswered")
    assert phone.get_by_label("顧客の氏名と電話番号").is_checked()
    assert phone.get_by_text("正解の選択肢").count() == 0 and phone.get_by_text("個人情報は入力しません。").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / f"{DB}-quiz-unanswered-phone-viewport.png"))
