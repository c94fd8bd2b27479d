"""Taking lessons: visits, '完了にする', quizzes with feedback, best score, course completion."""
import re
from typing import Any

import pytest
import sqlalchemy as sa

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.courses.models import Course, Lesson
from lms.extensions import db
from lms.learning.models import CourseCompletion, LessonProgress, QuizAttempt
from tests.conftest import count

# Written option indices (as in the lesson file); _take() finds the form values on the page.
RIGHT = {0: [1], 1: [0, 1]}
HALF = {0: [1], 1: [0]}
WRONG = {0: [0], 1: [2]}


@pytest.fixture
def course(sync_course: Any) -> Course:
    return sync_course()


@pytest.fixture
def employee(create_org: Any, create_user: Any) -> User:
    return create_user(create_org(industry="manufacturing"), email="emp@example.jp")


def _url(user: User, lesson: str, action: str = "") -> str:
    return f"/o/{user.org_id}/learn/kiso/hajimeni/{lesson}{action}"


def _shown(page: str) -> dict[int, list[tuple[str, str]]]:
    """Per question, (form value, option HTML) in the order the page shows them."""
    found: dict[int, list[tuple[str, str]]] = {}
    for q, value, option in re.findall(r'name="q(\d+)" value="([^"]*)"[^>]*>\s*<span>(.*?)</span>', page, re.S):
        found.setdefault(int(q), []).append((value, option))
    return found


def _options(slug: str) -> list[list[str]]:
    lesson = db.session.scalar(sa.select(Lesson).where(Lesson.slug == slug))
    return [[o["html"] for o in q["options"]] for q in lesson.current_revision.questions]


def _form(page: str, written: dict[int, list[int]], slug: str = "test") -> dict[str, Any]:
    """The POST data choosing these written options on this page's answer sheet."""
    options = _options(slug)
    data: dict[str, Any] = {"attempt": re.search(r'name="attempt" value="(\d+)"', page).group(1)}
    for q, shown in _shown(page).items():
        data[f"q{q}"] = [value for value, option in shown if options[q].index(option) in written.get(q, [])]
    return data


def _take(client: Any, user: User, written: dict[int, list[int]], slug: str = "test") -> Any:
    """Open the quiz page, choose these written options on it, submit."""
    url = _url(user, slug)
    page = client.get(url).get_data(as_text=True)
    return client.submit(url + "/quiz", _form(page, written, slug), page=url)


def _order(page: str, slug: str = "test") -> list[list[int]]:
    """The written indices of the options, in the order the page shows them (sheet or review)."""
    options = _options(slug)
    blocks = re.findall(r'<fieldset class="question.*?</fieldset>', page, re.S)
    return [
        [options[q].index(o) for o in re.findall(r'<input type="(?:radio|checkbox)"[^>]*>\s*<span>(.*?)</span>', block, re.S)]
        for q, block in enumerate(blocks)
    ]


def _progress(user: User, slug: str) -> LessonProgress | None:
    return db.session.scalar(
        sa.select(LessonProgress).join(Lesson).where(LessonProgress.user_id == user.id, Lesson.slug == slug)
    )


def test_the_home_lists_the_courses_of_the_company(client: Any, course: Course, employee: User) -> None:
    client.login(employee.email)
    page = client.get(f"/o/{employee.org_id}/").get_data(as_text=True)
    assert "生成AIの基礎" in page and "2レッスン中0レッスン完了" in page


def test_a_course_for_another_industry_is_not_listed_and_answers_404(client: Any, sync_course: Any, employee: User) -> None:
    sync_course(slug="kensetsu", industries="[construction]")
    client.login(employee.email)
    assert "kensetsu" not in client.get(f"/o/{employee.org_id}/learn/").get_data(as_text=True)
    assert client.get(f"/o/{employee.org_id}/learn/kensetsu/").status_code == 404
    assert client.submit(f"/o/{employee.org_id}/learn/kensetsu/hajimeni/test/quiz", {"q0": "x"}, page="/account").status_code == 404
    assert count(QuizAttempt) == 0


def test_opening_a_lesson_records_it_as_started(client: Any, course: Course, employee: User) -> None:
    client.login(employee.email)
    page = client.get(_url(employee, "towa")).get_data(as_text=True)
    assert "生成AIは文章を<strong>作る</strong>AIです。" in page
    assert _progress(employee, "towa").state == "started"


