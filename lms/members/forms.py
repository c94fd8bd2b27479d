"""Forms of the company members pages: edit, invite, departments, roster upload."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from lms.accounts.roles import Role
from lms.forms import Form, MultiCheckboxField, SelectChoice, choices


def company_role_choices() -> list[SelectChoice]:
    return choices(
        [
            (Role.EMPLOYEE.value, _l("Employee")),
            (Role.EXECUTIVE.value, _l("Executive")),
            (Role.ORG_ADMIN.value, _l("Company administrator")),
        ]
    )


class MemberForm(Form):
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    department_id = SelectField(_l("Department"), coerce=int, validate_choice=True)
    roles = MultiCheckboxField(_l("Roles"))
    is_active = BooleanField(_l("Account is active"))

    def validate_roles(self, field: MultiCheckboxField) -> None:
        if not field.data:
            raise ValidationError(_l("Choose at least one role."))


class InviteForm(Form):
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    email = EmailField(_l("Email address"), validators=[DataRequired(), Email(), Length(max=254)])
    department_id = SelectField(_l("Department"), coerce=int, validate_choice=True)
    roles = MultiCheckboxField(_l("Roles"), default=[Role.EMPLOYEE.value])

    def validate_roles(self, field: MultiCheckboxField) -> None:
        if not field.data:
            raise ValidationError(_l("Choose at least one role."))


class DepartmentForm(Form):
    name = StringField(_l("Department name"), validators=[DataRequired(), Length(max=100)])


class RosterUploadForm(Form):
    file = FileField(
        _l("Roster file (CSV or Excel .xlsx)"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["csv", "xlsx"], _l("Only CSV and Excel (.xlsx) files can be imported.")),
        ],
    )
