"""The exercise player: one page per step of a `kind: exercise` lesson, for the company's own people.

The player lives under the lesson it belongs to
(`/o/<org>/practice/<course>/<module>/<lesson>`), so it is visible exactly
when the lesson is (industry, audience, the cohort's calendar). GET shows the
step the attempt is at (`?step=write` goes back to the prompt); each POST
loads, checks its form, makes one service call (lms.exercises.service), commits
and redirects back, or shows the same step again with the errors (422).
"""
from __future__ import annotations

from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from lms.cohorts import service as cohort_service
from lms.courses.models import Lesson
from lms.exercises import queries, service
from lms.exercises.player import feedback
from lms.exercises.forms import AnswerForm, FinishForm, PromptForm
from lms.exercises.models import Exercise, ExerciseAttempt
from lms.forms import ConfirmForm
from lms.learning import queries as learning_queries
from lms.learning.models import LessonProgress
from lms.learning.routes import learner_required
from lms.llm import service as llm
from lms.tenancy import current_org, current_org_roles, org_blueprint
from lms.transaction import commit

bp = org_blueprint("practice", __name__, "/practice")
LESSON = "/<course_slug>/<module_slug>/<lesson_slug>"

WRITE, ANSWER, CHECK, DONE = "write", "answer", "check", "done"
STEP_OF_STATUS = {
    ExerciseAttempt.WRITING: WRITE, ExerciseAttempt.ANSWERING: ANSWER, ExerciseAttempt.CHECKING: CHECK,
    ExerciseAttempt.DONE: DONE,
}
ERRORS = {
    "empty": lambda: _("Write a prompt first."),
    "too_long": lambda: _("The text is too long. Shorten it and send again."),
    "blocked": lambda: _("This prompt contains personal data or confidential material, so it cannot be used. "
                         "Replace what is highlighted with placeholders and check the prompt again."),
    "no_answer": lambda: _("Get an answer first: ask the AI model or paste the answer from your own tool."),
}


class Place:
    """The lesson, the person's progress in it and its exercise, loaded once per request."""

    def __init__(self, course_slug: str, module_slug: str, lesson_slug: str) -> None:
        self.user = current_user._get_current_object()
        self.org = current_org()
        self.lesson: Lesson
        self.progress: LessonProgress | None
        self.lesson, self.progress = learning_queries.lesson_and_progress_or_404(
            self.org, course_slug, module_slug, lesson_slug, current_org_roles(), self.user
        )
        if self.lesson.kind != "exercise" or not self.lesson.exercise:
            abort(404)
        exercise, self._attempt = queries.exercise_and_attempt(self.user, self.lesson.exercise)
        if exercise is None or exercise.current_revision is None:
            abort(404)
        self.exercise: Exercise = exercise
        self.source = queries.source_of(exercise.current_revision, exercise.slug)
        self.url_args = {"course_slug": course_slug, "module_slug": module_slug, "lesson_slug": lesson_slug}

    def opens_on(self) -> Any:
        return cohort_service.lesson_opens_on(self.user, self.lesson)

    def attempt(self) -> ExerciseAttempt | None:
        """The person's attempt as loaded with the exercise (None before the first prompt)."""
        return self._attempt

    def url(self, endpoint: str = "practice.player", **kwargs: Any) -> str:
        return url_for(endpoint, **{**self.url_args, **kwargs})


def _open_place(course_slug: str, module_slug: str, lesson_slug: str) -> Place:
    """The place for a POST: a lesson that has not opened yet takes nothing."""
    place = Place(course_slug, module_slug, lesson_slug)
    if place.opens_on() is not None:
        abort(403)
    return place