def test_marking_a_reading_complete_keeps_the_first_time(client: Any, course: Course, employee: User) -> None:
    client.login(employee.email)
    client.get(_url(employee, "towa"))
    client.submit(_url(employee, "towa", "/complete"), {}, page=_url(employee, "towa"))
    first = _progress(employee, "towa").first_completed_at
    assert first is not None
    client.submit(_url(employee, "towa", "/complete"), {}, page=_url(employee, "towa"))
    assert _progress(employee, "towa").first_completed_at == first


def test_a_quiz_answer_gets_immediate_feedback_with_explanations(client: Any, course: Course, employee: User) -> None:
    client.login(employee.email)
    page = _take(client, employee, HALF).get_data(as_text=True)
    assert "50%で合格です。" in page
    assert "個人情報は入力しません。" in page and "不正解" in page


def test_a_failed_quiz_can_be_retried_and_the_best_score_is_kept(client: Any, course: Course, employee: User) -> None:
    client.login(employee.email)
    page = _take(client, employee, WRONG).get_data(as_text=True)
    assert "合格には50%が必要です" in page
    assert _progress(employee, "test").state == "started"
    _take(client, employee, RIGHT)
    _take(client, employee, HALF)
    row = _progress(employee, "test")
    assert (row.state, row.best_score, row.attempts) == ("passed", 100, 3)
    assert count(QuizAttempt) == 3


def test_a_choose_all_question_needs_every_right_option(client: Any, course: Course, employee: User) -> None:
    client.login(employee.email)
    _take(client, employee, {0: [0], 1: [0, 1, 2]})
    assert _progress(employee, "test").best_score == 0


def test_a_quiz_lesson_cannot_be_completed_by_the_button(client: Any, course: Course, employee: User) -> None:
    client.login(employee.email)
    assert client.submit(_url(employee, "test", "/complete"), {}, page=_url(employee, "test")).status_code == 400


def test_doing_every_required_lesson_completes_the_course_once(client: Any, course: Course, employee: User) -> None:
    client.login(employee.email)
    client.submit(_url(employee, "towa", "/complete"), {}, page=_url(employee, "towa"))
    assert count(CourseCompletion) == 0
    _take(client, employee, RIGHT)
    _take(client, employee, RIGHT)
    assert count(CourseCompletion) == 1
    assert "コース修了" in client.get(f"/o/{employee.org_id}/learn/").get_data(as_text=True)


@pytest.mark.real_commits
def test_the_same_submission_twice_at_once_keeps_one_progress_row(app: Any, course: Course, employee: User) -> None:
    from concurrent.futures import ThreadPoolExecutor

    clients = [app.test_client() for _ in range(4)]
    for c in clients:
        c.login(employee.email)
    url = _url(employee, "test")
    tokens = [c.csrf_token(url) for c in clients]
    right = _form(clients[0].get(url).get_data(as_text=True), RIGHT)
    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(lambda ct: ct[0].post(url + "/quiz", data={**right, "csrf_token": ct[1]}).status_code,
                                 zip(clients, tokens, strict=True)))
    assert statuses == [200] * 4
    assert count(LessonProgress) == 1 and count(QuizAttempt) == 4
    assert _progress(employee, "test").attempts == 4


def test_my_progress_shows_scores_and_dates(client: Any, course: Course, employee: User) -> None:
    client.login(employee.email)
    _take(client, employee, RIGHT)
    page = client.get(f"/o/{employee.org_id}/learn/progress").get_data(as_text=True)
    assert "100%" in page and "合格" in page and "未着手" in page


def test_provider_staff_can_look_but_record_nothing(client: Any, course: Course, employee: User, create_user: Any) -> None:
    create_user(None, roles=(Role.ADMIN,), email="root@provider.example")
    client.login("root@provider.example")
    assert client.get(_url(employee, "towa")).status_code == 403
    assert count(LessonProgress) == 0


def test_trainers_see_progress_per_person_and_export_it(client: Any, course: Course, employee: User, create_user: Any) -> None:
    from lms.accounts.models import TrainerAssignment

    employee.display_name = "=HYPERLINK(\"http://evil\")"
    trainer = create_user(None, roles=(Role.TRAINER,), email="t@provider.example")
    db.session.add(TrainerAssignment(org_id=employee.org_id, trainer_id=trainer.id))
    db.session.commit()
    emp_client = client.application.test_client()
    emp_client.login(employee.email)
    _take(emp_client, employee, RIGHT)
    client.login("t@provider.example")
    page = client.get(f"/o/{employee.org_id}/courses/kiso/progress").get_data(as_text=True)
    assert "合格" in page
    csv = client.get(f"/o/{employee.org_id}/courses/kiso/progress.csv")
    text = csv.get_data().decode("utf-8")
    assert text.startswith("\ufeff氏名,メールアドレス")
    assert "'=HYPERLINK" in text and "合格 (100%)" in text and "未着手" in text


