"""The weekly check-in (employees), the adoption dashboard (executives), comments (trainers)."""
from __future__ import annotations

from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date, gettext as _
from flask_login import current_user

from lms.accounts.roles import Role
from lms.adoption import charts, dashboard, exports, queries, service
from lms.adoption.forms import BaselineForm, CheckinForm, SettingsForm
from lms.adoption.survey import SURVEY
from lms.core.vocab import BARRIERS, MINUTES_LABELS, REQUIREMENTS, barrier_label, stage_label, task_label
from lms.cohorts.models import Cohort
from lms.extensions import db
from lms.security import require_org_role
from lms.tenancy import current_org, get_in_org_or_404, org_blueprint
from lms.transaction import commit
from lms.usecases import stats as usecase_stats
from lms.usage.messages import source_names

checkin_bp = org_blueprint("adoption_checkin", __name__, "/checkin")
bp = org_blueprint("adoption", __name__, "/adoption")

VIEWERS = (Role.EXECUTIVE, Role.ORG_ADMIN)


# --- employees ---------------------------------------------------------------------------------

def _week_arg() -> date:
    current, previous = service.answerable_weeks()
    return previous if request.values.get("week") == "previous" else current


def _fill_choices(form: CheckinForm) -> None:
    settings = service.settings_for(current_org().id)
    form.tasks.choices = [(code, task_label(code)) for code in service.task_choices(settings)]
    form.tools.choices = [(name, name) for name in settings.tool_list]
    form.barriers.choices = list(BARRIERS.items())


@checkin_bp.route("/", methods=["GET", "POST"])
@require_org_role(Role.EMPLOYEE)
def form() -> ResponseReturnValue:
    week = _week_arg()
    current, previous = service.answerable_weeks()
    existing = queries.own_checkin(current_user, week)
    form = CheckinForm(obj=existing if request.method == "GET" else None)
    _fill_choices(form)
    if form.validate_on_submit():
        draft = service.CheckinDraft(
            days_used=form.days_used.data, minutes_bucket=form.minutes_bucket.data or 0,
            tasks=form.tasks.data or [], tools=form.tools.data or [], barriers=form.barriers.data or [],
            comment=form.comment.data or "",
        )
        try:
            service.save_checkin(current_user, week, draft)
        except service.CheckinInvalid as invalid:
            db.session.rollback()
            for name, message in invalid.errors.items():
                field = getattr(form, name, None)
                if field is not None:
                    field.errors = [message]
                else:
                    flash(message, "error")
        else:
            commit()
            flash(_("Thank you. Your answer for the week of %(date)s is saved.", date=format_date(week, "medium")), "info")
            return redirect(url_for("adoption_checkin.history"))
    return render_template(
        "adoption/checkin.html", form=form, week=week, week_end=week + timedelta(days=6), is_previous=week == previous, existing=existing,
        current=current, previous=previous, min_group=service.settings_for(current_org().id).min_group,
    ), 422 if form.errors else 200


@checkin_bp.get("/history")
@require_org_role(Role.EMPLOYEE)
def history() -> ResponseReturnValue:
    answers = service.history(current_user)
    oldest_first = list(reversed(answers))
    chart = charts.line_chart(
        [format_date(a.week, "M/d") for a in oldest_first],
        [charts.Series(_("Days used"), [a.days_used for a in oldest_first], "active")],
        title=_("Days you used AI for work, by week"), y_max=7, percent=False,
        empty_text=_("No data yet."),
    )
    current, _previous = service.answerable_weeks()
    answered_now = any(a.week == current for a in answers)
    return render_template(
        "adoption/history.html", answers=answers, chart=chart, answered_now=answered_now,
        task_label=task_label, barrier_label=barrier_label, minutes_labels=MINUTES_LABELS,
        min_group=service.settings_for(current_org().id).min_group,
    )


