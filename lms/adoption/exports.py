"""Every dashboard table as typed rows, shown on the page (with units), as CSV per table
(BOM, formula-neutralised) and as one XLSX workbook with a sheet per table."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Callable

from flask import Response
from flask_babel import format_date, gettext as _

from lms.adoption.dashboard import SOURCE_WEEKS, Dashboard
from lms.csvexport import Sheet, csv_response, workbook_response

MISSING = "—"

# What a column (or a single cell) holds; it decides the page text, the CSV text and the Excel format.
TEXT, COUNT, PCT, HOURS, YEN, DATE, CALENDAR_MONTH, MONTH = (
    "text", "count", "pct", "hours", "yen", "date", "calendar_month", "month")  # MONTH: a month number (payback)
EXCEL_FORMATS = {COUNT: "#,##0", PCT: "0.0%", HOURS: "#,##0.0", YEN: '"¥"#,##0', DATE: "yyyy/mm/dd",
                 CALENDAR_MONTH: "yyyy/mm", MONTH: "0"}


def pct_text(value: float | None) -> str:
    return MISSING if value is None else f"{100 * value:.0f}%"


def hours_text(value: float | None) -> str:
    """Hours a month with the unit: 52.9 時間/月."""
    return MISSING if value is None else _("%(n)s h/month", n=f"{value:,.1f}")


def yen_text(value: float | None) -> str:
    """Yen with thousands separators and the unit: 58,500円."""
    return MISSING if value is None else _("%(n)s yen", n=f"{value:,.0f}")


def month_text(value: int | None) -> str:
    return MISSING if value is None else _("Month %(n)d", n=value)


def percents(items: list[tuple[str, float | None]]) -> list[tuple[str, float | None]]:
    return [(label, None if share is None else round(100 * share)) for label, share in items]


@dataclass(frozen=True)
class Cell:
    """A value whose kind differs from its column's (the return table lists mixed items)."""

    value: Any
    kind: str


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[Any]]
    kinds: list[str]  # one per column

    def cells(self) -> list[list[tuple[Any, str]]]:
        """Each row as (value, kind) pairs."""
        return [[(c.value, c.kind) if isinstance(c, Cell) else (c, k) for c, k in zip(row, self.kinds, strict=True)]
                for row in self.rows]


def page_text(value: Any, kind: str) -> str:
    """A cell as the page shows it: units, separators, "—" for what is hidden or missing."""
    if value is None:
        return MISSING
    if kind == PCT:
        return f"{100 * value:.1f}%"
    if kind == HOURS:
        return hours_text(value)
    if kind == YEN:
        return yen_text(value)
    if kind == DATE:
        return format_date(value, "medium")
    if kind == CALENDAR_MONTH:
        return format_date(value, "yyyy/M")
    if kind == MONTH:
        return month_text(value)
    if kind == COUNT:
        return f"{value:,}"
    return str(value)


def csv_value(value: Any, kind: str) -> Any:
    """A cell as CSV holds it: plain numbers (percent as 0-100) that a spreadsheet can add up."""
    if value is None:
        return MISSING
    if kind == PCT:
        return round(100 * value, 1)
    if kind == HOURS:
        return round(value, 1)
    if kind == YEN:
        return round(value)
    if kind == DATE:
        return value.isoformat()
    if kind == CALENDAR_MONTH:
        return value.isoformat()[:7]
    return value


def excel_value(value: Any, kind: str) -> tuple[Any, str | None]:
    """A cell for the workbook: the real number or date, and its number format; hidden is empty."""
    if kind == YEN and value is not None:
        value = round(value)
    elif kind == TEXT and value is not None and not isinstance(value, str):
        value = str(value)  # lazy translations
    return value, EXCEL_FORMATS.get(kind)


def _departments(b: Dashboard) -> Table:
    header = [_("Department"), _("People"), _("Course completion (%)"), _("Active (%)"), _("Habitual (%)"),
              _("Hours saved per month")]
    rows = [[d.name or _("No department"), d.people, d.completion, d.active, d.habitual, d.hours_month]
            for d in b.departments]
    c = b.company
    rows.append([_("Whole company"), c.people, c.completion, c.active, c.habitual, c.hours_month])
    return Table(header, rows, [TEXT, COUNT, PCT, PCT, PCT, HOURS])


def _weekly(b: Dashboard) -> Table:
    return Table(
        [_("Week starting"), _("Active (%)"), _("Habitual (%)")],
        [[w, a, h] for w, a, h in zip(b.weeks, b.active_series, b.habitual_series, strict=True)],
        [DATE, PCT, PCT],
    )


def _months(b: Dashboard) -> Table:
    return Table([_("Month"), _("Hours saved")], [[m, hours] for m, hours in b.months], [CALENDAR_MONTH, HOURS])


def _shares(items: list[tuple[str, float | None]], what: str) -> Table:
    return Table([what, _("Share of answers (%)")], [[label, share] for label, share in items], [TEXT, PCT])