def test_an_employee_cannot_see_the_trainer_progress_table(client: Any, course: Course, employee: User) -> None:
    client.login(employee.email)
    assert client.get(f"/o/{employee.org_id}/courses/kiso/progress").status_code == 403


# --- unanswered questions (issue 10, item 8) ---


def test_a_blank_quiz_is_refused_not_recorded_and_reveals_nothing(client: Any, course: Course, employee: User) -> None:
    client.login(employee.email)
    response = _take(client, employee, {})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "未回答の問題があります（問1、問2）" in page
    assert count(QuizAttempt) == 0
    row = _progress(employee, "test")
    assert (row.attempts, row.best_score, row.state) == (0, None, "started")
    # Neither the answer key nor the explanations nor a score.
    assert "正解の選択肢" not in page and "個人情報は入力しません。" not in page and "事実と機密を確かめます。" not in page
    assert 'data-testid="quiz-result"' not in page and "is-correct" not in page and "is-wrong" not in page


def test_a_partly_answered_quiz_names_the_missing_question_and_keeps_the_choices(client: Any, course: Course, employee: User) -> None:
    client.login(employee.email)
    url = _url(employee, "test")
    before = client.get(url).get_data(as_text=True)
    chosen = _form(before, {0: [1]})
    page = client.submit(url + "/quiz", chosen, page=url).get_data(as_text=True)
    assert "未回答の問題があります（問2）" in page
    assert "この問題の答えを選んでください。" in page and 'aria-describedby="q1-error"' in page
    assert re.search(rf'value="{chosen["q0"][0]}" checked', page)
    assert _order(page) == _order(before)  # the same sheet comes back
    assert count(QuizAttempt) == 0 and _progress(employee, "test").attempts == 0
    assert "正解の選択肢" not in page and "個人情報は入力しません。" not in page


def test_answers_from_another_sheet_count_as_unanswered(client: Any, course: Course, employee: User) -> None:
    client.login(employee.email)
    url = _url(employee, "test")
    data = _form(client.get(url).get_data(as_text=True), RIGHT)
    data["attempt"] = str(int(data["attempt"]) + 1)  # a made-up or stale attempt: its keys differ
    response = client.submit(url + "/quiz", data, page=url)
    assert response.status_code == 422 and count(QuizAttempt) == 0
    for odd in ("²", "-1", "0", "9" * 40, "", "x"):  # not an attempt number: the person's next attempt is meant
        assert client.submit(url + "/quiz", {**data, "attempt": odd}, page=url).status_code in (200, 422), odd


# --- option order per person and attempt (issue 10, item 14) ---


def test_the_option_order_is_stable_within_an_attempt(client: Any, course: Course, employee: User) -> None:
    client.login(employee.email)
    first = client.get(_url(employee, "test")).get_data(as_text=True)
    again = client.get(_url(employee, "test")).get_data(as_text=True)
    assert _order(first) == _order(again) and _shown(first) == _shown(again)
    assert sorted(_order(first)[0]) == [0, 1] and sorted(_order(first)[1]) == [0, 1, 2]


def test_the_page_does_not_give_away_written_positions(client: Any, course: Course, employee: User) -> None:
    client.login(employee.email)
    page = client.get(_url(employee, "test")).get_data(as_text=True)
    values = [value for shown in _shown(page).values() for value, _ in shown]
    assert len(values) == 5 and len(set(values)) == 5
    assert not any(v.isdigit() for v in values)


def test_people_get_different_orders(client: Any, course: Course, create_user: Any, employee: User) -> None:
    people = [employee] + [create_user(employee.org, email=f"p{n}@example.jp") for n in range(7)]
    orders = set()
    for person in people:
        client.login(person.email)
        orders.add(str(_order(client.get(_url(person, "test")).get_data(as_text=True))))
        client.logout()
    assert len(orders) > 1


def test_each_attempt_gets_a_new_order_graded_by_written_option(client: Any, course: Course, employee: User) -> None:
    client.login(employee.email)
    orders = set()
    for _ in range(6):
        orders.add(str(_order(client.get(_url(employee, "test")).get_data(as_text=True))))
        page = _take(client, employee, RIGHT).get_data(as_text=True)
        assert "100%で合格です" in page
    assert len(orders) > 1
    attempts = list(db.session.scalars(sa.select(QuizAttempt)))
    assert len(attempts) == 6 and all(a.score == 100 and a.answers == {"0": [1], "1": [0, 1]} for a in attempts)


