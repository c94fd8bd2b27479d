"""The exercise player: the flow through lms.exercises.service, and its pages (422s, staff, blocked prompts, model)."""
from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.courses.models import Course, Lesson
from lms.courses.sync import Author
from lms.exercises import service
from lms.exercises.models import Exercise, ExerciseAttempt, ExerciseAttemptRevision
from lms.exercises.queries import source_of
from lms.exercises.sync import sync_folder
from lms.extensions import db
from lms.learning.models import LessonProgress
from lms.llm.models import LLMRequest
from lms.transaction import commit
from tests.conftest import count, drain_outbox, llm_config
from tests.fake_llm import FakeLLM, Malformed, Reply

ROOT = Path(__file__).resolve().parents[1]
GOOD = ("あなたは製造業の営業担当として、取引先へのメールに慣れたアシスタントです。"
        "取引先への納期遅れのおわびメールの下書きを作成してください。ブラケット600個の納品が3日遅れます。"
        "件名と本文に分け、本文は300字以内。です・ます調で丁寧な文面にしてください。")
WEAK = "おわびメールを書いてください。"  # clean, scores below the pass score
PHONE = "090-8765-4321"  # not the material's own number (that one is a planted secret)
BLOCKED = (f"あなたは営業担当です。お客様（携帯 {PHONE}）へ、600個が3日遅れるおわびメールを作成してください。"
           "件名と本文に分け、です・ます調で。")
ANSWER = "件名：納品遅延のおわび\n\n【取引先名】【担当者名】様\n\nブラケット600個の納品が3日遅れます。申し訳ございません。"


@pytest.fixture
def course(sync_course: Any) -> Course:
    return sync_course(exercise="owabi-mail")


@pytest.fixture
def lesson(course: Course) -> Lesson:
    return db.session.scalar(sa.select(Lesson).where(Lesson.course_id == course.id, Lesson.slug == "renshu"))


@pytest.fixture
def exercise(course: Course) -> Exercise:
    return db.session.scalar(sa.select(Exercise).where(Exercise.slug == "owabi-mail"))


@pytest.fixture
def employee(create_org: Any, create_user: Any) -> User:
    return create_user(create_org(), email="emp@example.jp")


def url(user: User, action: str = "", lesson: str = "renshu") -> str:
    return f"/o/{user.org_id}/practice/kiso/hajimeni/{lesson}" + (f"/{action}" if action else "")


def progress(user: User, lesson: Lesson) -> LessonProgress | None:
    return db.session.scalar(sa.select(LessonProgress).where(
        LessonProgress.user_id == user.id, LessonProgress.lesson_id == lesson.id))


def attempt_of(user: User) -> ExerciseAttempt:
    db.session.expire_all()
    return db.session.scalar(sa.select(ExerciseAttempt).where(ExerciseAttempt.user_id == user.id))


# --- the flow (service) ------------------------------------------------------------------------------------------


def test_every_revision_is_kept_and_a_blocked_one_is_saved_and_counted(employee: User, exercise: Exercise, lesson: Lesson) -> None:
    attempt = service.attempt_for(employee, exercise, lesson)
    service.submit_prompt(attempt, WEAK)
    blocked = service.submit_prompt(attempt, BLOCKED)
    service.submit_prompt(attempt, GOOD)
    commit()
    numbers = db.session.scalars(sa.select(ExerciseAttemptRevision.number).where(
        ExerciseAttemptRevision.attempt_id == attempt.id).order_by(ExerciseAttemptRevision.number)).all()
    assert numbers == [1, 2, 3] and attempt.revisions_count == 3
    assert blocked.blocked and blocked.prompt == BLOCKED and attempt.blocked_count == 1
    assert any(f["text"] == PHONE for f in blocked.result["findings"])
    assert attempt.lesson_id == lesson.id


def test_the_best_score_ignores_blocked_prompts_and_the_first_pass_is_kept(employee: User, exercise: Exercise) -> None:
    attempt = service.attempt_for(employee, exercise)
    weak = service.submit_prompt(attempt, WEAK)
    assert attempt.best_score == weak.score and attempt.passed_at is None and not weak.passed
    blocked = service.submit_prompt(attempt, BLOCKED)
    assert blocked.score > weak.score and attempt.best_score == weak.score  # a blocked prompt never counts
    good = service.submit_prompt(attempt, GOOD)
    assert good.passed and attempt.best_score == good.score and attempt.passed_at == good.created_at
    service.submit_prompt(attempt, WEAK)
    assert attempt.best_score == good.score and attempt.passed_at == good.created_at


