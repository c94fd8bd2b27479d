"""Forms of the usage import pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SelectField

from lms.forms import Form, SelectChoice, choices
from lms.usage.messages import SOURCE_LABELS


def source_choices() -> list[SelectChoice]:
    return choices([("auto", _l("Detect from the file's columns")), *SOURCE_LABELS.items()])


class UsageUploadForm(Form):
    source = SelectField(_l("Source"), default="auto", validate_choice=True)
    file = FileField(
        _l("Usage export (CSV or Excel .xlsx)"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["csv", "xlsx"], _l("Only CSV and Excel (.xlsx) files can be imported.")),
        ],
    )
