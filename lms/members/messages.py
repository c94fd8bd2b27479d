"""Translated, specific messages for roster problems (row, column, value)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.members.roster_file import MAX_ROWS, RosterProblem

_MESSAGES = {
    "empty_file": _l("The file is empty."),
    "unsupported_file_type": _l("Only CSV (.csv) and Excel (.xlsx) files can be imported. Save older .xls files as .xlsx first."),
    "unknown_encoding": _l(
        "The file's character encoding could not be recognised. Save it as UTF-8 CSV or Shift_JIS (CP932) CSV, or as .xlsx."
    ),
    "bad_csv": _l(
        "The CSV file could not be read (a field is far too long or quotes are unbalanced). Check it in Excel and save it again."
    ),
    "bad_xlsx": _l("The Excel file could not be read. Open it in Excel and save it again as .xlsx."),
    "missing_column": _l("The required column “%(column)s” is missing from the first row."),
    "duplicate_column": _l("The column “%(column)s” appears twice in the first row."),
    "no_rows": _l("The file has a header row but no people."),
    "too_many_rows": _l("The file has more than %(max)d rows. Split it into smaller files."),
    "missing_value": _l("Row %(row)d, column “%(column)s”: this value is required."),
    "too_long": _l("Row %(row)d, column “%(column)s”: the value is too long."),
    "invalid_email": _l("Row %(row)d, column “%(column)s”: “%(value)s” is not a valid email address."),
    "unknown_role": _l("Row %(row)d, column “%(column)s”: unknown role “%(value)s”. Use 受講者, 経営者 or 管理者."),
    "duplicate_email": _l("Row %(row)d, column “%(column)s”: “%(value)s” appears more than once in the file."),
    "invalid_value": _l("Row %(row)d, column “%(column)s”: the value contains characters that cannot be used."),
    "email_in_use": _l("Row %(row)d, column “%(column)s”: “%(value)s” already has an account in another company."),
}


def roster_problem_message(problem: RosterProblem) -> str:
    template = _MESSAGES.get(problem.code)
    if template is None:
        return _("Row %(row)s: %(code)s", row=problem.row_number or "-", code=problem.code)
    return str(template) % {
        "row": problem.row_number or 0,
        "column": problem.column or "",
        "value": problem.value or "",
        "max": MAX_ROWS,
    }
