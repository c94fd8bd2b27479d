"""The workshop flow for a company's own people: pick a case, try it, report, share; and the trainers' cohort page.

`/o/<org>/cases/<case>/pick|try|report|share` and `/o/<org>/cases/mine` for
employees; `/o/<org>/cohorts/<id>/cases` for the cohort's runners (the same
access rule as the cohort's practice queue, lms.exercises.review_routes).
Views load, check the form, make one service call (lms.usecases.trials),
commit and redirect, or render the same page with the errors (422).
"""
from __future__ import annotations

from typing import Any

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.cohorts.models import Cohort
from lms.core import clock
from lms.core.pii import REASONS
from lms.courses.models import Lesson
from lms.exercises.player import cut
from lms.exercises.review_routes import RUNNERS
from lms.extensions import db
from lms.learning.routes import learner_required
from lms.llm import service as llm
from lms.security import require_org_role
from lms.tenancy import current_org, get_in_org_or_404, org_blueprint
from lms.transaction import commit
from lms.usecases import queries, trials
from lms.usecases.forms import OUTCOME_LABELS, SHARE_LABELS, PickForm, ReportForm, ShareForm, TryForm
from lms.usecases.models import Usecase, UsecaseTrial

bp = org_blueprint("usecase_trials", __name__, "/cases")
workshop_bp = org_blueprint("usecase_workshop", __name__, "/cohorts")

STATUS_LABELS = {
    UsecaseTrial.PICKED: lambda: _("Picked: try it next"),
    UsecaseTrial.TRYING: lambda: _("Trying"),
    UsecaseTrial.REPORTED: lambda: _("Reported"),
}
ERRORS = {
    "missing": lambda: _("Fill this in."),
    "range": lambda: _("Enter minutes per week from 0 to %(max)d.", max=trials.MINUTES_MAX),
    "too_long": lambda: _("The text is too long. Shorten it and send again."),
    "unknown": lambda: _("Choose one of the options."),
    "not_tried": lambda: _("Try the case first (the template or the exercise); you can report 'not for us' at any time."),
    "nothing_to_share": lambda: _("Write the prompt you use now to share it, or keep it to yourself."),
    "personal_data": lambda: _("This prompt contains personal data, so it cannot be shared or sent. Replace what is "
                               "highlighted with placeholders such as 【氏名】 and send again."),
    "empty": lambda: _("Write a prompt first."),
}


def status_label(trial: UsecaseTrial) -> str:
    return STATUS_LABELS[trial.status]()


def _errors(exc: trials.TrialInvalid) -> dict[str, str]:
    return {field: ERRORS.get(code, ERRORS["unknown"])() for field, code in exc.errors.items()}


def _findings(text: str, exc: trials.TrialInvalid | None) -> dict[str, Any] | None:
    """What the guard found, as the practice player shows it: the text cut at each finding, and why."""
    if exc is None or not exc.findings:
        return None
    reasons = list(dict.fromkeys(_(REASONS.get(f.kind, REASONS["secret"])) for f in exc.findings))
    return {"parts": cut(text, ((f.start, f.end) for f in exc.findings)), "reasons": reasons}


def _case_or_404(case_id: str) -> Usecase:
    usecase, _alias = queries.case_by_id(case_id)
    if usecase is None or usecase.current_revision is None:
        abort(404)
    return usecase


def _is_employee() -> bool:
    return Role.EMPLOYEE in g.get("org_roles", frozenset()) and current_user.org_id == current_org().id


def _employee_required() -> User:
    if not _is_employee():
        abort(403)
    return current_user._get_current_object()


def case_context(usecase: Usecase) -> dict[str, Any]:
    """What the case page shows of the workshop: the person's trial, the pick form and colleagues' shared prompts."""
    org = current_org()
    employee = _is_employee()
    trial = trials.trial_of(current_user, usecase) if employee else None
    shared = trials.shared_prompts(org, usecase, current_user) if current_user.org_id == org.id else []
    lesson = request.args.get("lesson", "")
    return {"trial": trial, "can_pick": employee, "shared_prompts": shared, "status_label": status_label,
            "outcome_labels": OUTCOME_LABELS, "lesson_id": int(lesson) if lesson.isdigit() and len(lesson) < 10 else None}


@bp.app_template_global()
def lesson_usecases(slugs: list[str]) -> list[Usecase]:
    """The live cases a lesson lists (`usecases:`), in its order, for the lesson page's include."""
    return queries.live_by_slugs(slugs)


@bp.app_template_global()
def usecase_trials_open() -> tuple[list[UsecaseTrial], int]:
    """The signed-in employee's trials whose report is due, and how many are open in all (the home's include)."""
    if not current_user.is_authenticated or g.get("org") is None or not _is_employee():
        return [], 0
    day = clock.today()
    open_ones = trials.open_trials(current_user)
    return [t for t in open_ones if t.report_due_on <= day], len(open_ones)


