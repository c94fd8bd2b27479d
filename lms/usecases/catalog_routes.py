"""The provider's own case catalog as a spreadsheet, for platform staff: `/authoring/cases/`.

Upload → preview (counts, first rows, every problem by row and column) →
confirm, all or nothing; export to the same template; the template file.
Views load, check, make one service call and render.
"""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from lms.accounts.roles import Role
from lms.extensions import db
from lms.security import require_role
from lms.transaction import commit
from lms.usecases import catalog, catalog_import
from lms.usecases.catalog import CatalogFileError
from lms.usecases.catalog_forms import CatalogConfirmForm, CatalogUploadForm
from lms.usecases.models import CatalogImport

bp = Blueprint("catalog", __name__, template_folder="templates", url_prefix="/authoring/cases")
STAFF = (Role.TRAINER, Role.ADMIN)


def _problems(exc: CatalogFileError) -> list[str]:
    return [p.localized(_) for p in exc.problems]


def _download(data: bytes, filename: str, mimetype: str) -> Response:
    disposition = f"attachment; filename=\"{filename.encode('ascii', 'replace').decode()}\"; filename*=UTF-8''{quote(filename)}"
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": disposition})


@bp.route("/", methods=["GET", "POST"])
@require_role(*STAFF)
def index() -> ResponseReturnValue:
    """The spreadsheet catalog: upload a file (checked, nothing saved until confirmed), downloads."""
    form = CatalogUploadForm()
    problems: list[str] = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            staged = catalog_import.stage_import(upload.read(), upload.filename or "", actor=current_user)
        except CatalogFileError as exc:
            problems = _problems(exc)
        else:
            commit()
            return redirect(url_for("catalog.preview", import_id=staged.id))
    return render_template("usecases/catalog_index.html", form=form, problems=problems, counts=catalog_import.live_counts(),
                           columns=catalog.COLUMNS), (400 if problems else 200)


@bp.route("/import/<int:import_id>", methods=["GET", "POST"])
@require_role(*STAFF)
def preview(import_id: int) -> ResponseReturnValue:
    """What the import will do; confirming writes all of it or none of it."""
    staged = db.get_or_404(CatalogImport, import_id)
    form = CatalogConfirmForm()
    problems: list[str] = []
    if form.validate_on_submit() and staged.applied_at is None:
        try:
            summary = catalog_import.apply_import(staged, actor=current_user,
                                                  archive_missing=bool(form.archive_missing.data))
        except CatalogFileError as exc:
            db.session.rollback()
            problems = _problems(exc)
        else:
            commit()
            flash(_("Imported: %(created)d added, %(updated)d updated, %(unchanged)d unchanged, %(archived)d archived.",
                    created=summary.created, updated=summary.updated, unchanged=summary.unchanged,
                    archived=summary.archived), "info")
            return redirect(url_for("catalog.index"))
    return render_template("usecases/catalog_preview.html", staged=staged, form=form, problems=problems), (
        400 if problems else 200)


@bp.get("/export.<kind>")
@require_role(*STAFF)
def export(kind: str) -> ResponseReturnValue:
    """The spreadsheet catalog (with ?all=1 every live case, file cases included, for reading) as XLSX or CSV."""
    every_case = request.args.get("all") == "1"
    rows = catalog_import.export_rows(every_case=every_case)
    name = "usecases-all" if every_case else "usecases-catalog"
    if kind == "csv":
        return _download(catalog_import.csv_bytes(rows), f"{name}.csv", "text/csv")
    if kind == "xlsx":
        return _download(catalog_import.xlsx_bytes(rows), f"{name}.xlsx", catalog_import.XLSX_MIMETYPE)
    return Response(status=404)


@bp.get("/template.xlsx")
@require_role(*STAFF)
def template() -> ResponseReturnValue:
    """The column template: the header row and one example row."""
    return _download(catalog_import.template_xlsx(), "usecases-template.xlsx", catalog_import.XLSX_MIMETYPE)
