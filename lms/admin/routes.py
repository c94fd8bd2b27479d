"""Provider administration: client companies, staff, trainer assignments, audit log, outbox."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from lms.accounts import service as accounts
from lms.forms import ConfirmForm, add_error, text_of
from lms.accounts.models import User, UserRole
from lms.accounts.roles import Role
from lms.admin import service
from lms.admin.forms import AssignTrainerForm, OrganizationForm, StaffForm
from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.forms import SelectChoice, choices
from lms.mail.models import EmailMessage
from lms.core.vocab import PREFECTURES
from lms.orgs.models import Organization
from lms.security import require_role
from lms.transaction import commit
from lms.tenancy import owned_by
from lms.usecases import stats as usecase_stats

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")
PAGE_SIZE = 50


def _prefecture_choices() -> list[SelectChoice]:
    ja = str(get_locale()) == "ja"
    return choices((code, name_ja if ja else name_en) for code, name_ja, name_en in PREFECTURES)


@bp.get("/")
@require_role(Role.ADMIN)
def index() -> ResponseReturnValue:
    """Client companies with their head counts."""
    return render_template("admin/index.html", rows=service.organizations_with_counts())


@bp.route("/orgs/new", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def new_org() -> ResponseReturnValue:
    form = OrganizationForm()
    form.prefecture.choices = _prefecture_choices()
    if form.validate_on_submit():
        org = service.create_organization(
            name=text_of(form.name), industry=form.industry.data, employee_band=form.employee_band.data,
            prefecture=form.prefecture.data, actor=current_user,
        )
        commit()
        flash(_("Company “%(name)s” created.", name=org.name), "info")
        return redirect(url_for("admin.org", org_id=org.id))
    return render_template("admin/org_form.html", form=form, org=None)


def _org_or_404(org_id: int) -> Organization:
    return db.get_or_404(Organization, org_id)


@bp.route("/orgs/<int:org_id>", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def org(org_id: int) -> ResponseReturnValue:
    """Edit a company and its trainer assignments."""
    org = _org_or_404(org_id)
    form = OrganizationForm(obj=org)
    form.prefecture.choices = _prefecture_choices()
    if form.validate_on_submit():
        service.update_organization(
            org, name=text_of(form.name), industry=form.industry.data, employee_band=form.employee_band.data,
            prefecture=form.prefecture.data, actor=current_user,
        )
        commit()
        flash(_("Saved."), "info")
        return redirect(url_for("admin.org", org_id=org.id))
    assign_form = AssignTrainerForm()
    assign_form.trainer_id.choices = choices((t.id, f"{t.display_name} <{t.email}>") for t in service.trainers())
    return render_template(
        "admin/org.html", org=org, form=form, assign_form=assign_form,
        assigned=service.assigned_trainers(org), unassign_form=ConfirmForm(),
    )


@bp.post("/orgs/<int:org_id>/trainers")
@require_role(Role.ADMIN)
def assign_trainer(org_id: int) -> ResponseReturnValue:
    org = _org_or_404(org_id)
    form = AssignTrainerForm()
    form.trainer_id.choices = choices((t.id, t.email) for t in service.trainers())
    if form.validate_on_submit():
        trainer = db.get_or_404(User, form.trainer_id.data)
        service.assign_trainer(org, trainer, actor=current_user)
        commit()
        flash(_("Trainer assigned."), "info")
    else:
        flash(" ".join(form.trainer_id.errors), "error")
    return redirect(url_for("admin.org", org_id=org.id))


@bp.post("/orgs/<int:org_id>/trainers/<int:trainer_id>/remove")
@require_role(Role.ADMIN)
def unassign_trainer(org_id: int, trainer_id: int) -> ResponseReturnValue:
    org = _org_or_404(org_id)
    if ConfirmForm().validate_on_submit():
        service.unassign_trainer(org, db.get_or_404(User, trainer_id), actor=current_user)
        commit()
        flash(_("Trainer removed from this company."), "info")
    return redirect(url_for("admin.org", org_id=org.id))


@bp.route("/staff", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def staff() -> ResponseReturnValue:
    """Provider staff: trainers and administrators; new staff are invited by email."""
    form = StaffForm()
    if form.validate_on_submit():
        try:
            service.invite_staff(
                name=text_of(form.display_name), email=text_of(form.email), role=Role(form.role.data), actor=current_user
            )
        except accounts.EmailTaken:
            add_error(form.email, _("This email address already has an account."))
        else:
            commit()
            flash(_("Invitation sent to %(email)s.", email=form.email.data), "info")
            return redirect(url_for("admin.staff"))
    people = db.session.scalars(
        sa.select(User).join(UserRole).where(UserRole.role.in_([Role.ADMIN.value, Role.TRAINER.value]))
        .distinct().order_by(*User.name_order())
    )
    return render_template("admin/staff.html", form=form, people=list(people))


@bp.get("/audit")
@require_role(Role.ADMIN)
def audit() -> ResponseReturnValue:
    """The audit log, newest first, optionally for one company."""
    page = max(request.args.get("page", 1, type=int), 1)
    org_id = request.args.get("org", type=int)
    stmt = sa.select(AuditEvent)
    if org_id:
        stmt = stmt.where(owned_by(AuditEvent, org_id))
    events = list(db.session.scalars(
        stmt.order_by(AuditEvent.id.desc()).limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)
    ))
    return render_template(
        "admin/audit.html", events=events[:PAGE_SIZE], has_next=len(events) > PAGE_SIZE, page=page,
        orgs=service.organizations_by_id(), org_id=org_id,
    )


@bp.get("/usecases")
@require_role(Role.ADMIN)
def usecases() -> ResponseReturnValue:
    """The most adopted use cases across client companies: aggregates only, never a company or a person."""
    return render_template("admin/usecases.html", rows=usecase_stats.provider_top_cases())


@bp.get("/mail")
@require_role(Role.ADMIN)
def outbox() -> ResponseReturnValue:
    """Every message the system sent or holds, newest first."""
    page = max(request.args.get("page", 1, type=int), 1)
    rows = list(
        db.session.scalars(
            sa.select(EmailMessage).order_by(EmailMessage.id.desc()).limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)
        )
    )
    return render_template("admin/outbox.html", messages=rows[:PAGE_SIZE], has_next=len(rows) > PAGE_SIZE, page=page)


@bp.get("/mail/<int:message_id>")
@require_role(Role.ADMIN)
def mail_message(message_id: int) -> ResponseReturnValue:
    message = db.session.get(EmailMessage, message_id) or abort(404)
    return render_template("admin/mail_message.html", message=message)
