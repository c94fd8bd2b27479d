"""Cohort pages for trainers and company admins; calendar feeds, notification settings, unsubscribe."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date, gettext as _
from flask_login import current_user, login_required

from lms.forms import ConfirmForm, number_of
from lms.accounts.models import TrainerAssignment, User, UserRole
from lms.accounts.roles import Role
from lms.cohorts import attendance, hours, hours_export, ical, jobs, queries, service
from lms.cohorts.forms import (
    AddMembersForm, CohortForm, MeetingUrlForm, NotificationsForm, NudgeForm, ReminderSettingsForm,
)
from lms.cohorts.models import Cohort
from lms.csvexport import workbook_response
from lms.mail.links import PREFERENCES, read_unsubscribe_token
from lms.courses.models import CourseModule
from lms.extensions import csrf, db
from lms.learning.queries import visible_courses
from lms.llm import routes as llm_routes
from lms.members import queries as org_queries
from lms.security import require_org_role
from lms.tenancy import current_org, current_org_roles, get_in_org_or_404, org_blueprint, owned_by, scoped
from lms.transaction import commit
from lms.core import clock

PREFERENCE_FIELDS = frozenset(PREFERENCES.values())

bp = org_blueprint("cohorts", __name__, "/cohorts")
public_bp = Blueprint("cohort_feeds", __name__, template_folder="templates")

RUNNERS = (Role.TRAINER, Role.ORG_ADMIN)


def _people() -> list[User]:
    return list(db.session.scalars(
        scoped(sa.select(User)).join(UserRole).where(User.is_active.is_(True), UserRole.role == Role.EMPLOYEE.value)
        .order_by(*User.name_order())
    ))


def _fill_choices(form: CohortForm) -> None:
    org = current_org()
    form.course_ids.choices = [(c.id, c.title) for c in visible_courses(org)]
    form.department_ids.choices = [(d.id, d.name) for d in org_queries.departments()]
    form.member_ids.choices = [(u.id, u.display_name) for u in _people()]
    trainers = db.session.scalars(
        sa.select(User).join(TrainerAssignment, TrainerAssignment.trainer_id == User.id)
        .where(owned_by(TrainerAssignment, org)).order_by(*User.name_order())
    )
    form.trainer_ids.choices = [(t.id, t.display_name) for t in trainers]


@bp.get("/")
@require_org_role(*RUNNERS)
def index() -> ResponseReturnValue:
    cohorts = list(db.session.scalars(scoped(sa.select(Cohort)).order_by(Cohort.start_date.desc(), Cohort.id.desc())))
    day = clock.today()
    # The AI-model card is for the company's administrators only (lms.llm.routes).
    llm = llm_routes.settings_context(current_org()) if Role.ORG_ADMIN in current_org_roles() else {}
    return render_template("cohorts/index.html", cohorts=[(c, service.calendar_of(c), day) for c in cohorts],
                           settings=_settings_form(), keeps_hours=any(_keeps_hours(c) for c in cohorts), **llm)


def _settings_form() -> ReminderSettingsForm:
    return ReminderSettingsForm(obj=current_org())


@bp.post("/settings")
@require_org_role(Role.ORG_ADMIN, Role.TRAINER)
def settings() -> ResponseReturnValue:
    """The company's reminder day and hour."""
    form = _settings_form()
    if not form.validate_on_submit():
        flash(_("The reminder settings were not saved: %(errors)s",
                errors=" ".join(e for errs in form.errors.values() for e in errs)), "error")
        return redirect(url_for("cohorts.index"))
    service.save_reminder_settings(current_org(), number_of(form.reminder_weekday), number_of(form.reminder_hour),
                                   actor=current_user)
    commit()
    flash(_("Reminder settings saved."), "info")
    return redirect(url_for("cohorts.index"))


