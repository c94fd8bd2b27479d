"""A company's AI-usage telemetry: upload a vendor export, check the preview, confirm (org admins)."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from lms.accounts.roles import Role
from lms.extensions import db
from lms.forms import ConfirmForm
from lms.security import require_org_role
from lms.tenancy import current_org, get_in_org_or_404, org_blueprint
from lms.transaction import commit
from lms.usage import service
from lms.usage.forms import UsageColumnsForm, UsageMappingForm, UsageUploadForm, column_choices, source_choices
from lms.usage.messages import problem_message, source_label
from lms.usage.models import UsageImport, UsageMapping
from lms.usage.sources import ColumnMapping, UsageFileError

bp = org_blueprint("usage", __name__, "/usage")


@bp.route("/", methods=["GET", "POST"])
@require_org_role(Role.ORG_ADMIN)
def upload() -> ResponseReturnValue:
    """Upload a vendor's usage export; problems with the file are listed and nothing is kept."""
    form = UsageUploadForm()
    form.source.choices = source_choices()
    problems: list[str] = []
    if form.validate_on_submit():
        upload_file = form.file.data
        data, filename = upload_file.read(), upload_file.filename or ""
        try:
            staged = service.stage_import(current_org(), data, filename, form.source.data, actor=current_user)
        except UsageFileError as exc:
            if not service.wants_columns(exc, form.source.data):
                problems = [problem_message(service.problem_dict(p)) for p in exc.problems]
            else:
                try:
                    staged = service.stage_unmapped(current_org(), data, filename, actor=current_user,
                                                    hint=exc.problems[0])
                except UsageFileError as again:
                    problems = [problem_message(service.problem_dict(p)) for p in again.problems]
                else:
                    commit()
                    return redirect(url_for("usage.columns", usage_import_id=staged.id))
        else:
            commit()
            return redirect(url_for("usage.preview", usage_import_id=staged.id))
    return render_template("usage/upload.html", form=form, problems=problems,
                           imports=service.recent_imports(current_org()), source_label=source_label,
                           mappings=service.saved_mappings(current_org()), kept_days=service.STAGED_KEPT_DAYS,
                           ), (400 if problems else 200)


@bp.route("/<int:usage_import_id>", methods=["GET", "POST"])
@require_org_role(Role.ORG_ADMIN)
def preview(usage_import_id: int) -> ResponseReturnValue:
    """What an import will do; confirming writes all of it or none of it."""
    staged = get_in_org_or_404(UsageImport, usage_import_id)
    form = ConfirmForm()
    problems = [problem_message(p) for p in staged.summary["problems"]]
    if form.validate_on_submit() and staged.status == UsageImport.STAGED and not problems:
        try:
            result = service.apply_import(current_org(), staged, actor=current_user)
        except UsageFileError as exc:
            db.session.rollback()
            problems = [problem_message(service.problem_dict(p)) for p in exc.problems]
        else:
            commit()
            if result.nothing_new:
                flash(_("Nothing new: every week in this file had already been imported."), "info")
            else:
                flash(_("Imported: %(new)d new and %(changed)d updated weeks.", new=result.new,
                        changed=result.changed), "info")
            return redirect(url_for("usage.upload"))
    return render_template("usage/preview.html", staged=staged, form=form, problems=problems,
                           source_label=source_label(staged.source))


@bp.route("/<int:usage_import_id>/columns", methods=["GET", "POST"])
@require_org_role(Role.ORG_ADMIN)
def columns(usage_import_id: int) -> ResponseReturnValue:
    """A file in no vendor's format: pick its email, date and activity columns once; the choice is saved."""
    staged = get_in_org_or_404(UsageImport, usage_import_id)
    if staged.status != UsageImport.UNMAPPED:
        return redirect(url_for("usage.preview", usage_import_id=staged.id))
    form = UsageColumnsForm()
    form.email.choices = column_choices(staged.headers)
    form.date.choices = column_choices(staged.headers)
    form.activity.choices = column_choices(staged.headers, _("(none: every row is a day of use)"))
    problems: list[str] = []
    if form.validate_on_submit():
        mapping = ColumnMapping(form.email.data or "", form.date.data or "", form.activity.data or "")
        try:
            service.map_columns(current_org(), staged, mapping, actor=current_user)
        except UsageFileError as exc:
            db.session.rollback()
            problems = [problem_message(service.problem_dict(p)) for p in exc.problems]
        else:
            commit()
            return redirect(url_for("usage.preview", usage_import_id=staged.id))
    hint = staged.summary.get("hint")
    return render_template("usage/columns.html", staged=staged, form=form, problems=problems,
                           sample=staged.raw_rows[:3], hint=problem_message(hint) if hint else None)


@bp.route("/<int:usage_import_id>/delete", methods=["GET", "POST"])
@require_org_role(Role.ORG_ADMIN)
def delete(usage_import_id: int) -> ResponseReturnValue:
    """Delete an import after a confirm step; an applied one takes the usage it added out of the figures."""
    doomed = get_in_org_or_404(UsageImport, usage_import_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        filename = doomed.filename
        service.delete_import(current_org(), doomed, actor=current_user)
        commit()
        flash(_("The import “%(name)s” is deleted.", name=filename), "info")
        return redirect(url_for("usage.upload"))
    return render_template("usage/delete.html", doomed=doomed, form=form, source_label=source_label(doomed.source))


@bp.route("/mappings/<int:mapping_id>", methods=["GET", "POST"])
@require_org_role(Role.ORG_ADMIN)
def mapping(mapping_id: int) -> ResponseReturnValue:
    """Change a saved column choice (the three column names), or delete it."""
    saved = get_in_org_or_404(UsageMapping, mapping_id)
    form = UsageMappingForm(data={"email": saved.email_column, "date": saved.date_column,
                                  "activity": saved.activity_column})
    if form.validate_on_submit():
        columns = ColumnMapping(form.email.data or "", form.date.data or "", form.activity.data or "")
        try:
            service.update_mapping(current_org(), saved, columns, actor=current_user)
        except service.MappingTaken:
            form.email.errors = [*form.email.errors, _(
                "A saved column choice with these three columns already exists. Change one of them, or delete "
                "this one instead.")]
        else:
            commit()
            flash(_("The column choice is saved."), "info")
            return redirect(url_for("usage.upload"))
    return render_template("usage/mapping.html", saved=saved, form=form, delete_form=ConfirmForm(formdata=None)), (
        422 if form.errors else 200)


@bp.post("/mappings/<int:mapping_id>/delete")
@require_org_role(Role.ORG_ADMIN)
def delete_mapping(mapping_id: int) -> ResponseReturnValue:
    saved = get_in_org_or_404(UsageMapping, mapping_id)
    if ConfirmForm().validate_on_submit():
        service.delete_mapping(current_org(), saved, actor=current_user)
        commit()
        flash(_("The column choice is deleted. Files in that format will ask for their columns again."), "info")
    return redirect(url_for("usage.upload"))
