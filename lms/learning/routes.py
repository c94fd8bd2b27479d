"""The lesson player, one's own progress, and the trainers' progress view."""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable, Mapping, Sequence

from babel.lists import format_list
from flask import abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from lms.forms import ConfirmForm
from lms.accounts.roles import Role
from lms.csvexport import csv_response
from lms.cohorts import service as cohort_service
from lms.courses.models import Lesson
from lms.exercises import queries as exercise_queries
from lms.learning import queries, service
from lms.learning.models import LessonProgress
from lms.learning.quiz_sheet import Sheet, make_sheet
from lms.security import require_org_role
from lms.tenancy import current_org, current_org_roles, org_blueprint
from lms.transaction import commit

bp = org_blueprint("learn", __name__, "/learn")
progress_bp = org_blueprint("course_progress", __name__, "/courses")


def learner_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Only the company's own people take lessons (provider staff look, but record nothing)."""

    @wraps(view)
    @require_org_role(Role.EMPLOYEE, Role.EXECUTIVE, Role.ORG_ADMIN)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user.org_id != current_org().id:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


@bp.get("/")
@learner_required
def index() -> ResponseReturnValue:
    """The courses for the person's company, with their progress."""
    return render_template("learning/index.html", cards=queries.course_cards(current_user, queries.my_courses(current_user)))


@bp.get("/progress")
@learner_required
def my_progress() -> ResponseReturnValue:
    """Everything the person has done: per course, per lesson, with scores and dates."""
    courses = queries.my_courses(current_user)
    sections = []
    for card in queries.course_cards(current_user, courses):
        outline = queries.outline(card.course)
        ids = [l.id for _, lessons in outline for l in lessons]
        sections.append((card, outline, queries.progress_by_lesson(current_user, ids)))
    return render_template("learning/progress.html", sections=sections)


@bp.get("/<course_slug>/")
@learner_required
def course(course_slug: str) -> ResponseReturnValue:
    """A course's modules and lessons with the person's state for each."""
    course, outline, card, progress = queries.course_page_or_404(
        current_org(), course_slug, current_org_roles(), current_user._get_current_object()
    )
    return render_template("learning/course.html", course=course, outline=outline, card=card, progress=progress)


def _my_lesson_or_404(course_slug: str, module_slug: str, lesson_slug: str) -> Lesson:
    return queries.lesson_or_404(current_org(), course_slug, module_slug, lesson_slug, current_org_roles(), current_user)


def _sheet(lesson: Lesson, progress: LessonProgress, attempt: str | None = None) -> Sheet | None:
    """The answer sheet of the person's next attempt, or of the one the form names (a tab opened earlier)."""
    revision = lesson.current_revision
    if revision is None or not revision.questions:
        return None
    valid = attempt is not None and attempt.isascii() and attempt.isdigit() and 0 < int(attempt) < 1_000_000
    number = int(attempt) if valid else progress.attempts + 1  # type: ignore[arg-type]
    return make_sheet(
        current_app.config["SECRET_KEY"].encode(), user_id=current_user.id, lesson_id=lesson.id,
        revision_id=revision.id, attempt=number, option_counts=[len(q["options"]) for q in revision.questions],
    )


def _lesson_page(
    lesson: Lesson, progress: LessonProgress, result: service.QuizResult | None = None, status: int = 200,
    sheet: Sheet | None = None, chosen: Mapping[int, set[int]] | None = None, unanswered: Sequence[int] = (),
) -> tuple[str, int]:
    previous, following = queries.neighbours_of(lesson)
    practice = exercise_queries.practice_card(current_user, lesson.exercise) if lesson.kind == "exercise" and lesson.exercise else None
    unanswered_text = format_list([_("Question %(n)d", n=q + 1) for q in unanswered], locale=get_locale()) if unanswered else ""
    # No form object: the page's forms carry the CSRF token from csrf_token(); a GET builds no WTForms form.
    return render_template(
        "learning/lesson.html", lesson=lesson, revision=lesson.current_revision, progress=progress,
        previous=previous, following=following, result=result,
        sheet=sheet if sheet is not None or result is not None else _sheet(lesson, progress),
        chosen=chosen or {}, unanswered=set(unanswered), unanswered_text=unanswered_text, practice=practice,
    ), status