@bp.route("/new", methods=["GET", "POST"])
@require_org_role(*RUNNERS)
def new() -> ResponseReturnValue:
    form = CohortForm()
    _fill_choices(form)
    if request.method == "GET" and Role.TRAINER in current_user.roles:
        form.trainer_ids.data = [current_user.id]
    if form.validate_on_submit():
        draft = service.CohortDraft(
            name=form.name.data or "", course_ids=form.course_ids.data or [], start_date=form.start_date.data,
            session_weekday=form.session_weekday.data, session_time=form.session_time.data,
            session_minutes=form.session_minutes.data or 0, member_ids=form.member_ids.data or [],
            department_ids=form.department_ids.data or [], trainer_ids=form.trainer_ids.data or [],
            meeting_url=form.meeting_url.data or "",
        )
        try:
            cohort = service.create_cohort(current_org(), draft, actor=current_user)
        except service.CohortInvalid as invalid:
            db.session.rollback()
            for name, message in invalid.errors.items():
                getattr(form, name).errors = [message]
        else:
            commit()
            flash(_("The cohort was created."), "info")
            _warn_days_off(cohort)
            return redirect(url_for("cohorts.show", cohort_id=cohort.id))
    return render_template("cohorts/new.html", form=form), 422 if form.errors else 200


def _warn_days_off(cohort: Cohort) -> None:
    """A warning, not a refusal: some companies do train on holidays."""
    off = service.sessions_on_days_off(cohort)
    if off:
        flash(_("%(n)d sessions fall on public holidays or the New Year break: %(dates)s. "
                "Check that the members can attend, or hold those sessions on another day.",
                n=len(off), dates=", ".join(format_date(start, "medium") for _w, start, _why in off)), "warning")


@bp.get("/<int:cohort_id>/")
@require_org_role(*RUNNERS)
def show(cohort_id: int, meeting_form: MeetingUrlForm | None = None) -> ResponseReturnValue:
    """Follow-up: members × modules, who is behind, quiz results, last activity."""
    cohort = get_in_org_or_404(Cohort, cohort_id)
    report = queries.follow_up(cohort)
    members = {r.user.id for r in report.rows}
    add_form = AddMembersForm()
    add_form.member_ids.choices = [(u.id, u.display_name) for u in _people() if u.id not in members]
    return render_template(
        "cohorts/show.html", cohort=cohort, report=report, calendar=service.calendar_of(cohort),
        keeps_hours=_keeps_hours(cohort),
        add_form=add_form, confirm=ConfirmForm(), today=clock.today(),
        days_off={week: why for week, _start, why in service.sessions_on_days_off(cohort)},
        meeting_form=meeting_form or MeetingUrlForm(formdata=None, meeting_url=cohort.meeting_url or ""),
    )


@bp.post("/<int:cohort_id>/meeting-url")
@require_org_role(*RUNNERS)
def meeting_url(cohort_id: int) -> ResponseReturnValue:
    """Sets, changes or clears the link of the weekly session."""
    cohort = get_in_org_or_404(Cohort, cohort_id)
    form = MeetingUrlForm()
    if form.validate_on_submit():
        try:
            service.set_meeting_url(cohort, form.meeting_url.data or "", actor=current_user)
        except service.CohortInvalid as invalid:
            db.session.rollback()
            form.meeting_url.errors = [invalid.errors["meeting_url"]]
        else:
            commit()
            flash(_("The meeting URL was saved."), "info")
            return redirect(url_for("cohorts.show", cohort_id=cohort.id))
    return show(cohort_id, meeting_form=form), 422


@bp.post("/<int:cohort_id>/members")
@require_org_role(*RUNNERS)
def add_members(cohort_id: int) -> ResponseReturnValue:
    cohort = get_in_org_or_404(Cohort, cohort_id)
    form = AddMembersForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        added = service.add_employees(cohort, set(form.member_ids.data or []), actor=current_user)
    except service.CohortInvalid as invalid:
        db.session.rollback()
        flash(invalid.errors["member_ids"], "error")
        return redirect(url_for("cohorts.show", cohort_id=cohort.id))
    commit()
    flash(_("%(n)d people were added; they start at this week.", n=added), "info")
    return redirect(url_for("cohorts.show", cohort_id=cohort.id))