def test_the_review_shows_the_order_the_person_saw_and_records_it(client: Any, course: Course, employee: User) -> None:
    client.login(employee.email)
    url = _url(employee, "test")
    shuffled = False
    for _ in range(3):  # on several attempts, so at least one order is not the written one
        seen = _order(client.get(url).get_data(as_text=True))
        shuffled |= seen != [[0, 1], [0, 1, 2]]
        review = _take(client, employee, HALF).get_data(as_text=True)
        assert 'data-testid="quiz-review"' in review and "正解の選択肢" in review
        assert _order(review) == seen
        attempt = db.session.scalar(sa.select(QuizAttempt).order_by(QuizAttempt.id.desc()).limit(1))
        assert attempt.option_order == seen
    assert shuffled


def test_a_tab_opened_before_another_attempt_is_recorded_with_its_own_order(client: Any, course: Course, employee: User) -> None:
    client.login(employee.email)
    url = _url(employee, "test")
    old_tab = client.get(url).get_data(as_text=True)
    _take(client, employee, WRONG)  # attempt 1 from another tab
    review = client.submit(url + "/quiz", _form(old_tab, RIGHT), page=url).get_data(as_text=True)
    assert "100%で合格です" in review and _order(review) == _order(old_tab)


def test_sheets_are_deterministic_and_decode_to_written_indices() -> None:
    from lms.learning.quiz_sheet import make_sheet

    args = dict(user_id=1, lesson_id=2, revision_id=3, option_counts=[4, 2])
    one, same = make_sheet(b"k", attempt=1, **args), make_sheet(b"k", attempt=1, **args)
    assert one == same and sorted(one.order[0]) == [0, 1, 2, 3]
    assert {make_sheet(b"k", attempt=n, **args).order for n in range(1, 9)} != {one.order}
    chosen = {0: [one.keys[0][2]], 1: [one.keys[1][0], "forged", one.keys[0][1]]}
    assert one.decode(chosen) == {0: {2}, 1: {0}}
    assert make_sheet(b"other", attempt=1, **args).keys != one.keys


# --- '完了にする' lands next to the next step (issue 10, item 15) ---


def test_marking_complete_returns_to_the_completion_block_with_the_next_lesson(client: Any, course: Course, employee: User) -> None:
    client.login(employee.email)
    response = client.submit(_url(employee, "towa", "/complete"), {}, page=_url(employee, "towa"))
    assert response.status_code == 302 and response.headers["Location"].endswith("/hajimeni/towa#done")
    page = client.get(_url(employee, "towa")).get_data(as_text=True)
    assert '<section class="lesson-done" id="done">' in page and "このレッスンは完了しています。" in page
    assert re.search(r'<a class="button" href="[^"]*/hajimeni/test" data-testid="next-lesson">次のレッスンへ：確認テスト</a>', page)
    assert 'data-testid="complete"' not in page


def test_passing_the_last_quiz_offers_retry_and_no_next_lesson(client: Any, course: Course, employee: User) -> None:
    client.login(employee.email)
    page = _take(client, employee, RIGHT).get_data(as_text=True)
    assert 'data-testid="next-lesson"' not in page
    assert re.search(r'<a class="button" href="[^"]*/hajimeni/test#quiz" data-testid="quiz-retry">もう一度挑戦する</a>', page)


def test_passing_a_quiz_puts_the_next_lesson_first(app: Any, client: Any, employee: User, tmp_path: Any) -> None:
    from lms.courses.sync import Author, load_sources, sync_course
    from tests.coursetree import write_course

    folder = write_course(tmp_path / "src")
    (folder / "01-hajimeni" / "03-matome.md").write_text("---\ntitle: まとめ\n---\n\nまとめです。\n")
    (source,) = load_sources([folder])
    sync_course(source, author=Author(None, "test"))
    db.session.commit()
    client.login(employee.email)
    page = _take(client, employee, RIGHT).get_data(as_text=True)
    assert re.search(r'<a class="button" href="[^"]*/hajimeni/matome" data-testid="next-lesson">次のレッスンへ：まとめ</a>', page)
    assert 'class="button-secondary" href' in page and 'data-testid="quiz-retry"' in page
