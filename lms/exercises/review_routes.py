"""The trainers' review queue of a cohort's prompt-practice attempts.

Cohort runners (trainers of the company and its admins, as on the follow-up
page) read each member's latest prompt with its rubric result and what the
personal-data guard found, the answer and the self-check, and send a comment
back; "good example" shares the prompt, without the name, with the cohort.
The partials `exercises/_review.html` and `exercises/_good_examples.html` in
this package's templates are for the learner's player.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user

from lms.accounts.roles import Role
from lms.cohorts.models import Cohort
from lms.core.pii import REASONS
from lms.exercises import queries, service
from lms.exercises.models import ExerciseAttempt
from lms.exercises.review_forms import ReviewForm, review_prefix
from lms.extensions import db
from lms.security import require_org_role
from lms.tenancy import get_in_org_or_404, org_blueprint
from lms.transaction import commit

bp = org_blueprint("exercise_review", __name__, "/cohorts")

RUNNERS = (Role.TRAINER, Role.ORG_ADMIN)
STATUS_LABELS = {
    ExerciseAttempt.WRITING: _l("Writing the prompt"),
    ExerciseAttempt.ANSWERING: _l("Getting an answer"),
    ExerciseAttempt.CHECKING: _l("Checking the answer"),
    ExerciseAttempt.DONE: _l("Done"),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def _form(attempt_id: int, comment: str = "", good: bool = False) -> ReviewForm:
    return ReviewForm(formdata=None, prefix=review_prefix(attempt_id), comment=comment, good_example=good)


def _page(cohort: Cohort, failed: ReviewForm | None = None, failed_id: int | None = None):  # type: ignore[no-untyped-def]
    rows = queries.review_queue(cohort)
    forms = {
        r.attempt.id: failed if r.attempt.id == failed_id and failed is not None
        else _form(r.attempt.id, r.attempt.trainer_comment, r.attempt.good_example)
        for r in rows
    }
    return render_template("exercises/review_queue.html", cohort=cohort, rows=rows, forms=forms,
                           status_label=status_label, reasons=REASONS)


@bp.get("/<int:cohort_id>/practice")
@require_org_role(*RUNNERS)
def queue(cohort_id: int):  # type: ignore[no-untyped-def]
    """Every member's attempts: submitted for review first, then the others."""
    return _page(get_in_org_or_404(Cohort, cohort_id))


@bp.post("/<int:cohort_id>/practice/<int:attempt_id>")
@require_org_role(*RUNNERS)
def review(cohort_id: int, attempt_id: int):  # type: ignore[no-untyped-def]
    """A comment back to the learner, and whether the prompt is shared as a good example."""
    cohort = get_in_org_or_404(Cohort, cohort_id)
    attempt = queries.queue_attempt(cohort, attempt_id)
    if attempt is None:
        abort(404)
    form = ReviewForm(prefix=review_prefix(attempt.id))
    if form.validate_on_submit():
        try:
            service.review(attempt, comment=form.comment.data or "", good_example=bool(form.good_example.data),
                           reviewer=current_user)
        except service.AttemptInvalid:
            db.session.rollback()
            form.comment.errors = [_("The comment is too long. Shorten it to %(n)d characters.", n=service.COMMENT_MAX)]
        else:
            commit()
            if form.good_example.data and not attempt.good_example:
                flash(_("The comment was saved. The prompt was not shared: the personal-data guard stopped "
                        "every prompt of this attempt."), "warning")
            else:
                flash(_("The comment was saved."), "info")
            return redirect(url_for("exercise_review.queue", cohort_id=cohort.id, _anchor=f"attempt-{attempt.id}"))
    return _page(cohort, form, attempt.id), 422
