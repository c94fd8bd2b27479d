"""The lesson player, one's own progress, and the trainers' progress view."""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from lms.accounts.forms import ConfirmForm
from lms.accounts.roles import Role
from lms.csvexport import csv_response
from lms.cohorts import service as cohort_service
from lms.learning import queries, service
from lms.learning.models import LessonProgress
from lms.security import require_org_role
from lms.tenancy import current_org, org_blueprint
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
def index():  # type: ignore[no-untyped-def]
    """The courses for the person's company, with their progress."""
    return render_template("learning/index.html", cards=queries.course_cards(current_user, queries.visible_courses(current_org())))


@bp.get("/progress")
@learner_required
def my_progress():  # type: ignore[no-untyped-def]
    """Everything the person has done: per course, per lesson, with scores and dates."""
    courses = queries.visible_courses(current_org())
    sections = []
    for card in queries.course_cards(current_user, courses):
        outline = queries.outline(card.course)
        ids = [l.id for _, lessons in outline for l in lessons]
        sections.append((card, outline, queries.progress_by_lesson(current_user, ids)))
    return render_template("learning/progress.html", sections=sections)


@bp.get("/<course_slug>/")
@learner_required
def course(course_slug: str):  # type: ignore[no-untyped-def]
    """A course's modules and lessons with the person's state for each."""
    course = queries.course_or_404(current_org(), course_slug)
    outline = queries.outline(course)
    ids = [l.id for _, lessons in outline for l in lessons]
    (card,) = queries.course_cards(current_user, [course])
    return render_template(
        "learning/course.html", course=course, outline=outline, card=card,
        progress=queries.progress_by_lesson(current_user, ids),
    )


def _lesson_page(lesson, progress, result=None, status: int = 200):  # type: ignore[no-untyped-def]
    outline = queries.outline(lesson.course)
    previous, following = queries.neighbours(lesson, outline)
    return render_template(
        "learning/lesson.html", lesson=lesson, revision=lesson.current_revision, progress=progress,
        previous=previous, following=following, result=result, form=ConfirmForm(),
    ), status


@bp.get("/<course_slug>/<module_slug>/<lesson_slug>")
@learner_required
def lesson(course_slug: str, module_slug: str, lesson_slug: str):  # type: ignore[no-untyped-def]
    """One lesson. Opening it records that the person started it."""
    lesson = queries.lesson_or_404(current_org(), course_slug, module_slug, lesson_slug)
    opens = cohort_service.lesson_opens_on(current_user, lesson)
    if opens is not None:
        return render_template("learning/locked.html", lesson=lesson, opens=opens)
    page = _lesson_page(lesson, service.progress_for(current_user, lesson))
    # Rendered before the commit, which would expire every loaded row and cost a reload of each.
    commit()
    return page


@bp.post("/<course_slug>/<module_slug>/<lesson_slug>/complete")
@learner_required
def complete(course_slug: str, module_slug: str, lesson_slug: str):  # type: ignore[no-untyped-def]
    """'完了にする' for a reading or workshop."""
    lesson = queries.lesson_or_404(current_org(), course_slug, module_slug, lesson_slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if cohort_service.lesson_opens_on(current_user, lesson) is not None:
        abort(403)
    try:
        service.mark_complete(current_user, lesson)
    except service.NothingToComplete:
        abort(400)
    commit()
    flash(_("Marked as completed."), "info")
    return redirect(url_for("learn.lesson", course_slug=course_slug, module_slug=module_slug, lesson_slug=lesson_slug))


@bp.post("/<course_slug>/<module_slug>/<lesson_slug>/quiz")
@learner_required
def quiz(course_slug: str, module_slug: str, lesson_slug: str):  # type: ignore[no-untyped-def]
    """Score the answers and show the page again with feedback and explanations."""
    lesson = queries.lesson_or_404(current_org(), course_slug, module_slug, lesson_slug)
    if not lesson.has_quiz or not ConfirmForm().validate_on_submit():
        abort(400)
    if cohort_service.lesson_opens_on(current_user, lesson) is not None:
        abort(403)
    answers: dict[int, set[int]] = {}
    for index in range(len(lesson.current_revision.questions)):  # type: ignore[union-attr]
        values = request.form.getlist(f"q{index}")
        answers[index] = {int(v) for v in values if v.isdecimal()}  # "²".isdigit() is True, int("²") fails
    result = service.submit_quiz(current_user, lesson, answers)
    commit()
    return _lesson_page(lesson, service.progress_for(current_user, lesson), result)


@progress_bp.get("/")
@require_org_role(Role.TRAINER, Role.ORG_ADMIN)
def courses_index():  # type: ignore[no-untyped-def]
    """The company's courses, each linking to its progress table."""
    return render_template("learning/courses_index.html", courses=queries.visible_courses(current_org()))


@progress_bp.get("/<course_slug>/progress")
@require_org_role(Role.TRAINER, Role.ORG_ADMIN)
def course_progress(course_slug: str):  # type: ignore[no-untyped-def]
    """Trainers: each member's state in each lesson of one course."""
    course = queries.course_or_404(current_org(), course_slug)
    lessons, rows = queries.course_progress_rows(course)
    return render_template("learning/course_progress.html", course=course, lessons=lessons, rows=rows)


@progress_bp.get("/<course_slug>/progress.csv")
@require_org_role(Role.TRAINER, Role.ORG_ADMIN)
def course_progress_csv(course_slug: str):  # type: ignore[no-untyped-def]
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
