from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from lms.accounts.roles import Role
from lms.accounts.service import MIN_PASSWORD_LENGTH
from lms.forms import Form, SelectChoice, choices

# Language names are shown in their own language, so they are not translated.
LANGUAGES = choices([("ja", "日本語"), ("en", "English")])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def company_role_choices() -> list[SelectChoice]:
    return choices(
        [
            (Role.EMPLOYEE.value, _l("Employee")),
            (Role.EXECUTIVE.value, _l("Executive")),
            (Role.ORG_ADMIN.value, _l("Company administrator")),
        ]
    )


class LoginForm(Form):
    email = EmailField(_l("Email address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class ForgotPasswordForm(Form):
    email = EmailField(_l("Email address"), validators=[DataRequired(), Email(), Length(max=254)])


class NewPasswordForm(Form):
    password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=200,
                message=_l("Use at least %(min)d characters.", min=MIN_PASSWORD_LENGTH),
            ),
        ],
    )
    confirm = PasswordField(
        _l("New password (again)"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords do not match."))],
    )


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])


class ProfileForm(Form):
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    furigana = StringField(_l("Furigana"), validators=[Optional(), Length(max=100)])
    locale = SelectField(_l("Language"), choices=LANGUAGES)


class LanguageForm(Form):
    locale = SelectField(_l("Language"), choices=LANGUAGES)


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


class ConfirmForm(Form):
    """A button that only carries the CSRF token."""
