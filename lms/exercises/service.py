"""Prompt practice: a person's attempt at an exercise, from the first prompt to the trainer's review.

The flow (`ExerciseAttempt.status`):

1. **writing**: each prompt is scored by the rubric and checked by the
   personal-data guard (`lms.core.pii`, inside `rubric.evaluate`) and kept as a
   revision, blocked or not, so a trainer sees the habit as well as the result.
2. **answering**: from a revision the guard found nothing in, the person gets
   an answer: from the company's AI model through the outbox (`lms.llm`), or
   pasted from whatever tool the company uses.
3. **checking**: the person ticks the exercise's checklist against the answer.
4. **done**. The lesson that holds the exercise is complete when the attempt is
   done with a passing revision, or when a trainer has reviewed an attempt the
   person submitted for review.

Functions flush; the caller commits. Only a prompt the guard found nothing in
ever reaches `lms.llm.service.request_completion`, which checks again.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from lms.accounts.models import User
from lms.audit.service import record
from lms.core.clock import utcnow
from lms.courses.models import Lesson
from lms.database import insert_ignoring_conflict
from lms.exercises import rubric
from lms.exercises.models import Exercise, ExerciseAttempt, ExerciseAttemptRevision
from lms.exercises.queries import source_of
from lms.exercises.source import ExerciseSource
from lms.extensions import db
from lms.learning import service as learning
from lms.orgs.models import Organization
from lms.tenancy import in_org
from lms.xapi import service as xapi

PROMPT_MAX = 8000  # characters: a long prompt, a pasted page of material; the guard and rubric stay fast
ANSWER_MAX = 20000
COMMENT_MAX = 2000
LLM_PURPOSE = "exercise"


class AttemptInvalid(Exception):
    """What is wrong, by form field; nothing was saved."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Step:
    """Where the person stands, for the player page."""

    attempt: ExerciseAttempt
    latest: ExerciseAttemptRevision | None
    source: ExerciseSource

    @property
    def can_get_answer(self) -> bool:
        """An answer needs a prompt the guard found nothing in (it would be sent, or pasted into a tool)."""
        return self.latest is not None and not self.latest.result.get("findings")

    @property
    def passed(self) -> bool:
        return self.attempt.passed_at is not None


def _source(exercise: Exercise) -> ExerciseSource:
    if exercise.current_revision is None:
        raise LookupError(f"exercise {exercise.slug} has no revision")
    return source_of(exercise.current_revision, exercise.slug)


def attempt_for(user: User, exercise: Exercise, lesson: Lesson | None = None) -> ExerciseAttempt:
    """The person's attempt at the exercise, created on first use (race-safe); `lesson` is where they practise."""
    query = in_org(sa.select(ExerciseAttempt), user.org_id).where(
        ExerciseAttempt.user_id == user.id, ExerciseAttempt.exercise_id == exercise.id
    )
    attempt = db.session.scalar(query)
    if attempt is not None:
        if lesson is not None and attempt.lesson_id != lesson.id:
            attempt.lesson_id = lesson.id  # finishing completes the lesson the person is practising from
            db.session.flush()
        return attempt
    now = utcnow()
    insert_ignoring_conflict(
        ExerciseAttempt,
        {"org_id": user.org_id, "user_id": user.id, "exercise_id": exercise.id,
         "lesson_id": lesson.id if lesson else None, "status": ExerciseAttempt.WRITING, "revisions_count": 0,
         "blocked_count": 0, "answers": [], "self_check": [], "trainer_comment": "", "good_example": False,
         "created_at": now},
        ["user_id", "exercise_id"],
    )
    attempt = db.session.scalar(query)
    assert attempt is not None
    return attempt


def step(attempt: ExerciseAttempt) -> Step:
    latest = attempt.revisions[-1] if attempt.revisions else None
    return Step(attempt, latest, _source(attempt.exercise))


def submit_prompt(attempt: ExerciseAttempt, prompt: str, *, now: datetime | None = None) -> ExerciseAttemptRevision:
    """Score a prompt and keep it as the next revision (a blocked one too).

    :raise AttemptInvalid: an empty or too long prompt (nothing is saved; the form keeps the text).
    """
    text = prompt.strip()
    if not text:
        raise AttemptInvalid({"prompt": "empty"})
    if len(prompt) > PROMPT_MAX:
        raise AttemptInvalid({"prompt": "too_long"})
    exercise = attempt.exercise
    result = rubric.evaluate(_source(exercise), prompt)
    number = attempt.revisions_count + 1
    revision = ExerciseAttemptRevision(
        org_id=attempt.org_id, attempt=attempt, number=number, exercise_revision_id=exercise.current_revision_id,
        prompt=prompt, score=result.score, passed=result.passed, blocked=result.blocked, result=result.to_json(),
        created_at=now or utcnow(),
    )
    db.session.add(revision)
    attempt.revisions_count = number
    if result.blocked:
        attempt.blocked_count += 1
    elif attempt.best_score is None or result.score > attempt.best_score:
        attempt.best_score = result.score
    if result.passed and attempt.passed_at is None:
        attempt.passed_at = revision.created_at
    xapi.exercise_scored(attempt, revision)
    # A new prompt means a new answer: the flow goes back to writing until the person goes on, and the
    # model's answer to an earlier prompt is no longer the one being waited for.
    attempt.llm_request_id = None
    if attempt.status != ExerciseAttempt.DONE:
        attempt.status = ExerciseAttempt.WRITING
    db.session.flush()
    return revision