def _render(place: Place, attempt: ExerciseAttempt | None, step: str, status: int = 200, **forms: Any) -> ResponseReturnValue:
    revisions = list(reversed(attempt.revisions)) if attempt is not None else []
    context: dict[str, Any] = {
        "place": place, "lesson": place.lesson, "exercise": place.exercise, "revision": place.exercise.current_revision,
        "source": place.source, "attempt": attempt, "step": step, "progress": place.progress,
        "latest": feedback(revisions[0]) if revisions else None, "earlier": revisions[1:],
    }
    latest_clean = bool(revisions) and not revisions[0].result.get("findings")
    context["can_get_answer"] = latest_clean
    if step == WRITE:
        sent = forms.get("prompt_form")
        context["prompt_text"] = (sent.prompt.data or "") if sent else (revisions[0].prompt if revisions else "")
        context["prompt_errors"] = sent.prompt.errors if sent else []
    elif step == ANSWER:
        state = llm.completion_state(place.org, attempt.llm_request_id) if attempt and attempt.llm_request_id else None
        available = llm.is_available(place.org)
        context.update(
            model_available=available, state=state,
            pending=available and state is not None and not state.finished,
            show_paste=not available or (state is not None and state.status in (llm.FAILED, llm.BUDGET_EXHAUSTED)),
            answer_form=forms.get("answer_form") or AnswerForm.for_labels(place.source.compare, formdata=None),
        )
    elif step == CHECK:
        context["finish_form"] = forms.get("finish_form") or FinishForm.for_checklist(
            place.source.checklist, formdata=None,
            checks=[str(i) for i, t in enumerate(attempt.self_check or []) if t] if attempt else [],
        )
        context["answers"] = _answers(place, attempt)
    elif step == DONE:
        context["previous"], context["following"] = learning_queries.neighbours_of(place.lesson)
        context["good_examples"] = queries.good_examples(place.org, place.exercise, place.user)
    return render_template(f"exercises/{step}.html", **context), status


def _answers(place: Place, attempt: ExerciseAttempt | None) -> list[tuple[str, str]]:
    texts = list(attempt.answers or []) if attempt else []
    labels = list(place.source.compare)
    return [(labels[i] if i < len(labels) else "", text) for i, text in enumerate(texts) if text]


def _step_of(attempt: ExerciseAttempt | None) -> str:
    if attempt is None:
        return WRITE
    if attempt.status == ExerciseAttempt.CHECKING and not any(a.strip() for a in attempt.answers or []):
        return ANSWER
    return STEP_OF_STATUS.get(attempt.status, WRITE)


@bp.get(LESSON)
@learner_required
def player(course_slug: str, module_slug: str, lesson_slug: str) -> ResponseReturnValue:
    """The step the person is at. A finished answer of the AI model is taken as the answer here."""
    place = Place(course_slug, module_slug, lesson_slug)
    opens = place.opens_on()
    if opens is not None:
        return render_template("learning/locked.html", lesson=place.lesson, opens=opens)
    attempt = place.attempt()
    wanted = request.args.get("step")
    if attempt is not None and wanted != WRITE and attempt.status == ExerciseAttempt.ANSWERING \
            and attempt.llm_request_id is not None and service.take_model_answer(place.org, attempt):
        commit()
        return redirect(place.url())
    return _render(place, attempt, WRITE if wanted == WRITE else _step_of(attempt))


@bp.get(LESSON + "/answer.json")
@learner_required
def answer_state(course_slug: str, module_slug: str, lesson_slug: str) -> ResponseReturnValue:
    """Where the AI model's answer stands, for the page's script: status, the text so far, a reason."""
    place = Place(course_slug, module_slug, lesson_slug)
    attempt = place.attempt()
    state = None
    if attempt is not None and attempt.llm_request_id is not None:
        state = llm.completion_state(place.org, attempt.llm_request_id)
    if state is None:
        return jsonify(status="none", text="", reason=None, finished=True)
    return jsonify(status=state.status, text=state.text, reason=state.reason, finished=state.finished)