def test_an_empty_or_too_long_prompt_saves_nothing(employee: User, exercise: Exercise) -> None:
    attempt = service.attempt_for(employee, exercise)
    for prompt, error in (("  \n ", "empty"), ("あ" * (service.PROMPT_MAX + 1), "too_long")):
        with pytest.raises(service.AttemptInvalid) as raised:
            service.submit_prompt(attempt, prompt)
        assert raised.value.errors == {"prompt": error}
    assert attempt.revisions_count == 0 and count(ExerciseAttemptRevision) == 0


def test_going_on_is_refused_from_a_blocked_prompt(employee: User, exercise: Exercise) -> None:
    attempt = service.attempt_for(employee, exercise)
    with pytest.raises(service.AttemptInvalid):
        service.go_on(attempt)  # nothing written yet
    service.submit_prompt(attempt, BLOCKED)
    with pytest.raises(service.AttemptInvalid) as raised:
        service.go_on(attempt)
    assert raised.value.errors == {"prompt": "blocked"} and attempt.status == ExerciseAttempt.WRITING
    with pytest.raises(service.AttemptInvalid):
        service.save_answers(attempt, [ANSWER])
    service.submit_prompt(attempt, WEAK)
    service.go_on(attempt)
    assert attempt.status == ExerciseAttempt.ANSWERING


def test_a_pasted_answer_then_finishing_completes_the_lesson_only_when_passed(
    employee: User, exercise: Exercise, lesson: Lesson
) -> None:
    attempt = service.attempt_for(employee, exercise, lesson)
    service.submit_prompt(attempt, WEAK)
    service.go_on(attempt)
    with pytest.raises(service.AttemptInvalid):
        service.save_answers(attempt, ["  "])
    service.save_answers(attempt, [ANSWER])
    assert attempt.answers == [ANSWER] and attempt.answer_source == ExerciseAttempt.ANSWER_PASTED
    assert service.finish(employee, attempt, [True, False, True], submit_for_review=False) is False
    assert attempt.status == ExerciseAttempt.DONE and attempt.self_check == [True, False, True]
    assert progress(employee, lesson) is None or not progress(employee, lesson).is_done

    service.submit_prompt(attempt, GOOD)
    service.go_on(attempt)
    service.save_answers(attempt, [ANSWER])
    assert service.finish(employee, attempt, [True, True, True], submit_for_review=False) is True
    assert progress(employee, lesson).state == LessonProgress.COMPLETED


def test_finishing_without_an_answer_is_refused(employee: User, exercise: Exercise) -> None:
    attempt = service.attempt_for(employee, exercise)
    service.submit_prompt(attempt, GOOD)
    with pytest.raises(service.AttemptInvalid):
        service.finish(employee, attempt, [], submit_for_review=True)
    assert attempt.status == ExerciseAttempt.WRITING and attempt.submitted_at is None


def test_a_comparison_takes_one_answer_per_tool(employee: User, tmp_path: Path) -> None:
    folder = tmp_path / "exercises"
    folder.mkdir()
    shutil.copy(ROOT / "exercises" / "hikaku-gijiroku-youyaku.md", folder)
    assert not sync_folder(folder, check=False, author=Author(None, "test")).errors
    exercise = db.session.scalar(sa.select(Exercise).where(Exercise.slug == "hikaku-gijiroku-youyaku"))
    attempt = service.attempt_for(employee, exercise)
    step = service.step(attempt)
    assert step.source.compare == ("ツールA", "ツールB") or list(step.source.compare) == ["ツールA", "ツールB"]
    revision = service.submit_prompt(attempt, step.source.model_prompt)
    assert revision.passed, revision.result
    service.go_on(attempt)
    with pytest.raises(service.AttemptInvalid) as raised:
        service.save_answers(attempt, ["Aの答え"])
    assert raised.value.errors == {"answers": "empty"}
    service.save_answers(attempt, ["Aの答え", "Bの答え"])
    assert attempt.answers == ["Aの答え", "Bの答え"]


