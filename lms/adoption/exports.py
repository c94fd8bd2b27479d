"""Every dashboard table as rows, for the page, CSV (BOM, formula-neutralised) and XLSX."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from flask import Response
from flask_babel import format_date, gettext as _

from lms.adoption.dashboard import Dashboard
from lms.csvexport import csv_response, xlsx_response

MISSING = "—"


def pct_text(value: float | None) -> str:
    return MISSING if value is None else f"{100 * value:.0f}%"


def num_text(value: float | None) -> str:
    return MISSING if value is None else f"{value:,.1f}"


def yen_text(value: float | None) -> str:
    return MISSING if value is None else f"¥{value:,.0f}"


def percents(items: list[tuple[str, float | None]]) -> list[tuple[str, float | None]]:
    return [(label, None if share is None else round(100 * share)) for label, share in items]


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[Any]]


def _pct(value: float | None) -> Any:
    return MISSING if value is None else round(100 * value, 1)


def _num(value: float | None, digits: int = 1) -> Any:
    return MISSING if value is None else round(value, digits)


def _departments(b: Dashboard) -> Table:
    header = [_("Department"), _("People"), _("Course completion (%)"), _("Active (%)"), _("Habitual (%)"),
              _("Hours saved per month")]
    rows = [[d.name or _("No department"), d.people, _pct(d.completion), _pct(d.active), _pct(d.habitual),
             _num(d.hours_month)] for d in b.departments]
    c = b.company
    rows.append([_("Whole company"), c.people, _pct(c.completion), _pct(c.active), _pct(c.habitual), _num(c.hours_month)])
    return Table(header, rows)


def _weekly(b: Dashboard) -> Table:
    return Table(
        [_("Week starting"), _("Active (%)"), _("Habitual (%)")],
        [[w.isoformat(), _pct(a), _pct(h)] for w, a, h in zip(b.weeks, b.active_series, b.habitual_series)],
    )


def _shares(items: list[tuple[str, float | None]], what: str) -> Table:
    return Table([what, _("Share of answers (%)")], [[label, _pct(share)] for label, share in items])


def _cohorts(b: Dashboard) -> Table:
    header = [_("Cohort"), _("Members"), _("Course completion (%)"), _("Active 4 weeks after (%)"),
              _("Active 8 weeks after (%)"), _("Active 12 weeks after (%)")]
    rows = [[c.name, c.members, _pct(c.completion),
             *[_pct(c.persistence.get(after)) if c.finished else MISSING for after in (4, 8, 12)]] for c in b.cohorts]
    return Table(header, rows)


def _return(b: Dashboard) -> Table:
    r, c = b.training_return, b.costs
    rows: list[list[Any]] = [
        [_("Hours saved per month"), _num(b.monthly_hours)],
        [_("Hourly labour cost (yen)"), c.hourly_cost],
        [_("Realisation factor (%)"), b.settings.realisation_pct],
        [_("Value per month, adjusted (yen)"), MISSING if r is None else round(r.monthly_value)],
        [_("Value per month at face value (yen)"), MISSING if r is None else round(r.monthly_value_raw)],
        [_("Training fee (yen)"), c.training_fee],
        [_("Employees' hours in training (yen)"), round(c.people_time())],
        [_("AI tool licences per month (yen)"), c.licence_per_month],
        [_("Expected subsidy (yen, estimate)"), c.expected_subsidy],
        [_("Payback month"), MISSING if r is None or r.payback_month is None else r.payback_month],
        [_("First-year return, adjusted (%)"), MISSING if r is None or r.roi_first_year is None else _pct(r.roi_first_year)],
        [_("First-year return at face value (%)"),
         MISSING if r is None or r.roi_first_year_raw is None else _pct(r.roi_first_year_raw)],
    ]
    return Table([_("Item"), _("Value")], rows)


def _survey(b: Dashboard) -> Table:
    from lms.adoption.survey import SURVEY
    from lms.adoption.vocab import stage_label

    rows = [[stage_label(s), MISSING if p is None else p, "●" if s == b.stage.stage else ""] for s, p in b.survey]
    rows.append([_("Personal use and some departments together"), SURVEY["middle_stages_together"], ""])
    return Table([_("Stage"), _("Companies in the 2025 survey (%)"), _("Your company")], rows)


TABLES: dict[str, Callable[[Dashboard], Table]] = {
    "departments": _departments,
    "weekly": _weekly,
    "tasks": lambda b: _shares(b.tasks, _("Task")),
    "tools": lambda b: _shares(b.tools, _("Tool")),
    "barriers": lambda b: _shares(b.barriers, _("What got in the way")),
    "cohorts": _cohorts,
    "return": _return,
    "survey": _survey,
}


def table(board: Dashboard, name: str) -> Table:
    return TABLES[name](board)


def response(board: Dashboard, name: str, fmt: str) -> Response:
    t = table(board, name)
    rows = [t.header, *t.rows]
    filename = f"{board.org.name}_{name}_{format_date(board.week, 'yyyyMMdd')}.{fmt}"
    if fmt == "xlsx":
        return xlsx_response(rows, filename, sheet_title=name)
    return csv_response(rows, filename)
