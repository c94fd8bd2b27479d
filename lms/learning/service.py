"""Recording learning: visits, completions and quiz attempts, each race-safe and in the caller's transaction."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence, cast

import sqlalchemy as sa

from lms.accounts.models import User
from lms.courses.models import Lesson, LessonRevision
from lms.courses.source import QuizOption, QuizQuestion, score
from lms.database import insert_ignoring_conflict
from lms.core.clock import utcnow
from lms.extensions import db
from lms.learning.models import CourseCompletion, LessonProgress, QuizAttempt
from lms.tenancy import owned_by
from lms.xapi import service as xapi


class NothingToComplete(Exception):
    """A lesson with a quiz is completed by passing it, an exercise lesson by the exercise, not by a button."""


class Unanswered(Exception):
    """Some questions have no option chosen: nothing is graded, recorded or revealed."""

    def __init__(self, questions: list[int]) -> None:
        super().__init__(questions)
        self.questions = questions  # 0-based indices, in order


@dataclass(frozen=True)
class QuizResult:
    score: int
    passed: bool
    correct: list[bool]
    answers: dict[int, set[int]]
    order: list[list[int]]  # per question, the written option indices in the order they were shown


def progress_for(user: User, lesson: Lesson) -> LessonProgress:
    """The person's progress row for a lesson, created (state "started") if missing."""
    query = sa.select(LessonProgress).where(
        owned_by(LessonProgress, user.org_id), LessonProgress.user_id == user.id, LessonProgress.lesson_id == lesson.id
    )
    row = db.session.scalar(query)
    if row is not None:
        return row  # a revisit writes nothing, so it never waits for SQLite's write lock
    now = utcnow()
    if insert_ignoring_conflict(
        LessonProgress,
        {"org_id": user.org_id, "user_id": user.id, "lesson_id": lesson.id, "state": LessonProgress.STARTED,
         "started_at": now, "last_activity_at": now, "attempts": 0},
        ["user_id", "lesson_id"],
    ):
        xapi.lesson_opened(user, lesson)
    row = db.session.scalar(query)
    assert row is not None
    return row


def _mark_done(user: User, lesson: Lesson, row: LessonProgress, state: str) -> None:
    """Move to a done state; the first completion time is written (and the xAPI statement made) once and never again."""
    now = utcnow()
    table = LessonProgress
    if cast(sa.CursorResult[Any], db.session.execute(
        sa.update(table).where(table.id == row.id, table.first_completed_at.is_(None)).values(first_completed_at=now)
    )).rowcount == 1:
        xapi.lesson_completed(user, lesson)
    # "passed" outranks "completed", which outranks "started".
    allowed_from = [table.STARTED] if state == table.COMPLETED else [table.STARTED, table.COMPLETED]
    db.session.execute(sa.update(table).where(table.id == row.id, table.state.in_(allowed_from)).values(state=state))
    db.session.execute(sa.update(table).where(table.id == row.id).values(last_activity_at=now))
    db.session.refresh(row)


def mark_complete(user: User, lesson: Lesson) -> LessonProgress:
    """'完了にする' for readings and workshops."""
    if lesson.has_quiz or lesson.kind == "exercise":
        raise NothingToComplete()
    row = progress_for(user, lesson)
    _mark_done(user, lesson, row, LessonProgress.COMPLETED)
    record_course_completion(user, lesson)
    return row


def complete_exercise_lesson(user: User, lesson: Lesson) -> LessonProgress:
    """An exercise lesson is complete when its attempt passed and is done, or was reviewed (lms.exercises.service)."""
    row = progress_for(user, lesson)
    _mark_done(user, lesson, row, LessonProgress.COMPLETED)
    record_course_completion(user, lesson)
    return row


def _questions(revision: LessonRevision) -> list[QuizQuestion]:
    return [
        QuizQuestion(prompt="", options=tuple(QuizOption("", bool(o["correct"])) for o in q["options"]), explanation=None, line=0)
        for q in revision.questions
    ]


def submit_quiz(
    user: User, lesson: Lesson, answers: Mapping[int, set[int]], *, order: Sequence[Sequence[int]] | None = None
) -> QuizResult:
    """Score an attempt against the current revision; keep the best score; passing completes the lesson.

    Answers are written option indices; `order` is how the options were shown (kept with the attempt).
    :raise Unanswered: when a question has no option chosen (then nothing is written).
    """
    revision = lesson.current_revision
    assert revision is not None and revision.questions
    questions = _questions(revision)
    clean = {i: {o for o in chosen if 0 <= o < len(questions[i].options)} for i, chosen in answers.items() if 0 <= i < len(questions)}
    missing = [i for i in range(len(questions)) if not clean.get(i)]
    if missing:
        raise Unanswered(missing)
    shown = [list(range(len(q.options))) for q in questions]
    if order is not None and [sorted(o) for o in order] == shown:
        shown = [list(o) for o in order]
    result_score = score(questions, clean)
    passed = result_score >= lesson.pass_percent
    correct = [clean.get(i, set()) == {j for j, o in enumerate(q.options) if o.correct} for i, q in enumerate(questions)]
    db.session.add(
        QuizAttempt(
            org_id=user.org_id, user_id=user.id, lesson_id=lesson.id, revision_id=revision.id,
            answers={str(k): sorted(v) for k, v in clean.items()}, score=result_score, passed=passed,
            option_order=shown,
        )
    )
    row = progress_for(user, lesson)
    table = LessonProgress
    db.session.execute(sa.update(table).where(table.id == row.id).values(attempts=table.attempts + 1, last_activity_at=utcnow()))
    db.session.execute(
        sa.update(table)
        .where(table.id == row.id, sa.or_(table.best_score.is_(None), table.best_score < result_score))
        .values(best_score=result_score)
    )
    xapi.quiz_scored(user, lesson, result_score, passed)
    if passed:
        _mark_done(user, lesson, row, LessonProgress.PASSED)
        record_course_completion(user, lesson)
    db.session.refresh(row)
    return QuizResult(result_score, passed, correct, clean, shown)


def record_course_completion(user: User, lesson: Lesson) -> bool:
    """When every required live lesson of the course is done, record the completion (once)."""
    required = sa.select(Lesson.id).where(
        Lesson.course_id == lesson.course_id, Lesson.required.is_(True), Lesson.is_archived.is_(False)
    )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(required.subquery())) or 0
    done = db.session.scalar(
        sa.select(sa.func.count()).select_from(LessonProgress).where(
            owned_by(LessonProgress, user.org_id),
            LessonProgress.user_id == user.id,
            LessonProgress.lesson_id.in_(required),
            LessonProgress.state.in_([LessonProgress.COMPLETED, LessonProgress.PASSED]),
        )
    ) or 0
    if total == 0 or done < total:
        return False
    if insert_ignoring_conflict(
        CourseCompletion,
        {"org_id": user.org_id, "user_id": user.id, "course_id": lesson.course_id, "completed_at": utcnow()},
        ["user_id", "course_id"],
    ):
        xapi.course_completed(user, lesson.course_id)
    return True