def test_a_new_prompt_forgets_the_model_request_of_the_old_one(employee: User, exercise: Exercise) -> None:
    attempt = service.attempt_for(employee, exercise)
    service.submit_prompt(attempt, GOOD)
    attempt.llm_request_id = 12345
    service.submit_prompt(attempt, GOOD + "。")
    assert attempt.llm_request_id is None


# --- the model's answer through the outbox --------------------------------------------------------------------------


@pytest.fixture
def model_on(app: Flask, fake_llm: FakeLLM, employee: User) -> FakeLLM:
    app.config.update(llm_config(fake_llm))
    employee.org.llm_enabled = True
    employee.org.llm_monthly_budget = 10
    commit()
    return fake_llm


def test_the_models_answer_arrives_through_the_outbox_and_becomes_the_answer(
    employee: User, exercise: Exercise, lesson: Lesson, model_on: FakeLLM
) -> None:
    model_on.script(Reply(ANSWER))
    attempt = service.attempt_for(employee, exercise, lesson)
    revision = service.submit_prompt(attempt, GOOD)
    service.go_on(attempt)
    request_id = service.ask_model(employee.org, attempt)
    commit()
    assert model_on.received == []  # nothing leaves the request
    assert service.take_model_answer(employee.org, attempt) is False
    assert drain_outbox() == 1
    (sent,) = model_on.received
    assert sent.body["messages"] == [{"role": "user", "content": GOOD}]
    attempt = attempt_of(employee)
    assert service.take_model_answer(employee.org, attempt) is True
    assert attempt.answers == [ANSWER] and attempt.status == ExerciseAttempt.CHECKING
    assert db.session.get(LLMRequest, request_id).ref_id == revision.id
    assert service.finish(employee, attempt, [True, True, True], submit_for_review=True) is True


def test_a_blocked_prompt_is_never_asked(employee: User, exercise: Exercise, model_on: FakeLLM) -> None:
    attempt = service.attempt_for(employee, exercise)
    service.submit_prompt(attempt, BLOCKED)
    with pytest.raises(service.AttemptInvalid):
        service.ask_model(employee.org, attempt)
    commit()
    drain_outbox()
    assert count(LLMRequest) == 0 and model_on.received == []


# --- pages ---------------------------------------------------------------------------------------------------------


def signed_in(app: Flask, user: User) -> Any:
    client = app.test_client()
    client.login(user.email)
    return client


def test_an_exercise_lesson_shows_the_practice_card_instead_of_the_button(app: Flask, employee: User, lesson: Lesson) -> None:
    client = signed_in(app, employee)
    page = client.get(f"/o/{employee.org_id}/learn/kiso/hajimeni/renshu").get_data(as_text=True)
    assert 'data-testid="practice-card"' in page and 'data-testid="complete"' not in page
    assert "取引先への納期遅れのおわびメールをAIに下書きさせる" in page and url(employee) in page
    assert client.submit(f"/o/{employee.org_id}/learn/kiso/hajimeni/renshu/complete", {}).status_code == 400


def test_the_player_shows_the_task_and_material(app: Flask, employee: User, lesson: Lesson) -> None:
    page = signed_in(app, employee).get(url(employee)).get_data(as_text=True)
    assert "課題" in page or "あなたは部品メーカーの営業担当です" in page
    assert "大和精機株式会社" in page  # the material, rendered at sync
    assert 'name="prompt"' in page and count(ExerciseAttempt) == 0  # opening writes nothing


@pytest.mark.parametrize("prompt, message", [
    ("", "を入力してください"),
    ("   \n  ", "を入力してください"),
    ("あ" * (service.PROMPT_MAX + 1), str(service.PROMPT_MAX)),
    ("あ" * 100_000, "100000"),
    ("あなたは\x07営業担当です", "使えない文字"),
])
def test_a_bad_prompt_is_422_with_a_field_error_and_keeps_the_text(
    app: Flask, employee: User, lesson: Lesson, prompt: str, message: str
) -> None:
    client = signed_in(app, employee)
    response = client.submit(url(employee, "prompt"), {"prompt": prompt}, page=url(employee))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'class="error" id="prompt-error"[^>]*>[^<]*' + re.escape(message), page), page[-3000:]
    if prompt.strip() and "\x07" not in prompt:
        assert prompt in page  # the textarea keeps what was written
    assert count(ExerciseAttemptRevision) == 0


