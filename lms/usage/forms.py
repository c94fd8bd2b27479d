"""Forms of the usage import pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from lms.forms import Form, SelectChoice, choices
from lms.usage.messages import SOURCE_LABELS


def source_choices() -> list[SelectChoice]:
    return choices([("auto", _l("Detect from the file's columns")), *SOURCE_LABELS.items()])


def column_choices(headers: list[str], none_label: str | None = None) -> list[SelectChoice]:
    pairs = [(h, h) for h in headers if h]
    return choices([("", none_label), *pairs] if none_label else pairs)


class UsageUploadForm(Form):
    source = SelectField(_l("Source"), default="auto", validate_choice=True)
    file = FileField(
        _l("Usage export (CSV or Excel .xlsx)"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["csv", "xlsx"], _l("Only CSV and Excel (.xlsx) files can be imported.")),
        ],
    )


class UsageColumnsForm(Form):
    email = SelectField(_l("Email address column"), validate_choice=True)
    date = SelectField(_l("Date column"), validate_choice=True)
    activity = SelectField(_l("Activity column (a number; a day counts when it is above 0)"), validate_choice=True)

    def validate_date(self, field: SelectField) -> None:
        if field.data == self.email.data:
            raise ValidationError(_l("Choose different columns for the email address and the date."))


def _stripped(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class UsageMappingForm(Form):
    """A saved column choice, changed by hand: the three column names as the file's first row has them."""

    email = StringField(_l("Email address column"), filters=[_stripped], validators=[DataRequired(), Length(max=200)])
    date = StringField(_l("Date column"), filters=[_stripped], validators=[DataRequired(), Length(max=200)])
    activity = StringField(_l("Activity column (empty: every row is a day of use)"), filters=[_stripped],
                           validators=[Length(max=200)])

    def validate_date(self, field: StringField) -> None:
        if field.data == self.email.data:
            raise ValidationError(_l("Choose different columns for the email address and the date."))

    def validate_activity(self, field: StringField) -> None:
        if field.data and field.data in (self.email.data, self.date.data):
            raise ValidationError(_l("The activity column must be another column than the email address and the date."))