def _sources(b: Dashboard) -> Table:
    """Last week's self-report beside the AI services' usage data, per department and for the company.

    Labels as on the page; without usage data for that week, one row says so.
    """
    header = [_("Department"), _("People in the usage data"), _("Active by the usage data"),
              _("Active by self-report"), _("Used AI but did not report it"), _("Reported use the data does not show")]
    kinds = [TEXT, COUNT, PCT, PCT, COUNT, COUNT]
    if b.sources is None:
        blank = Cell("", TEXT)
        return Table(header, [[_("No usage data from the AI services for the week of %(date)s.",
                                 date=format_date(b.week, "medium")), blank, blank, blank, blank, blank]], kinds)
    rows = [[s.name or _("No department"), s.people, s.telemetry_active, s.self_active, s.telemetry_only, s.self_only]
            for s in b.source_departments]
    c = b.sources
    rows.append([_("Whole company"), c.people, c.telemetry_active, c.self_active, c.telemetry_only, c.self_only])
    return Table(header, rows, kinds)


def _source_weeks(b: Dashboard) -> Table:
    """The company's self-report beside the usage data in each of the recent weeks; one row when there is none."""
    header = [_("Week starting"), _("People in the usage data"), _("Active by the usage data"),
              _("Active by self-report"), _("Used AI but did not report it"), _("Reported use the data does not show")]
    kinds = [DATE, COUNT, PCT, PCT, COUNT, COUNT]
    if not b.source_weeks:
        blank = Cell("", TEXT)
        return Table(header, [[Cell(_("No usage data from the AI services in the last %(n)d weeks.", n=SOURCE_WEEKS),
                                    TEXT), blank, blank, blank, blank, blank]], kinds)
    rows = [[w, s.people, s.telemetry_active, s.self_active, s.telemetry_only, s.self_only] for w, s in b.source_weeks]
    return Table(header, rows, kinds)


def _cohorts(b: Dashboard) -> Table:
    header = [_("Cohort"), _("Members"), _("Course completion (%)"), _("Active 4 weeks after (%)"),
              _("Active 8 weeks after (%)"), _("Active 12 weeks after (%)")]
    rows = [[c.name, c.members, c.completion, *[c.persistence.get(after) if c.finished else None for after in (4, 8, 12)]]
            for c in b.cohorts]
    return Table(header, rows, [TEXT, COUNT, PCT, PCT, PCT, PCT])


def _practice(b: Dashboard) -> Table:
    """Prompt practice per department and for the company: counts only, no prompt and no name."""
    header = [_("Department"), _("People who practised"), _("Attempts"), _("Pass rate (%)"),
              _("Prompts stopped for personal data"), _("People stopped at least once")]
    rows = [[p.name or _("No department"), p.people, p.attempts, p.pass_rate, p.blocked_prompts, p.blocked_people]
            for p in b.practice[:-1]]
    if b.practice:
        c = b.practice[-1]
        rows.append([_("Whole company"), c.people, c.attempts, c.pass_rate, c.blocked_prompts, c.blocked_people])
    return Table(header, rows, [TEXT, COUNT, COUNT, PCT, COUNT, COUNT])


def _usecase_departments(b: Dashboard) -> Table:
    """Use cases tried and adopted per department (the trial's department when picked); counts only."""
    header = [_("Department"), _("People who tried a case"), _("Cases tried"), _("People who adopted a case"),
              _("Cases adopted"), _("Measured hours saved per month")]
    u = b.usecases
    rows: list[list[Any]] = []
    if u is not None and u.has_data:
        rows = [[d.name or _("No department"), d.people, d.cases_tried, d.adopters, d.cases_adopted, d.hours_month]
                for d in u.departments]
        c = u.company
        rows.append([_("Whole company"), c.people, c.cases_tried, c.adopters, c.cases_adopted, c.hours_month])
    return Table(header, rows, [TEXT, COUNT, COUNT, COUNT, COUNT, HOURS])


def _usecases(b: Dashboard) -> Table:
    """The top cases; the cases tried by fewer people than the threshold are one merged row."""
    header = [_("Use case"), _("People who tried it"), _("People who adopted it"), _("Departments that adopted it"),
              _("Measured hours saved per month")]
    u = b.usecases
    rows: list[list[Any]] = []
    if u is not None:
        rows = [[c.title, c.people, c.adopters, c.departments, c.hours_month] for c in u.cases]
        if u.other is not None:
            o = u.other
            rows.append([_("Other cases (each tried by fewer than %(n)d people)", n=u.min_group), o.people,
                         o.adopters, o.departments, o.hours_month])
    return Table(header, rows, [TEXT, COUNT, COUNT, COUNT, HOURS])