def test_a_prompt_with_a_phone_number_is_blocked_highlighted_and_kept(app: Flask, employee: User, lesson: Lesson) -> None:
    client = signed_in(app, employee)
    evil = BLOCKED + "<script>alert(1)</script>"
    response = client.submit(url(employee, "prompt"), {"prompt": evil}, page=url(employee))
    assert response.status_code == 302 and "step=write" in response.headers["Location"]
    page = client.get(url(employee) + "?step=write").get_data(as_text=True)
    assert 'data-testid="blocked"' in page
    assert f"<mark>{PHONE}</mark>" in page
    assert "電話番号です。【電話番号】のような表記に置き換えてください。" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'data-testid="go-on"' not in page
    assert attempt_of(employee).blocked_count == 1
    refused = client.submit(url(employee, "go-on"), {}, page=url(employee))
    assert refused.status_code == 422 and attempt_of(employee).status == ExerciseAttempt.WRITING


def test_a_planted_secret_is_named_by_its_label(app: Flask, employee: User, lesson: Lesson) -> None:
    client = signed_in(app, employee)
    client.submit(url(employee, "prompt"), {"prompt": "大和精機株式会社へのおわびメールを作成してください。"}, page=url(employee))
    page = client.get(url(employee) + "?step=write").get_data(as_text=True)
    assert "<mark>大和精機株式会社</mark>" in page and "<strong>取引先名</strong>" in page


def test_feedback_lists_each_criterion_with_hints_and_earlier_prompts(app: Flask, employee: User, lesson: Lesson) -> None:
    client = signed_in(app, employee)
    client.submit(url(employee, "prompt"), {"prompt": WEAK}, page=url(employee))
    client.submit(url(employee, "prompt"), {"prompt": GOOD}, page=url(employee))
    page = client.get(url(employee) + "?step=write").get_data(as_text=True)
    assert page.count('data-testid="criterion"') == 6
    assert 'data-testid="earlier-revision"' in page and "プロンプト 1" in page
    assert "合格" in page and 'data-testid="go-on"' in page
    assert f"{GOOD}</textarea>" in page
    client.submit(url(employee, "prompt"), {"prompt": WEAK}, page=url(employee))
    page = client.get(url(employee) + "?step=write").get_data(as_text=True)
    assert 'data-testid="hint"' in page and "出力の形を指定しましょう" in page


def test_without_a_model_the_answer_is_pasted_then_self_checked_to_done(app: Flask, employee: User, lesson: Lesson) -> None:
    client = signed_in(app, employee)
    client.submit(url(employee, "prompt"), {"prompt": GOOD}, page=url(employee))
    assert client.submit(url(employee, "go-on"), {}, page=url(employee)).status_code == 302
    page = client.get(url(employee)).get_data(as_text=True)
    assert 'data-testid="save-answer"' in page and 'data-testid="ask-model"' not in page
    empty = client.submit(url(employee, "answer"), {"answer": " "}, page=url(employee))
    assert empty.status_code == 422
    assert client.submit(url(employee, "answer"), {"answer": ANSWER}, page=url(employee)).status_code == 302
    page = client.get(url(employee)).get_data(as_text=True)
    assert page.count('data-testid="check-item"') == 3 and "ブラケット600個" in page
    done = client.submit(url(employee, "finish"), {"checks": ["0", "2"]}, page=url(employee))
    assert done.status_code == 302
    page = client.get(url(employee)).get_data(as_text=True)
    assert 'data-testid="practice-done"' in page and 'data-testid="lesson-done"' in page
    assert 'data-testid="model-prompt"' in page and "【取引先名】" in page
    assert attempt_of(employee).self_check == [True, False, True]
    assert progress(employee, lesson).is_done


