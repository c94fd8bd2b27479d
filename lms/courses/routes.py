"""Course assets, and authoring for trainers: edit with live preview, history, restore, export."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from lms.forms import ConfirmForm, text_of
from lms.accounts.roles import Role
from lms.courses import authoring
from lms.courses.export import export_zip
from lms.courses.forms import LessonEditForm
from lms.courses.models import Course, CourseAsset, Lesson, LessonRevision
from lms.courses.render import render_body, render_questions
from lms.courses.source import CourseSourceError
from lms.extensions import db
from lms.learning.queries import outline
from lms.security import require_role
from lms.transaction import commit

bp = Blueprint("courses", __name__, template_folder="templates")
AUTHORS = (Role.TRAINER, Role.ADMIN)

LESSON_KIND_LABELS = {
    "reading": _l("Reading"), "quiz": _l("Quiz"), "exercise": _l("Exercise"), "workshop": _l("Workshop"),
}


def _problems(exc: CourseSourceError) -> list[str]:
    """Each problem as path:line: message, the message in the UI language (the CLI prints English)."""
    return [f"{e.path}:{e.line}: {e.localized(_)}" for e in exc.errors]


# SVG can carry script: it is served only as a download, in a sandbox, never inline.
_SANDBOX = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


@bp.get("/courses/<slug>/assets/<path:path>")
@login_required
def asset(slug: str, path: str) -> ResponseReturnValue:
    """A file from a course's assets/ folder (looked up by exact stored path: no traversal possible)."""
    row = db.session.scalar(
        sa.select(CourseAsset).join(Course).where(Course.slug == slug, CourseAsset.path == path)
    )
    if row is None:
        abort(404)
    response = Response(row.data, mimetype=row.content_type.split(";")[0])
    if "charset" in row.content_type:
        response.headers["Content-Type"] = row.content_type
    response.headers["Content-Security-Policy"] = _SANDBOX
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.set_etag(row.content_hash)
    if row.content_type.startswith("image/svg") or not row.content_type.startswith(("image/", "text/plain", "application/pdf")):
        response.headers["Content-Disposition"] = "attachment"
    return response.make_conditional(request)


def _course_or_404(slug: str) -> Course:
    return db.one_or_404(sa.select(Course).where(Course.slug == slug))


@bp.get("/authoring/")
@require_role(*AUTHORS)
def authoring_index() -> ResponseReturnValue:
    """Every course in the catalog."""
    courses = db.session.scalars(sa.select(Course).order_by(Course.is_archived, Course.slug))
    return render_template("courses/authoring_index.html", courses=list(courses))


@bp.get("/authoring/<slug>/")
@require_role(*AUTHORS)
def authoring_course(slug: str) -> ResponseReturnValue:
    course = _course_or_404(slug)
    return render_template("courses/authoring_course.html", course=course, outline=outline(course),
                           kind_labels=LESSON_KIND_LABELS)


@bp.route("/authoring/lessons/<int:lesson_id>/edit", methods=["GET", "POST"])
@require_role(*AUTHORS)
def edit_lesson(lesson_id: int) -> ResponseReturnValue:
    """Edit a lesson's file text; saving validates it like sync and keeps the old version."""
    lesson = db.get_or_404(Lesson, lesson_id)
    form = LessonEditForm(raw=lesson.current_revision.raw if lesson.current_revision else "")
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            revision = authoring.save_edit(lesson, text_of(form.raw), actor=current_user)
        except CourseSourceError as exc:
            errors = _problems(exc)
        else:
            commit()
            flash(_("Saved as revision %(n)d.", n=revision.number) if revision else _("No changes to save."), "info")
            return redirect(url_for("courses.edit_lesson", lesson_id=lesson.id))
    return render_template("courses/edit_lesson.html", lesson=lesson, form=form, errors=errors), (400 if errors else 200)


@bp.post("/authoring/lessons/<int:lesson_id>/preview")
@require_role(*AUTHORS)
def preview(lesson_id: int) -> ResponseReturnValue:
    """Live preview: the same renderer and validation as saving, nothing written."""
    lesson = db.get_or_404(Lesson, lesson_id)
    form = LessonEditForm()
    if not form.validate_on_submit():
        return jsonify(html="", errors=form.raw.errors or [_("The form has expired. Reload the page.")]), 400
    try:
        source = authoring.parse_edit(lesson, text_of(form.raw))
    except CourseSourceError as exc:
        return jsonify(html="", errors=_problems(exc))
    html = render_body(source.body, lesson.course.slug)
    questions = render_questions(source.questions, lesson.course.slug)
    quiz = render_template("courses/_quiz_preview.html", questions=questions)
    return jsonify(html=html + quiz, errors=[])


@bp.get("/authoring/lessons/<int:lesson_id>/revisions")
@require_role(*AUTHORS)
def revisions(lesson_id: int) -> ResponseReturnValue:
    lesson = db.get_or_404(Lesson, lesson_id)
    chosen = request.args.get("show", type=int)
    history = authoring.revisions(lesson)
    shown = next((r for r in history if r.number == chosen), None)
    return render_template("courses/revisions.html", lesson=lesson, history=history, shown=shown, form=ConfirmForm())


@bp.post("/authoring/lessons/<int:lesson_id>/revisions/<int:number>/restore")
@require_role(*AUTHORS)
def restore_revision(lesson_id: int, number: int) -> ResponseReturnValue:
    lesson = db.get_or_404(Lesson, lesson_id)
    revision = db.one_or_404(sa.select(LessonRevision).where(LessonRevision.lesson_id == lesson.id, LessonRevision.number == number))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        new = authoring.restore(lesson, revision, actor=current_user)
    except CourseSourceError as exc:
        flash("; ".join(_problems(exc)), "error")
        return redirect(url_for("courses.revisions", lesson_id=lesson.id))
    commit()
    flash(_("Revision %(old)d restored as revision %(new)d.", old=number, new=new.number) if new else _("No changes to save."), "info")
    return redirect(url_for("courses.edit_lesson", lesson_id=lesson.id))


@bp.get("/authoring/<slug>/export.zip")
@require_role(*AUTHORS)
def export(slug: str) -> ResponseReturnValue:
    """The course in the folder format, to commit to git."""
    course = _course_or_404(slug)
    return Response(
        export_zip(course), mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{course.slug}.zip"'},
    )