@bp.post("/<case_id>/pick")
@learner_required
def pick(case_id: str) -> ResponseReturnValue:
    """Pick the case (again): the current way and the minutes per week it takes now."""
    user = _employee_required()
    usecase = _case_or_404(case_id)
    form = PickForm()
    shared_from = None
    if form.shared_from.data and str(form.shared_from.data).isdigit():
        shared_from = trials.trial_by_shared_id(current_org(), usecase, int(form.shared_from.data))
        if shared_from is None:
            abort(404)
    lesson_id = None
    if form.lesson.data and str(form.lesson.data).isdigit():
        lesson = db.session.get(Lesson, int(form.lesson.data))
        lesson_id = lesson.id if lesson is not None and usecase.slug in (lesson.usecases or []) else None
    if not form.validate_on_submit():
        return _case_page(usecase, pick_form=form, lesson_id=lesson_id), 422
    try:
        trials.pick(user, usecase, current_way=form.current_way.data or "", minutes_before=form.minutes_before.data,
                    lesson_id=lesson_id, shared_from=shared_from)
    except trials.TrialInvalid as exc:
        for field, message in _errors(exc).items():
            if field in form._fields:
                form[field].errors = [message]
        return _case_page(usecase, pick_form=form, lesson_id=lesson_id), 422
    commit()
    flash(_("Picked. Try it now, and tell us in a week how it went."), "info")
    return redirect(url_for("usecase_trials.try_it", case_id=usecase.slug))


def _case_page(usecase: Usecase, **forms: Any) -> str:
    from lms.usecases.routes import LABELS  # routes.py imports this module for case_context

    revision = usecase.current_revision
    assert revision is not None
    parsed = revision.parsed
    return render_template(
        "usecases/case.html", case=usecase, revision=revision, parsed=parsed, labels=LABELS,
        lessons=queries.lesson_links(parsed.get("lessons", [])),
        exercises=queries.exercise_links(parsed.get("exercises", [])),
        **{**case_context(usecase), **forms},
    )


@bp.get("/mine")
@learner_required
def mine() -> ResponseReturnValue:
    """The person's cases: picked, trying, due for a report, reported; each with the next step."""
    rows = trials.my_trials(current_user) if _is_employee() else []
    return render_template("usecases/mine.html", rows=rows, today=clock.today(), status_label=status_label,
                           outcome_labels=OUTCOME_LABELS, share_labels=SHARE_LABELS)


def _try_page(usecase: Usecase, trial: UsecaseTrial | None, status: int = 200, *, prompt: str | None = None,
              form_errors: list[str] | None = None, found: dict[str, Any] | None = None,
              checked: bool = False) -> ResponseReturnValue:
    org = current_org()
    revision = usecase.current_revision
    assert revision is not None
    parsed = revision.parsed
    asked = trials.latest_request(trial) if trial is not None else None
    state = llm.completion_state(org, asked.id) if asked is not None else None
    sent = asked.messages[-1]["content"] if asked is not None and asked.messages else None
    if prompt is None:
        prompt = sent or parsed.get("template", "")
    return render_template(
        "usecases/try.html", case=usecase, parsed=parsed, trial=trial, prompt=prompt, form_errors=form_errors or [],
        found=found, checked=checked, state=state, model_available=llm.is_available(org),
        pending=state is not None and not state.finished,
        exercises=queries.exercise_links(parsed.get("exercises", [])),
    ), status


@bp.get("/<case_id>/try")
@learner_required
def try_it(case_id: str) -> ResponseReturnValue:
    """The case in the practice player: its linked exercise, or its template to adapt and send. Marks it trying."""
    usecase = _case_or_404(case_id)
    trial = trials.trial_of(current_user, usecase) if _is_employee() else None
    if trial is not None and trials.start_trying(trial):
        commit()
    return _try_page(usecase, trial)


@bp.get("/<case_id>/try/answer.json")
@learner_required
def answer_state(case_id: str) -> ResponseReturnValue:
    """Where the AI model's answer stands, for practice.js: status, the text so far, a reason."""
    usecase = _case_or_404(case_id)
    trial = trials.trial_of(current_user, usecase) if _is_employee() else None
    asked = trials.latest_request(trial) if trial is not None else None
    state = llm.completion_state(current_org(), asked.id) if asked is not None else None
    if state is None:
        return jsonify(status="none", text="", reason=None, finished=True)
    return jsonify(status=state.status, text=state.text, reason=state.reason, finished=state.finished)