def test_with_the_model_on_the_page_asks_and_shows_the_answer(
    app: Flask, employee: User, lesson: Lesson, model_on: FakeLLM
) -> None:
    client = signed_in(app, employee)
    client.submit(url(employee, "prompt"), {"prompt": GOOD}, page=url(employee))
    client.submit(url(employee, "go-on"), {}, page=url(employee))
    assert 'data-testid="ask-model"' in client.get(url(employee)).get_data(as_text=True)
    model_on.script(Malformed(b"<html>It works!</html>"), Reply(ANSWER))  # nonsense fails at once
    assert client.submit(url(employee, "ask"), {}, page=url(employee)).status_code == 302
    page = client.get(url(employee)).get_data(as_text=True)
    assert 'data-testid="reload"' in page and "practice.js" in page
    assert client.get(url(employee, "answer.json")).get_json()["status"] == "queued"
    assert drain_outbox() == 1
    state = client.get(url(employee, "answer.json")).get_json()
    assert state["status"] == "failed" and state["reason"]
    page = client.get(url(employee)).get_data(as_text=True)
    assert 'data-testid="answer-failed"' in page and 'data-testid="save-answer"' in page  # the fallback
    assert client.submit(url(employee, "ask"), {}, page=url(employee)).status_code == 302  # asked again
    drain_outbox()
    assert client.get(url(employee, "answer.json")).get_json() == {
        "status": "done", "text": ANSWER, "reason": None, "finished": True}
    assert client.get(url(employee)).status_code == 302  # the page takes the answer
    page = client.get(url(employee)).get_data(as_text=True)
    assert 'data-testid="check-item"' in page and "ブラケット600個の納品が3日遅れます" in page


def test_staff_may_not_practise(app: Flask, employee: User, lesson: Lesson, create_user: Any) -> None:
    trainer = create_user(None, roles=(Role.TRAINER,), email="trainer@provider.example")
    from lms.accounts.models import TrainerAssignment
    db.session.add(TrainerAssignment(org_id=employee.org_id, trainer_id=trainer.id))
    commit()
    client = signed_in(app, trainer)
    assert client.get(url(employee)).status_code == 403
    assert client.submit(url(employee, "prompt"), {"prompt": GOOD}, page="/account").status_code == 403
    assert count(ExerciseAttempt) == 0


def test_a_lesson_that_is_not_an_exercise_has_no_player(app: Flask, employee: User, lesson: Lesson) -> None:
    client = signed_in(app, employee)
    assert client.get(url(employee, lesson="towa")).status_code == 404
    assert client.submit(url(employee, "prompt", lesson="towa"), {"prompt": GOOD}, page=url(employee)).status_code == 404


def test_a_used_up_budget_says_so_and_offers_the_paste_form(
    app: Flask, employee: User, lesson: Lesson, model_on: FakeLLM
) -> None:
    employee.org.llm_monthly_budget = 0
    commit()
    client = signed_in(app, employee)
    assert client.get(url(employee, "answer.json")).get_json()["status"] == "none"
    client.submit(url(employee, "prompt"), {"prompt": GOOD}, page=url(employee))
    client.submit(url(employee, "go-on"), {}, page=url(employee))
    client.submit(url(employee, "ask"), {}, page=url(employee))
    page = client.get(url(employee)).get_data(as_text=True)
    assert 'data-testid="answer-failed"' in page and "今月" in page
    assert 'data-testid="save-answer"' in page and 'data-testid="ask-again"' not in page
    assert drain_outbox() == 0 and model_on.received == []


def test_the_lesson_card_shows_the_best_score_once_started(app: Flask, employee: User, lesson: Lesson) -> None:
    client = signed_in(app, employee)
    client.submit(url(employee, "prompt"), {"prompt": WEAK}, page=url(employee))
    page = client.get(f"/o/{employee.org_id}/learn/kiso/hajimeni/renshu").get_data(as_text=True)
    score = attempt_of(employee).best_score
    assert 'data-testid="practice-status"' in page and f"最高点：{score}点" in page and "演習を続ける" in page


