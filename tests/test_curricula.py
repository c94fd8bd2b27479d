"""The shipped curricula meet the standard the cohorts rely on, and each demo company sees its own."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from markupsafe import escape

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.courses.quizstats import balance, wrong_all_last
from lms.courses.source import CourseSource, QuizQuestion, find_course_dirs, load_course, parse_quiz
from lms.extensions import db
from lms.orgs.models import Organization

COURSES = Path(__file__).resolve().parents[1] / "courses"
WORKSHOPS = {
    "manufacturing": "ws-seizo", "construction": "ws-kensetsu", "retail": "ws-kouri", "professional": "ws-shigyo",
    # The second edition's six (issue 14): each at least six lessons, with exercises and catalog cases.
    "healthcare_welfare": "ws-kaigo", "logistics": "ws-butsuryu", "wholesale": "ws-oroshi",
    "accommodation": "ws-shukuhaku", "real_estate": "ws-fudosan", "agriculture": "ws-nogyo",
}
SECOND_EDITION_WORKSHOPS = ("ws-kaigo", "ws-butsuryu", "ws-oroshi", "ws-shukuhaku", "ws-fudosan", "ws-nogyo")
FOR_EVERYONE = ("ai-kiso", "tool-sentei", "prompt-jissen", "ws-backoffice", "ai-suishin", "chukyu-jissen")
INTERMEDIATE = ("ai-suishin", "chukyu-jissen")  # the AI lead's course and the intermediate track
FOR_EXECUTIVES = ("keiei-katsuyo",)


@pytest.fixture(scope="module")
def curricula() -> dict[str, CourseSource]:
    return {d.name: load_course(d, root=COURSES) for d in find_course_dirs([COURSES])}


def test_every_course_the_issue_asks_for_is_shipped(curricula: dict[str, CourseSource]) -> None:
    assert set(FOR_EVERYONE + FOR_EXECUTIVES) | set(WORKSHOPS.values()) <= set(curricula)
    assert all(curricula[slug].audience == "executives" for slug in FOR_EXECUTIVES)
    assert all(curricula[slug].industries == ("all",) for slug in FOR_EVERYONE + FOR_EXECUTIVES)
    for industry, slug in WORKSHOPS.items():
        assert industry in curricula[slug].industries, slug


def test_the_new_workshops_have_six_lessons_exercises_and_catalog_cases(curricula: dict[str, CourseSource]) -> None:
    for slug in (*SECOND_EDITION_WORKSHOPS, *INTERMEDIATE):
        lessons = [lesson for m in curricula[slug].modules for lesson in m.lessons]
        assert len(lessons) >= 6, slug
        if slug != "ai-suishin":  # the AI lead's course teaches running the programme, not a task to practise
            assert len({lesson.exercise for lesson in lessons if lesson.exercise}) >= 3, slug
            assert any(lesson.usecases for lesson in lessons), slug
        assert all(len(m.lessons[-1].questions) >= 3 for m in curricula[slug].modules), f"{slug}: a module without a quiz"
    assert all(curricula[slug].level == "intermediate" for slug in INTERMEDIATE)
    assert all(curricula[slug].audience == "everyone" for slug in (*SECOND_EDITION_WORKSHOPS, *INTERMEDIATE))


def test_there_are_at_least_sixty_lessons_of_five_to_fifteen_minutes(curricula: dict[str, CourseSource]) -> None:
    lessons = [(lesson.path, lesson.minutes) for c in curricula.values() for m in c.modules for lesson in m.lessons]
    assert len(lessons) >= 60
    assert [(path, minutes) for path, minutes in lessons if not minutes or not 5 <= minutes <= 15] == []


def test_weeks_fit_a_cohort_of_six_to_eight_weeks(curricula: dict[str, CourseSource]) -> None:
    weeks = {m.week for c in curricula.values() for m in c.modules}
    assert min(weeks) == 1 and 6 <= max(weeks) <= 8
    assert weeks == set(range(1, max(weeks) + 1)), "a week without any module"


def test_most_modules_end_with_a_quiz_of_three_questions_that_all_explain(curricula: dict[str, CourseSource]) -> None:
    modules = [m for c in curricula.values() for m in c.modules]
    ending_in_quiz = [m for m in modules if len(m.lessons[-1].questions) >= 3]
    assert len(ending_in_quiz) * 3 >= len(modules) * 2, f"{len(ending_in_quiz)} of {len(modules)} modules"
    unexplained = [
        (lesson.path, q.line)
        for c in curricula.values() for m in c.modules for lesson in m.lessons for q in lesson.questions
        if not (q.explanation or "").strip()
    ]
    assert unexplained == []


def test_each_demo_company_sees_its_industry_and_not_the_others(app: Any) -> None:
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0
    synced = runner.invoke(args=["courses", "sync", str(COURSES)])
    assert synced.exit_code == 0, synced.output
    titles = {d.name: load_course(d, root=COURSES).title for d in find_course_dirs([COURSES])}

    orgs = list(db.session.scalars(sa.select(Organization).order_by(Organization.id)))
    assert {o.industry for o in orgs} == {"manufacturing", "construction", "retail"}
    for org in orgs:
        # A plain employee (no other role), chosen deterministically on both databases.
        employee = next(
            u for u in db.session.scalars(sa.select(User).where(User.org_id == org.id).order_by(User.id))
            if u.roles == {Role.EMPLOYEE}
        )
        client = app.test_client()
        assert client.login(employee.email, "lms-demo-2026").status_code == 302
        page = client.get(f"/o/{org.id}/learn/").get_data(as_text=True)
        for slug in FOR_EVERYONE:
            assert str(escape(titles[slug])) in page, (org.name, slug)
        for slug in FOR_EXECUTIVES:
            assert str(escape(titles[slug])) not in page, (org.name, slug)
        for industry, slug in WORKSHOPS.items():
            assert (titles[slug] in page) == (industry == org.industry), (org.name, slug)


# --- Fair quizzes (issue 14): the text of a question must not give its answer away -------------------------------

TELL_LIMIT = 0.4  # no position, and neither the longest nor the shortest option, may hold the answer more often


def _shipped_questions(curricula: dict[str, CourseSource]) -> list[QuizQuestion]:
    return [q for c in curricula.values() for m in c.modules for lesson in m.lessons for q in lesson.questions]


def test_quizzes_do_not_give_the_answer_away(curricula: dict[str, CourseSource]) -> None:
    counts = balance(_shipped_questions(curricula))
    assert counts.single >= 60
    shares = {position: f"{counts.position_share(position):.0%}" for position in sorted(counts.positions)}
    hint = "rewrite or reorder options; `make quiz-balance` prints the figures"
    assert counts.top_position_share <= TELL_LIMIT, f"right answer by position {shares}: {hint}"
    assert counts.longest_share <= TELL_LIMIT, f"right answer is the longest option in {counts.longest_share:.0%}: {hint}"
    assert counts.shortest_share <= TELL_LIMIT, f"right answer is the shortest option in {counts.shortest_share:.0%}: {hint}"


def test_multi_select_quizzes_do_not_list_the_wrong_options_last(curricula: dict[str, CourseSource]) -> None:
    counts = balance(_shipped_questions(curricula))
    assert counts.multi >= 10
    assert counts.multi_wrong_last_share <= TELL_LIMIT, (
        f"all wrong options come last in {counts.multi_wrong_last} of {counts.multi} multi-select questions: "
        "put a wrong option between the right ones"
    )


def test_the_quiz_balance_counts_catch_the_tells_of_the_first_edition() -> None:
    block = "\n".join([
        "? 生成AIに入力してはいけない情報はどれですか。",
        "- [ ] 公開済みの製品カタログ",
        "- [x] 顧客の氏名と電話番号が載った問い合わせメール",
        "- [ ] 会議の議題",
        "? 出力を使う前に確かめることを全て選んでください。",
        "- [x] 数字や固有名詞",
        "- [x] 社外秘の情報",
        "- [ ] 文字数",
        "? 同じ長さの選択肢では、どれも最長で最短です。",
        "- [x] あ",
        "- [ ] い",
    ])
    questions, errors = parse_quiz(block, path="quiz.md", first_line=1)
    assert errors == []
    counts = balance(questions)
    assert (counts.single, counts.positions, counts.longest, counts.shortest) == (2, {2: 1, 1: 1}, 2, 1)
    assert counts.top_position_share == 0.5 and counts.longest_share == 1.0 and counts.shortest_share == 0.5
    assert (counts.multi, counts.multi_wrong_last, counts.multi_wrong_last_share) == (1, 1, 1.0)
    reordered, _ = parse_quiz("? 選んでください。\n- [x] 一\n- [ ] 二\n- [x] 三", path="quiz.md", first_line=1)
    assert not wrong_all_last(reordered[0])