@bp.post(LESSON + "/prompt")
@learner_required
def submit_prompt(course_slug: str, module_slug: str, lesson_slug: str) -> ResponseReturnValue:
    """Score the prompt and keep it (a blocked one too); back to the writing step with the feedback."""
    place = _open_place(course_slug, module_slug, lesson_slug)
    form = PromptForm()
    if not form.validate_on_submit():
        return _render(place, place.attempt(), WRITE, 422, prompt_form=form)
    attempt = service.attempt_for(place.user, place.exercise, place.lesson)
    try:
        service.submit_prompt(attempt, form.prompt.data or "")
    except service.AttemptInvalid as exc:
        form.prompt.errors = [ERRORS[exc.errors.get("prompt", "empty")]()]
        return _render(place, attempt, WRITE, 422, prompt_form=form)
    commit()
    return redirect(place.url(step=WRITE, _anchor="feedback"))


@bp.post(LESSON + "/go-on")
@learner_required
def go_on(course_slug: str, module_slug: str, lesson_slug: str) -> ResponseReturnValue:
    """From the latest prompt to getting an answer; refused while the guard finds anything in it."""
    place = _open_place(course_slug, module_slug, lesson_slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    attempt = place.attempt()
    if attempt is None:
        return redirect(place.url())
    try:
        service.go_on(attempt)
    except service.AttemptInvalid as exc:
        flash(ERRORS[exc.errors["prompt"]](), "error")
        return _render(place, attempt, WRITE, 422)
    commit()
    return redirect(place.url())


@bp.post(LESSON + "/ask")
@learner_required
def ask(course_slug: str, module_slug: str, lesson_slug: str) -> ResponseReturnValue:
    """Queue the latest prompt to the company's AI model; the page then shows the answer as it arrives."""
    place = _open_place(course_slug, module_slug, lesson_slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    attempt = place.attempt()
    if attempt is None:
        return redirect(place.url())
    try:
        service.ask_model(place.org, attempt)
    except llm.LLMUnavailable:
        flash(_("The AI model is not available for your company. Paste the answer from the tool you use."), "error")
        return redirect(place.url())
    except (service.AttemptInvalid, llm.PersonalDataFound):
        flash(ERRORS["blocked"](), "error")
        return _render(place, attempt, WRITE, 422)
    commit()
    return redirect(place.url(_anchor="model-or-paste"))


@bp.post(LESSON + "/answer")
@learner_required
def paste_answer(course_slug: str, module_slug: str, lesson_slug: str) -> ResponseReturnValue:
    """The answer pasted from the person's own tool (one per tool in a comparison)."""
    place = _open_place(course_slug, module_slug, lesson_slug)
    form = AnswerForm.for_labels(place.source.compare)
    attempt = place.attempt()
    if attempt is None:
        return redirect(place.url())
    if not form.validate_on_submit():
        return _render(place, attempt, ANSWER, 422, answer_form=form)
    try:
        service.save_answers(attempt, form.texts())
    except service.AttemptInvalid as exc:
        form.answer.errors = [ERRORS.get(exc.errors.get("answers", ""), ERRORS["blocked"])()]
        return _render(place, attempt, ANSWER, 422, answer_form=form)
    commit()
    return redirect(place.url())


@bp.post(LESSON + "/finish")
@learner_required
def finish(course_slug: str, module_slug: str, lesson_slug: str) -> ResponseReturnValue:
    """Keep the self-check and finish: the lesson completes when the attempt passed (or once reviewed)."""
    place = _open_place(course_slug, module_slug, lesson_slug)
    form = FinishForm.for_checklist(place.source.checklist)
    attempt = place.attempt()
    if attempt is None:
        return redirect(place.url())
    if not form.validate_on_submit():
        return _render(place, attempt, CHECK, 422, finish_form=form)
    try:
        service.finish(place.user, attempt, form.ticks(len(place.source.checklist)),
                       submit_for_review=bool(form.submit_for_review.data))
    except service.AttemptInvalid:
        flash(ERRORS["no_answer"](), "error")
        return _render(place, attempt, ANSWER, 422)
    commit()
    return redirect(place.url())