@bp.post("/<int:cohort_id>/modules/<int:module_id>/open")
@require_org_role(*RUNNERS)
def open_module(cohort_id: int, module_id: int) -> ResponseReturnValue:
    cohort = get_in_org_or_404(Cohort, cohort_id)
    module = db.session.get(CourseModule, module_id)
    if module is None or module.course_id not in {c.course_id for c in cohort.courses}:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if service.open_module_early(cohort, module, current_user):
        commit()
        flash(_("“%(module)s” is open for this cohort now.", module=module.title), "info")
    return redirect(url_for("cohorts.show", cohort_id=cohort.id))


@bp.route("/<int:cohort_id>/nudge", methods=["GET", "POST"])
@require_org_role(*RUNNERS)
def nudge(cohort_id: int) -> ResponseReturnValue:
    """Preview, then send, a reminder to the members behind this week's pace."""
    cohort = get_in_org_or_404(Cohort, cohort_id)
    report = queries.follow_up(cohort)
    behind = report.behind
    form = NudgeForm()
    if form.validate_on_submit() and request.form.get("send") and behind:
        jobs.nudge(cohort, behind, report.week, note=form.note.data or "", sender=current_user)
        commit()
        flash(_("A reminder was sent to %(n)d people.", n=len(behind)), "info")
        return redirect(url_for("cohorts.show", cohort_id=cohort.id))
    preview = None
    if behind:
        preview = render_template("mail/reminder.txt", link="…", unsubscribe_url="…", **jobs.reminder_context(
            cohort, behind[0], report.week, note=form.note.data or "", sender=current_user))
    return render_template("cohorts/nudge.html", cohort=cohort, behind=behind, form=form, preview=preview)


# --- attendance and the training-hours report ----------------------------------------------


def _keeps_hours(cohort: Cohort) -> bool:
    """Attendance and training hours are for the cohort's own trainers and the company's admins."""
    roles = current_org_roles()
    return Role.ORG_ADMIN in roles or (Role.TRAINER in roles and cohort.is_run_by(current_user.id))


def _hours_cohort(cohort_id: int) -> Cohort:
    """:raise 404: another company's or a missing cohort. :raise 403: a trainer of another cohort."""
    cohort = get_in_org_or_404(Cohort, cohort_id)
    if not _keeps_hours(cohort):
        abort(403)
    return cohort


@bp.get("/<int:cohort_id>/attendance")
@require_org_role(*RUNNERS)
def attendance_sheet(cohort_id: int, posted: bool = False) -> ResponseReturnValue:
    """Sessions × members: who attended, and how long each session ran (as posted, after a refusal)."""
    cohort = _hours_cohort(cohort_id)
    sheet = attendance.sheet_of(cohort)
    if posted:
        sheet = sheet.as_posted(request.form, request.form.getlist(attendance.PRESENT_FIELD))
    return render_template("cohorts/attendance.html", cohort=cohort, sheet=sheet,
                           confirm=ConfirmForm(), minutes_field=attendance.MINUTES_FIELD,
                           days_off={start.date(): why for _w, start, why in service.sessions_on_days_off(cohort)})


