"""The tool-selection guide under /o/<org>/tool-guide/: the questions, the recommendation, the pilot kit.

Stateless: nothing is stored, so the views only read the table file, ask `recommend()` and render.
"""
from __future__ import annotations

from pathlib import Path

from flask import current_app, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _, lazy_gettext as _l

from lms.accounts.roles import Role
from lms.csvexport import Sheet, workbook_response
from lms.forms import number_of, text_of
from lms.security import require_org_role
from lms.tenancy import org_blueprint
from lms.toolguide import kit
from lms.toolguide.forms import GuideForm
from lms.toolguide.rules import Answers, Message, price_message, recommend
from lms.toolguide.table import DEFAULT_PATH, Table, TableInvalid, Tool, cached_table

bp = org_blueprint("toolguide", __name__, "/tool-guide")

VIEWERS = (Role.ORG_ADMIN, Role.EXECUTIVE, Role.TRAINER, Role.EMPLOYEE)

TYPE_LABELS = {
    "chat": _l("General chat tool (business plan)"),
    "office": _l("AI built into the office suite"),
    "consumer": _l("General free version"),
}
ENVIRONMENT_LABELS = {"m365": _l("Microsoft 365"), "google": _l("Google Workspace"), "any": _l("Any environment")}
TRAINING_LABELS = {"not_used": _l("Not used for training by default"), "used": _l("May be used for training"),
                   "check": _l("要確認")}
INDEMNITY_LABELS = {"yes": _l("Yes"), "no": _l("No"), "check": _l("要確認")}
FIELD_LABELS = {
    "environment": _l("Environment"), "data": _l("Data it is meant for"), "price": _l("Price band"),
    "min_seats": _l("Minimum seats"), "training": _l("Inputs used for training"), "admin": _l("Admin features"),
    "indemnity": _l("IP indemnity"), "data_location": _l("Data location"),
}
ANSWER_LABELS = {"environment": _l("Your environment"), "data": _l("Your data"), "headcount": _l("Your headcount"),
                 "budget": _l("Your budget")}


def _table_path() -> Path:
    return Path(current_app.config.get("TOOLGUIDE_FILE") or DEFAULT_PATH)


def _say(message: Message) -> str:
    return message.localized(_)


def _broken(invalid: TableInvalid) -> ResponseReturnValue:
    current_app.logger.error("the tool guide's table is invalid:\n%s", invalid)
    errors = [(e.path, e.line, e.localized(_)) for e in invalid.errors[:20]]
    return render_template("toolguide/broken.html", errors=errors), 503


def _fact_rows(tool: Tool, table: Table) -> list[tuple[str, str, str, str, str]]:
    """(label, value, note, checked, source) for each field of `tool`, as shown in the result."""
    seats = tool.min_seats.value
    values = {
        "price": _say(price_message(tool, table)),
        "min_seats": _("要確認") if seats == "check" else str(seats),
        "training": str(TRAINING_LABELS[tool.training.value]),
        "admin": tool.admin.value,
        "indemnity": str(INDEMNITY_LABELS[tool.indemnity.value]),
        "data_location": tool.data_location.value,
    }
    rows = []
    for name, fact in tool.facts.items():
        note = fact.note
        if name == "data_location" and fact.extra.get("foreign_provider"):
            note = " ".join(filter(None, [note, _("The vendor is a foreign company (個人情報保護法 第28条).")]))
        rows.append((str(FIELD_LABELS[name]), values[name], note, fact.checked.isoformat(), fact.source))
    return rows


@bp.route("/", methods=["GET", "POST"])
@require_org_role(*VIEWERS)
def index() -> ResponseReturnValue:
    try:
        table = cached_table(_table_path())
    except TableInvalid as invalid:
        return _broken(invalid)
    form = GuideForm()
    result = None
    if form.validate_on_submit():
        answers = Answers(environment=text_of(form.environment), data=text_of(form.data),
                          headcount=number_of(form.headcount), budget=text_of(form.budget))
        result = recommend(answers, table)
    return render_template(
        "toolguide/index.html", form=form, table=table, result=result, say=_say, fact_rows=_fact_rows,
        type_labels=TYPE_LABELS, answer_labels=ANSWER_LABELS, field_labels=FIELD_LABELS,
        price=lambda tool: _say(price_message(tool, table)),
    ), 422 if form.errors else 200


@bp.get("/pilot-kit")
@require_org_role(*VIEWERS)
def pilot_kit() -> ResponseReturnValue:
    return render_template("toolguide/kit.html", kit=kit)


def kit_sheets() -> list[Sheet]:
    steps = Sheet(_("How to run the pilot"), [_("Step"), _("What to do")],
                  [(i, step) for i, step in enumerate(kit.STEPS, start=1)])
    tasks = Sheet(_("Tasks"), [_("No."), _("Task"), _("Scene"), _("Material (fictional)"), _("What to ask"),
                               _("What not to paste"), _("What to check in the answer")],
                  [(t.number, t.title, t.scene, t.material, t.instruction, t.leave_out, "\n".join(t.check))
                   for t in kit.TASKS])
    low, high = kit.SCALE
    scores = Sheet(_("Scoring sheet"),
                   [_("Task"), _("Criterion"), _("What %(low)d and %(high)d mean", low=low, high=high),
                    *[_("%(candidate)s (%(low)d–%(high)d)", candidate=c, low=low, high=high) for c in kit.CANDIDATES],
                    _("Notes")],
                   [(number, name, guide, None, None, None, "") for number, name, guide in kit.score_rows()])
    return [steps, tasks, scores]


@bp.get("/pilot-kit.xlsx")
@require_org_role(*VIEWERS)
def pilot_kit_xlsx() -> ResponseReturnValue:
    return workbook_response(kit_sheets(), _("ai-tool-pilot-kit.xlsx"), title=_("AI tool pilot kit"))
