"""In Chromium on a phone: an employee of a demo company does an exercise lesson, with the company's AI model
(the fake one on loopback) and without one; every step passes axe and is kept as a screenshot."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
import sqlalchemy as sa

from lms.courses.models import Lesson
from lms.demo.generate import DEMO_PASSWORD, create_demo
from lms.exercises.models import ExerciseAttempt
from lms.exercises.queries import exercise_by_slug, source_of
from lms.extensions import db
from lms.learning.models import LessonProgress
from lms.orgs.models import Organization
from tests.browser import accessible_context, assert_accessible, shot, sign_in
from tests.conftest import drain_outbox, llm_config
from tests.fake_llm import FakeLLM, Reply

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[1]
EMAIL = "yoko.tanaka@minato-seiko.example"  # an employee of 株式会社みなと精工
LESSON = "/learn/prompt-jissen/workshop/ws-owabi-mail"
PHONE = "090-8765-4321"  # a customer's mobile number, not in the exercise's material
ANSWER = ("件名：11月分請求書の誤りについてのおわび\n\n【取引先名】\n【担当者名】様\n\n"
          "11月分の請求書におきまして、11月12日の納品分を二重に計上しておりました。正しい請求書を再発行し、"
          "12月5日までに郵送いたします。誤った請求書は、お手数ですが破棄していただけますでしょうか。")
PHONE_VIEW = dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)


@pytest.fixture
def demo(app: Any) -> Organization:
    create_demo()
    result = app.test_cli_runner().invoke(
        args=["courses", "sync", "--exercises", str(ROOT / "exercises"), str(ROOT / "courses" / "prompt-jissen")])
    assert result.exit_code == 0, result.output
    return db.session.scalar(sa.select(Organization).where(Organization.name == "株式会社みなと精工"))


@pytest.fixture
def phone_page(browser: Any) -> Iterator[Any]:
    context = accessible_context(browser, **PHONE_VIEW)
    page = context.new_page()
    yield page
    context.close()


def model_prompt() -> str:
    exercise = exercise_by_slug("jissen-owabi-mail")
    assert exercise is not None and exercise.current_revision is not None
    return source_of(exercise.current_revision, exercise.slug).model_prompt


def step(page: Any, name: str) -> None:
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, f"{name}: wider than the phone"
    assert_accessible(page)
    shot(page, f"practice-{name}")


def write_and_fix(page: Any, base: str, org: Organization) -> None:
    """Open the lesson, start the practice, get stopped for a phone number, fix the prompt and pass."""
    sign_in(page, base, EMAIL, DEMO_PASSWORD)
    page.wait_for_url(f"{base}/o/{org.id}/")
    page.goto(f"{base}/o/{org.id}{LESSON}")
    assert page.get_by_test_id("complete").count() == 0
    step(page, "lesson-card")
    page.get_by_test_id("open-practice").click()
    step(page, "task")
    good = model_prompt()
    page.get_by_label("あなたのプロンプト").fill(good + f"\nお客様の携帯電話 {PHONE} にも連絡してください。")
    page.get_by_test_id("check-prompt").click()
    assert "止めました" in page.get_by_test_id("blocked").inner_text()
    assert page.locator("[data-testid=blocked-prompt] mark").inner_text() == PHONE
    assert "電話番号です" in page.get_by_test_id("reasons").inner_text()
    assert page.get_by_test_id("go-on").count() == 0
    step(page, "blocked")
    assert page.get_by_label("あなたのプロンプト").input_value().endswith(f"{PHONE} にも連絡してください。")
    page.get_by_label("あなたのプロンプト").fill(good)
    page.get_by_test_id("check-prompt").click()
    assert page.get_by_test_id("blocked").count() == 0
    assert "合格" in page.get_by_test_id("score").inner_text()
    assert page.get_by_test_id("earlier-revision").count() == 1
    step(page, "passed")
    page.get_by_test_id("go-on").click()


def self_check_and_finish(page: Any, name: str) -> None:
    assert "二重に計上" in page.get_by_test_id("answer-text").inner_text()
    step(page, f"{name}-check")
    for box in page.get_by_test_id("check-item").all():
        box.locator("input").check()
    page.get_by_test_id("finish").click()
    assert "このレッスンは完了しています" in page.get_by_test_id("lesson-done").inner_text()
    assert page.get_by_test_id("model-prompt").is_visible()
    step(page, f"{name}-done")


def test_with_the_companys_ai_model_on_a_phone(
    app: Any, browser: Any, server: Any, demo: Organization, fake_llm: FakeLLM, phone_page: Any
) -> None:
    model = fake_llm
    app.config.update(llm_config(model))
    demo.llm_enabled, demo.llm_monthly_budget = True, 20
    db.session.commit()
    model.script(Reply(ANSWER))
    page = phone_page
    write_and_fix(page, server.url, demo)
    page.get_by_test_id("ask-model").click()
    assert page.get_by_test_id("reload").is_visible()  # without the script, this link shows the answer so far
    step(page, "model-waiting")
    # The same page where the app's CSP applies (axe needs it bypassed above): the script runs under it.
    strict = browser.new_context(locale="ja-JP", **PHONE_VIEW)
    watched = strict.new_page()
    violations: list[str] = []
    watched.on("console", lambda msg: "Content Security Policy" in msg.text and violations.append(msg.text))
    sign_in(watched, server.url, EMAIL, DEMO_PASSWORD)
    watched.wait_for_url(f"{server.url}/o/{demo.id}/")
    watched.goto(page.url)
    assert watched.get_by_test_id("answer-status").is_visible()
    assert drain_outbox() == 1  # the worker's part: ask the model, store the streamed answer
    for shown in (page, watched):  # each page's script notices the answer and reloads into the self-check
        shown.get_by_test_id("check-item").first.wait_for()
    assert violations == []
    strict.close()
    assert model.received[0].body["messages"] == [{"role": "user", "content": model_prompt()}]
    self_check_and_finish(page, "model")
    db.session.expire_all()
    attempt = db.session.scalar(sa.select(ExerciseAttempt))
    assert (attempt.revisions_count, attempt.blocked_count, attempt.answer_source) == (2, 1, "model")


def test_without_a_model_the_answer_is_pasted_on_a_phone(
    app: Any, server: Any, demo: Organization, phone_page: Any
) -> None:
    app.config["LMS_LLM_BASE_URL"] = ""
    page = phone_page
    write_and_fix(page, server.url, demo)
    assert page.get_by_test_id("ask-model").count() == 0
    step(page, "paste")
    page.get_by_role("textbox", name="AIの回答（貼り付け）").fill(ANSWER)
    page.get_by_test_id("save-answer").click()
    self_check_and_finish(page, "pasted")
    db.session.expire_all()
    lesson = db.session.scalar(sa.select(Lesson).where(Lesson.slug == "ws-owabi-mail"))
    state = db.session.scalar(sa.select(LessonProgress.state).where(LessonProgress.lesson_id == lesson.id))
    assert state == LessonProgress.COMPLETED