@bp.post("/<int:cohort_id>/attendance")
@require_org_role(*RUNNERS)
def save_attendance(cohort_id: int) -> ResponseReturnValue:
    """Saves the whole sheet: the shown sessions' attendance becomes exactly what was ticked."""
    cohort = _hours_cohort(cohort_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        sheet = attendance.read_sheet(request.form, request.form.getlist(attendance.PRESENT_FIELD))
        saved = attendance.save_attendance(cohort, sheet, actor=current_user)
    except attendance.AttendanceInvalid as invalid:
        db.session.rollback()
        flash(_("Nothing was saved: %(problem)s", problem=str(invalid)), "error")
        return attendance_sheet(cohort_id, posted=True), 422
    commit()
    flash(_("Attendance saved.") if saved.anything else _("Attendance saved; nothing had changed."), "info")
    return redirect(url_for("cohorts.attendance_sheet", cohort_id=cohort.id))


@bp.get("/<int:cohort_id>/hours")
@require_org_role(*RUNNERS)
def hours_report(cohort_id: int) -> ResponseReturnValue:
    """The printable training-hours record: per trainee, lessons, exercises and sessions against 10 hours."""
    cohort = _hours_cohort(cohort_id)
    return render_template("cohorts/hours.html", report=hours.build(cohort), text=hours_export, line=hours.LINE_MINUTES)


@bp.get("/<int:cohort_id>/hours.xlsx")
@require_org_role(*RUNNERS)
def hours_workbook(cohort_id: int) -> ResponseReturnValue:
    """The same record as an Excel workbook, one sheet with a header block."""
    cohort = _hours_cohort(cohort_id)
    report = hours.build(cohort)
    name = _("Training hours %(cohort)s", cohort=cohort.name)
    return workbook_response(hours_export.sheets([report]), f"{name}.xlsx", title=name)


@bp.get("/hours.xlsx")
@require_org_role(*RUNNERS)
def hours_workbook_all() -> ResponseReturnValue:
    """Every cohort's record the person keeps (all of the company's for its admins), a sheet per cohort.

    :raise 404: when there is none.
    """
    cohorts = [c for c in db.session.scalars(scoped(sa.select(Cohort)).order_by(Cohort.start_date.desc(), Cohort.id.desc()))
               if _keeps_hours(c)]
    if not cohorts:
        abort(404)
    name = _("Training hours %(cohort)s", cohort=current_org().name)
    return workbook_response(hours_export.sheets(hours.build(c) for c in cohorts), f"{name}.xlsx", title=name)


# --- per person: calendar feed, notification settings, unsubscribe ----------------------------


def _notifications_form(*, stored: bool = False) -> NotificationsForm:
    """The person's mail choices; `stored` shows what is saved even when the request posted another form.

    Without `formdata=None`, WTForms reads the unticked boxes of a POST that
    only carried a CSRF token (the calendar buttons) as "off", and the next
    save would turn every mail off. The executive digest is offered only to executives.
    """
    form = NotificationsForm(formdata=None, obj=current_user) if stored else NotificationsForm(obj=current_user)
    if not current_user.has_role(Role.EXECUTIVE):
        del form.notify_digest
    return form


def _notifications_page(form: NotificationsForm, feed_url: str | None = None) -> str:
    return render_template("cohorts/notifications.html", form=form, confirm=ConfirmForm(),
                           has_feed=current_user.calendar_token_hash is not None, feed_url=feed_url)


@public_bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def notifications() -> ResponseReturnValue:
    form = _notifications_form()
    if form.validate_on_submit():
        service.save_notifications(current_user, {k: v for k, v in form.data.items() if k in PREFERENCE_FIELDS})
        commit()
        flash(_("Your mail settings were saved."), "info")
        return redirect(url_for("cohort_feeds.notifications"))
    return _notifications_page(form)


@public_bp.post("/account/calendar")
@login_required
def calendar_token() -> ResponseReturnValue:
    """A new secret feed URL (shown once) or, with revoke, none."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if request.form.get("revoke"):
        ical.revoke(current_user)
        commit()
        flash(_("The calendar URL no longer works."), "info")
        return redirect(url_for("cohort_feeds.notifications"))
    raw = ical.new_token(current_user)
    commit()
    return _notifications_page(_notifications_form(stored=True),
                               feed_url=url_for("cohort_feeds.calendar_feed", token=raw, _external=True))


@public_bp.get("/calendar/<token>.ics")
def calendar_feed(token: str) -> ResponseReturnValue:
    user = ical.user_for_token(token)
    if user is None:
        abort(404)
    body = ical.feed(user, request.host.split(":")[0])
    return Response(body, mimetype="text/calendar", headers={"Cache-Control": "private, max-age=900"})


@public_bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the credential; mail clients POST here with no page (RFC 8058)
def unsubscribe(token: str) -> ResponseReturnValue:
    found = read_unsubscribe_token(token)
    user = db.session.get(User, found[0]) if found else None
    if found is None or user is None:
        abort(404)
    kind = found[1]
    if request.method == "POST":
        service.unsubscribe(user, kind)
        commit()
        return render_template("cohorts/unsubscribed.html", kind=kind, done=True)
    return render_template("cohorts/unsubscribed.html", kind=kind, done=False, token=token)