def _return(b: Dashboard) -> Table:
    r, c = b.training_return, b.costs
    rows: list[list[Any]] = [
        [_("Hours saved per month"), Cell(b.monthly_hours, HOURS)],
        [_("Hourly labour cost (yen)"), Cell(c.hourly_cost, YEN)],
        [_("Realisation factor (%)"), Cell(b.settings.realisation_pct / 100, PCT)],
        [_("Value per month, adjusted (yen)"), Cell(None if r is None else r.monthly_value, YEN)],
        [_("Value per month at face value (yen)"), Cell(None if r is None else r.monthly_value_raw, YEN)],
        [_("Training fee (yen)"), Cell(c.training_fee, YEN)],
        [_("Employees' hours in training (yen)"), Cell(c.people_time(), YEN)],
        [_("AI tool licences per month (yen)"), Cell(c.licence_per_month, YEN)],
        [_("Expected subsidy (yen, estimate)"), Cell(c.expected_subsidy, YEN)],
        [_("Payback month"), Cell(None if r is None else r.payback_month, MONTH)],
        [_("First-year return, adjusted (%)"), Cell(None if r is None else r.roi_first_year, PCT)],
        [_("First-year return at face value (%)"), Cell(None if r is None else r.roi_first_year_raw, PCT)],
    ]
    return Table([_("Item"), _("Value")], rows, [TEXT, TEXT])


def _survey(b: Dashboard) -> Table:
    from lms.adoption.survey import SURVEY
    from lms.core.vocab import stage_label

    rows = [[stage_label(s), None if p is None else p / 100, "●" if s == b.stage.stage else ""] for s, p in b.survey]
    rows.append([_("Personal use and some departments together"), SURVEY["middle_stages_together"] / 100, ""])
    return Table([_("Stage"), _("Companies in the 2025 survey (%)"), _("Your company")], rows, [TEXT, PCT, TEXT])


TABLES: dict[str, Callable[[Dashboard], Table]] = {
    "departments": _departments,
    "weekly": _weekly,
    "sources": _sources,
    "source_weeks": _source_weeks,
    "months": _months,
    "tasks": lambda b: _shares(b.tasks, _("Task")),
    "tools": lambda b: _shares(b.tools, _("Tool")),
    "barriers": lambda b: _shares(b.barriers, _("What got in the way")),
    "cohorts": _cohorts,
    "practice": _practice,
    "usecase_departments": _usecase_departments,
    "usecases": _usecases,
    "return": _return,
    "survey": _survey,
}


def sheet_names() -> dict[str, str]:
    """Each table's sheet name in the user's language (Excel allows 31 characters)."""
    return {
        "summary": _("Summary"), "departments": _("Departments"), "weekly": _("Weekly"),
        "sources": _("Usage data vs self-report"), "source_weeks": _("Usage vs self-report by week"),
        "months": _("Monthly hours"),
        "tasks": _("Tasks"), "tools": _("Tools"), "barriers": _("Obstacles"), "cohorts": _("Cohorts"),
        "practice": _("Prompt practice"), "usecase_departments": _("Use cases by department"),
        "usecases": _("Use cases"), "return": _("Return"), "survey": _("Survey comparison"),
    }


def table(board: Dashboard, name: str) -> Table:
    return TABLES[name](board)


def period(board: Dashboard) -> tuple[date, date]:
    """The weeks the dashboard covers: first Monday to the Sunday of the last complete week."""
    return (board.weeks[0] if board.weeks else board.week), board.week + timedelta(days=6)


def _summary(board: Dashboard) -> Table:
    from lms.core.vocab import REQUIREMENTS, stage_label

    first, last = period(board)
    r = board.training_return
    rows: list[list[Any]] = [
        [_("Company"), board.org.name],
        [_("Period from"), Cell(first, DATE)],
        [_("Period to"), Cell(last, DATE)],
        [_("Figures for the week of"), Cell(board.week, DATE)],
        [_("Stage"), stage_label(board.stage.stage)],
        [_("Active last week"), Cell(board.company.active, PCT)],
        [_("Habitual"), Cell(board.company.habitual, PCT)],
        [_("Hours saved per month"), Cell(board.monthly_hours, HOURS)],
        [_("Value per month (adjusted)"), Cell(None if r is None else r.monthly_value, YEN)],
        [_("Payback month"), Cell(None if r is None else r.payback_month, MONTH)],
    ]
    rows += [[_("Next step"), str(REQUIREMENTS[m.value])] for m in board.stage.missing]
    return Table([_("Item"), _("Value")], rows, [TEXT, TEXT])


def response(board: Dashboard, name: str) -> Response:
    """One table as CSV."""
    t = table(board, name)
    rows = [t.header, *[[csv_value(v, k) for v, k in row] for row in t.cells()]]
    return csv_response(rows, f"{board.org.name}_{name}_{format_date(board.week, 'yyyyMMdd')}.csv")


def workbook(board: Dashboard) -> Response:
    """Every table in one workbook: a summary sheet with the company and period first."""
    first, last = period(board)
    heading = f"{board.org.name}  {format_date(first, 'yyyy/MM/dd')}–{format_date(last, 'yyyy/MM/dd')}"
    names = sheet_names()
    sheets = []
    for name, t in [("summary", _summary(board)), *[(n, table(board, n)) for n in TABLES]]:
        rows = [[excel_value(v, k) for v, k in row] for row in t.cells()]
        sheets.append(Sheet(title=names[name], header=t.header, rows=rows, print_title=heading))
    filename = f"{board.org.name}_{_('AI adoption')}_{format_date(board.week, 'yyyyMMdd')}.xlsx"
    return workbook_response(sheets, filename, title=heading)
