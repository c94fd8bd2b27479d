"""Translated, specific messages for usage-import problems (row, column, value) and the sources' names."""
from __future__ import annotations

from typing import Any

from babel.lists import format_list
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.usage import sources

SOURCE_LABELS = {
    sources.M365: _l("Microsoft 365 Copilot usage (user detail)"),
    sources.VIVA: _l("Viva Insights person query (Copilot)"),
    sources.CHATGPT: _l("ChatGPT Enterprise/Edu user engagement"),
    sources.CLAUDE: _l("Claude Enterprise analytics"),
    sources.GEMINI: _l("Gemini for Workspace activity"),
    sources.GENERIC: _l("Your own format (saved column choice)"),
}
# Telemetry that came through the API, not from a file: named beside the vendors, never offered for an upload.
TELEMETRY_LABELS = {**SOURCE_LABELS, sources.API: _l("Your own system (API)")}

_MESSAGES = {
    "empty_file": _l("The file is empty."),
    "unsupported_file_type": _l("Only CSV (.csv) and Excel (.xlsx) files can be imported. Save older .xls files as .xlsx first."),
    "unknown_encoding": _l(
        "The file's character encoding could not be recognised. Save it as UTF-8 CSV or Shift_JIS (CP932) CSV, or as .xlsx."),
    "bad_csv": _l("The CSV file could not be read (a field is far too long or quotes are unbalanced). Export it again."),
    "bad_xlsx": _l("The Excel file could not be read. Open it in Excel and save it again as .xlsx."),
    "no_rows": _l("The file has a header row but no data rows."),
    "too_many_rows": _l("The file has more than %(max)d rows. Export a shorter period."),
    "unknown_source": _l(
        "This file is not a usage export this system knows. It looks most like %(source)s, but lacks the columns: "
        "%(column)s. Upload the vendor's export without changing its first row."),
    "wrong_source": _l("You chose %(chosen)s, but this file is %(source)s. Choose the right source, or “detect”."),
    "missing_column": _l("The column “%(column)s” of %(source)s is missing from the first row."),
    "claude_team_plan": _l(
        "This looks like a Claude member list. Only Claude Enterprise has usage analytics; Team plans have none, "
        "so there is nothing to import. Export per-user analytics from an Enterprise organisation instead."),
    "concealed_names": _l(
        "The user names in this file are concealed (for example “%(value)s” in the column “%(column)s”), so nobody can "
        "be matched. In the Microsoft 365 admin center, open Settings > Org settings > Services > Reports, clear "
        "“Display concealed user, group, and site names in all reports”, save, and download the report again."),
    "no_mapping": _l(
        "No saved column choice fits this file. Upload it once on the AI usage data page and pick its email, date "
        "and activity columns; files with the same columns are then read the same way."),
    "concealed_names_other": _l(
        "The people in this file are pseudonymised (for example “%(value)s” in the column “%(column)s”), so nobody "
        "can be matched. Export it again with people's email addresses in that column."),
    "missing_value": _l("Row %(row)d, column “%(column)s”: this value is required."),
    "invalid_email": _l("Row %(row)d, column “%(column)s”: “%(value)s” is not an email address."),
    "invalid_date": _l("Row %(row)d, column “%(column)s”: “%(value)s” is not a date (write it as 2026-11-30)."),
    "invalid_value": _l("Row %(row)d, column “%(column)s”: “%(value)s” is not a whole number of 0 or more."),
    "invalid_json": _l("Row %(row)d, column “%(column)s”: “%(value)s” cannot be read (it should be a list or a dictionary)."),
    "invalid_days": _l("Row %(row)d, column “%(column)s”: %(value)s days is more than a week has."),
    "date_outside_period": _l(
        "Row %(row)d, column “%(column)s”: %(value)s is outside the period this export can cover (a future date, "
        "outside the row's period, or before the vendor kept such data)."),
    "duplicate_row": _l("Row %(row)d, column “%(column)s”: “%(value)s” appears twice for the same period."),
}


def source_label(kind: str | None) -> str:
    label = TELEMETRY_LABELS.get(kind or "")
    return str(label) if label is not None else str(kind or "")


def source_names(kinds: list[str] | tuple[str, ...]) -> str:
    """Sources' names as one list in the reader's language ("A、B" in Japanese, "A and B" in English)."""
    return format_list([source_label(kind) for kind in kinds], locale=str(get_locale() or "ja"))


def problem_message(problem: dict[str, Any]) -> str:
    """A problem (as kept in an import's summary, see lms.usage.service.problem_dict) in words."""
    code = problem["code"]
    if code == "concealed_names" and problem.get("source") != sources.M365:
        code = "concealed_names_other"  # the admin-center setting is Microsoft 365's only
    template = _MESSAGES.get(code)
    if template is None:
        return _("Row %(row)s: %(code)s", row=problem.get("row") or "-", code=code)
    return str(template) % {
        "row": problem.get("row") or 0, "column": problem.get("column") or "", "value": problem.get("value") or "",
        "source": source_label(problem.get("source")), "chosen": source_label(problem.get("value")),
        "max": sources.MAX_ROWS,
    }