def test_a_comparison_asks_for_one_answer_per_tool_by_its_label(
    app: Flask, employee: User, tmp_path: Path
) -> None:
    from lms.courses.sync import load_sources, sync_course as sync_one
    from tests.coursetree import add_exercise_lesson, write_course

    folder = tmp_path / "exercises"
    folder.mkdir()
    shutil.copy(ROOT / "exercises" / "hikaku-gijiroku-youyaku.md", folder)
    assert not sync_folder(folder, check=False, author=Author(None, "test")).errors
    course_dir = write_course(tmp_path / "courses")
    add_exercise_lesson(course_dir, "hikaku-gijiroku-youyaku")
    (source,) = load_sources([course_dir])
    sync_one(source, author=Author(None, "test"))
    commit()
    exercise = db.session.scalar(sa.select(Exercise).where(Exercise.slug == "hikaku-gijiroku-youyaku"))
    prompt = source_of(exercise.current_revision, exercise.slug).model_prompt
    client = signed_in(app, employee)
    client.submit(url(employee, "prompt"), {"prompt": prompt}, page=url(employee))
    client.submit(url(employee, "go-on"), {}, page=url(employee))
    page = client.get(url(employee)).get_data(as_text=True)
    assert "ツールAの回答" in page and "ツールBの回答" in page
    one = client.submit(url(employee, "answer"), {"answer": "Aの答え", "answer_b": ""}, page=url(employee))
    assert one.status_code == 422 and "Aの答え" in one.get_data(as_text=True)
    client.submit(url(employee, "answer"), {"answer": "Aの答え", "answer_b": "Bの答え"}, page=url(employee))
    page = client.get(url(employee)).get_data(as_text=True)
    assert page.count('data-testid="answer-text"') == 2 and "ツールA" in page
    assert attempt_of(employee).answers == ["Aの答え", "Bの答え"]


def test_a_lesson_that_has_not_opened_for_the_cohort_takes_no_prompt(
    app: Flask, employee: User, lesson: Lesson, course: Course
) -> None:
    from datetime import time, timedelta

    from lms.cohorts import service as cohort_service
    from lms.core import clock

    cohort_service.create_cohort(employee.org, cohort_service.CohortDraft(
        name="来月の研修", course_ids=[course.id], start_date=clock.today() + timedelta(days=21), session_weekday=2,
        session_time=time(10), member_ids=[employee.id],
    ))
    commit()
    client = signed_in(app, employee)
    assert 'data-testid="locked"' in client.get(url(employee)).get_data(as_text=True)
    assert client.submit(url(employee, "prompt"), {"prompt": GOOD}, page="/account").status_code == 403
    assert count(ExerciseAttempt) == 0


@pytest.mark.real_commits  # counted as the lesson page's are: without the test's savepoints
def test_revisiting_the_writing_step_costs_what_a_lesson_page_does(app: Flask, employee: User, lesson: Lesson) -> None:
    from tests.test_lesson_page_cost import LESSON_PAGE_STATEMENTS, counted

    client = signed_in(app, employee)
    client.submit(url(employee, "prompt"), {"prompt": WEAK}, page=url(employee))
    client.submit(url(employee, "prompt"), {"prompt": GOOD}, page=url(employee))
    path = url(employee) + "?step=write"
    client.get(path)
    with counted() as counter:
        page = client.get(path).get_data(as_text=True)
    # The person; the lesson with the progress row; the cohort lock; the exercise with the attempt and its prompts.
    assert len(counter.statements) == LESSON_PAGE_STATEMENTS, "\n\n".join(s[:160] for s in counter.statements)
    assert 'data-testid="earlier-revision"' in page and 'data-testid="feedback"' in page


def test_demo_employees_of_every_company_can_practise(app: Flask) -> None:
    from lms.demo.generate import DEMO_PASSWORD, create_demo
    from lms.orgs.models import Organization

    create_demo()
    result = app.test_cli_runner().invoke(
        args=["courses", "sync", "--exercises", str(ROOT / "exercises"), str(ROOT / "courses" / "prompt-jissen")])
    assert result.exit_code == 0, result.output
    for org in db.session.scalars(sa.select(Organization)):
        person = db.session.scalar(sa.select(User).where(User.org_id == org.id, User.email.like("%.%@%")).order_by(User.id)
                                   .offset(2))  # past the executive and the administrator: an employee
        assert person is not None and person.company_roles == {Role.EMPLOYEE}, org.name
        client = app.test_client()
        client.login(person.email, DEMO_PASSWORD)
        page = client.get(f"/o/{org.id}/learn/prompt-jissen/workshop/ws-owabi-mail").get_data(as_text=True)
        assert 'data-testid="open-practice"' in page, org.name
        assert client.get(f"/o/{org.id}/practice/prompt-jissen/workshop/ws-owabi-mail").status_code == 200
