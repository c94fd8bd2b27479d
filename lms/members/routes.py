"""A company's roster: members, departments, invitations and bulk import."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from lms.accounts.service import EmailTaken
from lms.members import roster, service
from lms.members.forms import DepartmentForm, InviteForm, MemberForm, RosterUploadForm, company_role_choices
from lms.forms import ConfirmForm, add_error, text_of, values_of
from lms.accounts.models import RosterImport, User
from lms.accounts.roles import Role
from lms.members.roster_file import RosterFileError
from lms.extensions import db
from lms.members import queries
from lms.members.messages import roster_problem_message
from lms.orgs.models import Department
from lms.security import require_org_role
from lms.tenancy import current_org, current_org_roles, get_in_org_or_404, org_blueprint
from lms.transaction import commit

bp = org_blueprint("members", __name__, "/members")

VIEWERS = (Role.ORG_ADMIN, Role.TRAINER)


def _department_or_none(department_id: int) -> Department | None:
    return get_in_org_or_404(Department, department_id) if department_id else None


@bp.get("/")
@require_org_role(*VIEWERS)
def index() -> ResponseReturnValue:
    """The company's people, searchable and paged."""
    page = max(request.args.get("page", 1, type=int), 1)
    search = request.args.get("q", "")[:100]
    members, total = queries.members_page(page, search)
    return render_template(
        "members/index.html", members=members, total=total, page=page, search=search,
        page_size=queries.PAGE_SIZE, can_manage=Role.ORG_ADMIN in current_org_roles(),
    )


@bp.route("/invite", methods=["GET", "POST"])
@require_org_role(Role.ORG_ADMIN)
def invite() -> ResponseReturnValue:
    """Invite one person by email."""
    form = InviteForm()
    form.department_id.choices = queries.department_choices(_("(none)"))
    form.roles.choices = company_role_choices()
    if form.validate_on_submit():
        department = _department_or_none(form.department_id.data)
        member = service.MemberInput(
            name=text_of(form.display_name), email=text_of(form.email),
            department=department.name if department else None,
            roles=frozenset(Role(r) for r in values_of(form.roles)),
        )
        try:
            service.invite_member(current_org(), member, actor=current_user)
        except EmailTaken:
            add_error(form.email, _("This email address already has an account."))
        else:
            commit()
            flash(_("Invitation sent to %(email)s.", email=member.email), "info")
            return redirect(url_for("members.index"))
    return render_template("members/invite.html", form=form)


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@require_org_role(Role.ORG_ADMIN)
def edit(user_id: int) -> ResponseReturnValue:
    """Change a member's name, department, roles or access."""
    member = get_in_org_or_404(User, user_id)
    form = MemberForm(obj=member, department_id=member.department_id or 0, roles=[r.value for r in member.company_roles])
    form.department_id.choices = queries.department_choices(_("(none)"))
    form.roles.choices = company_role_choices()
    if form.validate_on_submit():
        roles = frozenset(Role(r) for r in values_of(form.roles))
        if member.id == current_user.id and (Role.ORG_ADMIN not in roles or not form.is_active.data):
            add_error(form.roles, _("You cannot remove your own administrator role or deactivate yourself."))
        else:
            service.update_member(
                member, name=text_of(form.display_name), department=_department_or_none(form.department_id.data),
                roles=roles, is_active=form.is_active.data, actor=current_user,
            )
            commit()
            flash(_("Saved."), "info")
            return redirect(url_for("members.index"))
    return render_template("members/edit.html", form=form, member=member, resend_form=ConfirmForm())


@bp.post("/<int:user_id>/resend-invitation")
@require_org_role(Role.ORG_ADMIN)
def resend_invitation(user_id: int) -> ResponseReturnValue:
    member = get_in_org_or_404(User, user_id)
    if ConfirmForm().validate_on_submit() and not member.has_password:
        service.send_invitation(member, actor=current_user)
        commit()
        flash(_("Invitation sent to %(email)s.", email=member.email), "info")
    return redirect(url_for("members.edit", user_id=member.id))


@bp.route("/departments", methods=["GET", "POST"])
@require_org_role(*VIEWERS)
def departments() -> ResponseReturnValue:
    """List departments and add one."""
    form = DepartmentForm()
    can_manage = Role.ORG_ADMIN in current_org_roles()
    if can_manage and form.validate_on_submit():
        try:
            service.add_department(current_org(), text_of(form.name), actor=current_user)
        except ValueError:
            add_error(form.name, _("A department with this name already exists."))
        else:
            commit()
            flash(_("Department added."), "info")
            return redirect(url_for("members.departments"))
    return render_template(
        "members/departments.html", form=form, departments=queries.departments(),
        counts=queries.department_member_counts(), can_manage=can_manage,
    )


@bp.route("/import", methods=["GET", "POST"])
@require_org_role(Role.ORG_ADMIN)
def import_upload() -> ResponseReturnValue:
    """Upload a roster file; problems are listed by row and column, nothing is saved."""
    form = RosterUploadForm()
    problems: list[str] = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            staged = roster.stage_roster(current_org(), upload.read(), upload.filename or "", actor=current_user)
        except RosterFileError as exc:
            problems = [roster_problem_message(p) for p in exc.problems]
        else:
            commit()
            return redirect(url_for("members.import_preview", import_id=staged.id))
    return render_template("members/import_upload.html", form=form, problems=problems), (400 if problems else 200)


@bp.route("/import/<int:import_id>", methods=["GET", "POST"])
@require_org_role(Role.ORG_ADMIN)
def import_preview(import_id: int) -> ResponseReturnValue:
    """Show what an import will do; confirming applies all of it or none of it."""
    staged = get_in_org_or_404(RosterImport, import_id)
    form = ConfirmForm()
    problems: list[str] = []
    if form.validate_on_submit() and staged.applied_at is None:
        try:
            summary = roster.apply_roster(current_org(), staged, actor=current_user)
        except RosterFileError as exc:
            db.session.rollback()
            problems = [roster_problem_message(p) for p in exc.problems]
        else:
            commit()
            flash(
                _("Imported: %(created)d added, %(updated)d updated. Invitations have been sent.",
                  created=summary.created, updated=summary.updated),
                "info",
            )
            return redirect(url_for("members.index"))
    return render_template(
        "members/import_preview.html", staged=staged, form=form, problems=problems,
        new_departments=roster.new_department_names(current_org(), staged),
    )