def go_on(attempt: ExerciseAttempt) -> None:
    """From the latest prompt to getting an answer. :raise AttemptInvalid: when that prompt may not be used."""
    current = step(attempt)
    if current.latest is None:
        raise AttemptInvalid({"prompt": "empty"})
    if not current.can_get_answer:
        raise AttemptInvalid({"prompt": "blocked"})
    attempt.status = ExerciseAttempt.ANSWERING
    db.session.flush()


def ask_model(org: Organization, attempt: ExerciseAttempt) -> int:
    """Queue the latest prompt to the company's AI model; returns the request id.

    :raise AttemptInvalid: the prompt may not be sent. `lms.llm.service` raises
    LLMUnavailable when the model is off for the company.
    """
    from lms.llm import service as llm

    current = step(attempt)
    if current.latest is None or not current.can_get_answer:
        raise AttemptInvalid({"prompt": "blocked"})
    request_id = llm.request_completion(
        org, LLM_PURPOSE, current.latest.id, [{"role": "user", "content": current.latest.prompt}]
    )
    attempt.llm_request_id = request_id
    attempt.answer_source = ExerciseAttempt.ANSWER_MODEL
    attempt.status = ExerciseAttempt.ANSWERING
    db.session.flush()
    return request_id


def take_model_answer(org: Organization, attempt: ExerciseAttempt) -> bool:
    """Keep the model's finished answer as the attempt's answer; False while it is not finished."""
    from lms.llm import service as llm

    if attempt.llm_request_id is None:
        return False
    state = llm.completion_state(org, attempt.llm_request_id)
    if state is None or state.status != "done" or not state.text:
        return False
    labels = _source(attempt.exercise).compare
    attempt.answers = [state.text] + [""] * (len(labels) - 1 if labels else 0)
    attempt.answer_source = ExerciseAttempt.ANSWER_MODEL
    attempt.status = ExerciseAttempt.CHECKING
    db.session.flush()
    return True


def save_answers(attempt: ExerciseAttempt, answers: list[str]) -> None:
    """The answer(s) the person pasted from their own tool (one per label of a comparison).

    :raise AttemptInvalid: an answer is missing or too long.
    """
    current = step(attempt)
    if not current.can_get_answer:
        raise AttemptInvalid({"answers": "blocked"})
    wanted = len(current.source.compare) or 1
    answers = [a.strip() for a in answers[:wanted]] + [""] * (wanted - len(answers))
    if any(not a for a in answers):
        raise AttemptInvalid({"answers": "empty"})
    if any(len(a) > ANSWER_MAX for a in answers):
        raise AttemptInvalid({"answers": "too_long"})
    attempt.answers = answers
    attempt.answer_source = ExerciseAttempt.ANSWER_PASTED
    attempt.status = ExerciseAttempt.CHECKING
    db.session.flush()


def finish(user: User, attempt: ExerciseAttempt, ticks: list[bool], *, submit_for_review: bool,
           now: datetime | None = None) -> bool:
    """Save the self-check and finish; returns True when the lesson is now complete.

    :raise AttemptInvalid: there is no answer yet.
    """
    if not attempt.answers or not any(a.strip() for a in attempt.answers):
        raise AttemptInvalid({"self_check": "no_answer"})
    items = len(_source(attempt.exercise).checklist)
    attempt.self_check = [bool(t) for t in ticks[:items]] + [False] * (items - len(ticks[:items]))
    moment = now or utcnow()
    attempt.status = ExerciseAttempt.DONE
    attempt.completed_at = attempt.completed_at or moment
    if submit_for_review and attempt.submitted_at is None:
        attempt.submitted_at = moment
    db.session.flush()
    return _complete_lesson(user, attempt)


def _complete_lesson(user: User, attempt: ExerciseAttempt) -> bool:
    """Passing and done, or reviewed after being submitted: the lesson holding the exercise is complete."""
    done = attempt.status == ExerciseAttempt.DONE and attempt.passed_at is not None
    reviewed = attempt.submitted_at is not None and attempt.reviewed_at is not None
    if not (done or reviewed) or attempt.lesson_id is None:
        return False
    lesson = db.session.get(Lesson, attempt.lesson_id)
    if lesson is None:
        return False
    learning.complete_exercise_lesson(user, lesson)
    return True


def review(attempt: ExerciseAttempt, *, comment: str, good_example: bool, reviewer: User,
           now: datetime | None = None) -> None:
    """A trainer's comment back to the learner, and whether the prompt is shared (without the name) as a good example.

    :raise AttemptInvalid: the comment is too long.
    """
    if len(comment) > COMMENT_MAX:
        raise AttemptInvalid({"comment": "too_long"})
    attempt.trainer_comment = comment.strip()
    attempt.good_example = good_example and attempt.revisions_count > 0 and attempt.blocked_count < attempt.revisions_count
    attempt.reviewed_by_id = reviewer.id
    attempt.reviewed_at = now or utcnow()
    record("exercise.review", actor=reviewer, org_id=attempt.org_id, subject=attempt.exercise.slug,
           good_example=attempt.good_example)
    db.session.flush()
    learner = db.session.get(User, attempt.user_id)
    if learner is not None:
        _complete_lesson(learner, attempt)