@bp.get("/<course_slug>/<module_slug>/<lesson_slug>")
@learner_required
def lesson(course_slug: str, module_slug: str, lesson_slug: str) -> ResponseReturnValue:
    """One lesson. Opening it records that the person started it; a revisit writes nothing and commits nothing."""
    user = current_user._get_current_object()
    lesson, progress = queries.lesson_and_progress_or_404(
        current_org(), course_slug, module_slug, lesson_slug, current_org_roles(), user
    )
    opens = cohort_service.lesson_opens_on(user, lesson)
    if opens is not None:
        return render_template("learning/locked.html", lesson=lesson, opens=opens)
    first_visit = progress is None
    if progress is None:
        progress = service.progress_for(user, lesson)
    page = _lesson_page(lesson, progress)
    if first_visit:
        # Rendered before the commit, which would expire every loaded row and cost a reload of each.
        commit()
    return page


@bp.post("/<course_slug>/<module_slug>/<lesson_slug>/complete")
@learner_required
def complete(course_slug: str, module_slug: str, lesson_slug: str) -> ResponseReturnValue:
    """'完了にする' for a reading or workshop; back to where the button was, next to the next step.

    On a phone the button sits at the end of a long page: the person lands on the same spot (the
    #done block), sees the lesson marked done and the next lesson as the primary button.
    """
    lesson = _my_lesson_or_404(course_slug, module_slug, lesson_slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if cohort_service.lesson_opens_on(current_user, lesson) is not None:
        abort(403)
    try:
        service.mark_complete(current_user, lesson)
    except service.NothingToComplete:
        abort(400)
    commit()
    return redirect(url_for("learn.lesson", course_slug=course_slug, module_slug=module_slug, lesson_slug=lesson_slug,
                            _anchor="done"))


@bp.post("/<course_slug>/<module_slug>/<lesson_slug>/quiz")
@learner_required
def quiz(course_slug: str, module_slug: str, lesson_slug: str) -> ResponseReturnValue:
    """Score the answers and show the page again with feedback and explanations.

    A question left unanswered refuses the whole submission: nothing is recorded and nothing
    (right answers, explanations) is shown; the same sheet comes back with the choices kept.
    """
    lesson = _my_lesson_or_404(course_slug, module_slug, lesson_slug)
    if not lesson.has_quiz or not ConfirmForm().validate_on_submit():
        abort(400)
    if cohort_service.lesson_opens_on(current_user, lesson) is not None:
        abort(403)
    progress = service.progress_for(current_user, lesson)
    sheet = _sheet(lesson, progress, request.form.get("attempt"))
    assert sheet is not None
    answers = sheet.decode({q: request.form.getlist(f"q{q}") for q in range(len(sheet.keys))})
    try:
        result = service.submit_quiz(current_user, lesson, answers, order=sheet.order)
    except service.Unanswered as exc:
        page = _lesson_page(lesson, progress, status=422, sheet=sheet, chosen=answers, unanswered=exc.questions)
        commit()  # the visit itself ("started") is kept, as when opening the page
        return page
    commit()
    return _lesson_page(lesson, service.progress_for(current_user, lesson), result)


@progress_bp.get("/")
@require_org_role(Role.TRAINER, Role.ORG_ADMIN)
def courses_index() -> ResponseReturnValue:
    """The company's courses, each linking to its progress table."""
    return render_template("learning/courses_index.html", courses=queries.visible_courses(current_org()))


@progress_bp.get("/<course_slug>/progress")
@require_org_role(Role.TRAINER, Role.ORG_ADMIN)
def course_progress(course_slug: str) -> ResponseReturnValue:
    """Trainers: each member's state in each lesson of one course."""
    course = queries.course_or_404(current_org(), course_slug)
    lessons, rows = queries.course_progress_rows(course)
    return render_template("learning/course_progress.html", course=course, lessons=lessons, rows=rows)


@progress_bp.get("/<course_slug>/progress.csv")
@require_org_role(Role.TRAINER, Role.ORG_ADMIN)
def course_progress_csv(course_slug: str) -> ResponseReturnValue:
    course = queries.course_or_404(current_org(), course_slug)
    lessons, rows = queries.course_progress_rows(course)
    labels = {
        LessonProgress.STARTED: _("Started"), LessonProgress.COMPLETED: _("Completed"), LessonProgress.PASSED: _("Passed"),
    }
    header = [_("Name"), _("Email address"), _("Department"), _("Course completed")] + [l.title for l in lessons]
    table = [header]
    for member, progress, completion in rows:
        cells = []
        for lesson in lessons:
            row = progress.get(lesson.id)
            if row is None:
                cells.append(_("Not started"))
            elif row.best_score is not None:
                cells.append(f"{labels[row.state]} ({row.best_score}%)")
            else:
                cells.append(labels[row.state])
        completed = format_datetime(completion.completed_at, "yyyy-MM-dd HH:mm") if completion else ""
        table.append([member.display_name, member.email, member.department.name if member.department else "", completed] + cells)
    return csv_response(table, f"{course.slug}-progress.csv")