@bp.post("/<case_id>/try")
@learner_required
def send_prompt(case_id: str) -> ResponseReturnValue:
    """Check the person's prompt with the personal-data guard; send a clean one to the company's AI model."""
    user = _employee_required()
    usecase = _case_or_404(case_id)
    trial = trials.trial_of(user, usecase)
    if trial is None:
        return redirect(url_for("usecase_trials.try_it", case_id=usecase.slug))
    form = TryForm()
    text = form.prompt.data or ""
    if not form.validate_on_submit():
        return _try_page(usecase, trial, 422, prompt=text, form_errors=list(form.prompt.errors))
    if not llm.is_available(current_org()):
        findings = trials.check_shareable(text)
        if findings:
            exc = trials.TrialInvalid({"prompt": "personal_data"}, findings)
            return _try_page(usecase, trial, 422, prompt=text, form_errors=list(_errors(exc).values()),
                             found=_findings(text, exc))
        return _try_page(usecase, trial, prompt=text, checked=True)
    try:
        trials.ask_model(current_org(), trial, text)
    except trials.TrialInvalid as exc:
        return _try_page(usecase, trial, 422, prompt=text, form_errors=list(_errors(exc).values()),
                         found=_findings(text, exc))
    except llm.PersonalDataFound:
        return _try_page(usecase, trial, 422, prompt=text, form_errors=[ERRORS["personal_data"]()])
    except llm.LLMUnavailable:
        # This page keeps no pasted answer (unlike the exercise player): the prompt goes to the company's own tool.
        flash(_("The AI model is not available for your company. Copy your checked prompt into the AI tool your "
                "company allows."), "error")
        return redirect(url_for("usecase_trials.try_it", case_id=usecase.slug))
    commit()
    return redirect(url_for("usecase_trials.try_it", case_id=usecase.slug, _anchor="answer"))


def _report_page(usecase: Usecase, trial: UsecaseTrial | None, form: ReportForm | None = None, status: int = 200,
                 found: dict[str, Any] | None = None) -> ResponseReturnValue:
    if form is None and trial is not None:
        prompt = trial.adapted_prompt
        if not prompt:  # the prompt the person last tried, to start from
            asked = trials.latest_request(trial)
            prompt = asked.messages[-1]["content"] if asked is not None and asked.messages else ""
        form = ReportForm(formdata=None, outcome=trial.outcome, minutes_after=trial.minutes_after,
                          reason=trial.outcome_reason, adapted_prompt=prompt, share=trial.share)
    return render_template("usecases/report.html", case=usecase, trial=trial, form=form, found=found,
                           status_label=status_label), status


@bp.get("/<case_id>/report")
@learner_required
def report(case_id: str) -> ResponseReturnValue:
    """The report form: adopted / adapted / not for us, and the minutes per week now."""
    usecase = _case_or_404(case_id)
    trial = trials.trial_of(current_user, usecase) if _is_employee() else None
    return _report_page(usecase, trial)


@bp.post("/<case_id>/report")
@learner_required
def save_report(case_id: str) -> ResponseReturnValue:
    user = _employee_required()
    usecase = _case_or_404(case_id)
    trial = trials.trial_of(user, usecase)
    if trial is None:
        abort(404)
    form = ReportForm()
    if not form.validate_on_submit():
        return _report_page(usecase, trial, form, 422)
    text = form.adapted_prompt.data or ""
    try:
        trials.report(trial, outcome=form.outcome.data or "", reason=form.reason.data or "",
                      minutes_after=form.minutes_after.data, adapted_prompt=text, share=form.share.data or "",
                      actor=user)
    except trials.TrialInvalid as exc:
        db.session.rollback()
        for field, message in _errors(exc).items():
            if field in form._fields:
                form[field].errors = [message]
        return _report_page(usecase, trials.trial_of(user, usecase), form, 422, found=_findings(text.strip(), exc))
    commit()
    flash(_("Thank you. Your report was saved."), "info")
    return redirect(url_for("usecase_trials.mine"))


@bp.post("/<case_id>/share")
@learner_required
def share(case_id: str) -> ResponseReturnValue:
    """Share the reported prompt (anonymous or named), or take it back."""
    user = _employee_required()
    usecase = _case_or_404(case_id)
    trial = trials.trial_of(user, usecase)
    if trial is None or trial.status != UsecaseTrial.REPORTED:
        abort(404)
    form = ShareForm()
    if not form.validate_on_submit():
        flash(_("Choose one of the options."), "error")
        return redirect(url_for("usecase_trials.mine"))
    try:
        trials.set_share(trial, form.share.data or "", actor=user)
    except trials.TrialInvalid as exc:
        db.session.rollback()
        flash(" ".join(_errors(exc).values()), "error")
        return redirect(url_for("usecase_trials.report", case_id=usecase.slug))
    commit()
    flash(_("Saved."), "info")
    return redirect(url_for("usecase_trials.mine"))


@workshop_bp.get("/<int:cohort_id>/cases")
@require_org_role(*RUNNERS)
def board(cohort_id: int) -> ResponseReturnValue:
    """The members' choices and reports by case, to run a workshop session around them (prints cleanly)."""
    cohort = get_in_org_or_404(Cohort, cohort_id)
    return render_template("usecases/board.html", cohort=cohort, cases=trials.cohort_board(cohort),
                           status_label=status_label, outcome_labels=OUTCOME_LABELS, share_labels=SHARE_LABELS)