@checkin_bp.route("/baseline/<int:cohort_id>", methods=["GET", "POST"])
@require_org_role(Role.EMPLOYEE)
def baseline(cohort_id: int) -> ResponseReturnValue:
    """Before a cohort: how long the key tasks take now, and current use."""
    cohort = get_in_org_or_404(Cohort, cohort_id)
    is_member, existing = service.cohort_member_baseline(cohort, current_user)
    if not is_member:
        abort(404)
    form = BaselineForm(obj=existing)
    if form.validate_on_submit():
        service.save_baseline(cohort, current_user, form.data)
        commit()
        flash(_("Thank you. Your starting point is saved."), "info")
        return redirect(url_for("org_home.learner", org_id=cohort.org_id))
    return render_template("adoption/baseline.html", form=form, cohort=cohort), 422 if form.errors else 200


# --- executives --------------------------------------------------------------------------------

@bp.get("/")
@require_org_role(*VIEWERS)
def index() -> ResponseReturnValue:
    board = dashboard.build(current_org())
    labels = [format_date(w, "M/d") for w in board.weeks]
    trend = charts.line_chart(
        labels,
        [charts.Series(_("Active (1+ days)"), board.active_series, "active"),
         charts.Series(_("Habitual (4 of 4 weeks)"), board.habitual_series, "habitual")],
        title=_("Share of employees using AI, by week"), empty_text=_("No data yet."),
    )
    months = charts.bar_chart(
        [(format_date(m, "yyyy/M"), hours) for m, hours in board.months],
        title=_("Hours saved per month (self-reported)"), unit=_("h"), empty_text=_("No data yet."),
    )
    return render_template(
        "adoption/dashboard.html", board=board, trend=trend, months=months, charts=charts,
        tables={name: exports.table(board, name) for name in exports.TABLES}, stage_label=stage_label,
        requirements=REQUIREMENTS, survey_source=SURVEY["source"], pct=exports.pct_text, hours=exports.hours_text,
        yen=exports.yen_text, month=exports.month_text, percents=exports.percents, cell=exports.page_text,
        source_names=source_names,
    )


@bp.route("/settings", methods=["GET", "POST"])
@require_org_role(*VIEWERS)
def settings() -> ResponseReturnValue:
    form = SettingsForm(obj=service.settings_for(current_org().id))
    if form.validate_on_submit():
        service.save_settings(current_org(), form.data, actor=current_user)
        commit()
        flash(_("Settings saved."), "info")
        return redirect(url_for("adoption.index"))
    return render_template("adoption/settings.html", form=form), 422 if form.errors else 200


@bp.get("/export/<name>.<fmt>")
@require_org_role(*VIEWERS)
def export(name: str, fmt: str) -> ResponseReturnValue:
    """One table as CSV; the XLSX of a table is the workbook, which holds them all."""
    if name not in exports.TABLES or fmt not in ("csv", "xlsx"):
        abort(404)
    if fmt == "xlsx":
        return redirect(url_for("adoption.workbook"))
    return exports.response(dashboard.build(current_org()), name)


@bp.get("/export.xlsx")
@require_org_role(*VIEWERS)
def workbook() -> ResponseReturnValue:
    """Every table of the dashboard in one Excel workbook, a sheet each."""
    return exports.workbook(dashboard.build(current_org()))


@bp.get("/champions")
@require_org_role(Role.ORG_ADMIN)
def champions() -> ResponseReturnValue:
    """AI champions: the company's own admins see who chose to be named on prompts colleagues adopted."""
    if current_user.org_id != current_org().id:
        abort(404)  # provider staff see aggregates only, never a person of a client company
    return render_template("adoption/champions.html", champions=usecase_stats.champions(current_org()))


# --- trainers ----------------------------------------------------------------------------------

@bp.get("/comments")
@require_org_role(Role.TRAINER)
def comments() -> ResponseReturnValue:
    """Comments of the members of the cohorts this trainer runs: they reach trainers only."""
    return render_template("adoption/comments.html", rows=queries.trainer_comments(current_org(), current_user))
