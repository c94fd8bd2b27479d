from flask_babel import lazy_gettext as _l
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length

from lms.forms import Form, choices
from lms.core.vocab import EMPLOYEE_BANDS, INDUSTRIES


class OrganizationForm(Form):
    name = StringField(_l("Company name"), validators=[DataRequired(), Length(max=200)])
    industry = SelectField(_l("Industry"), choices=choices(INDUSTRIES.items()))
    employee_band = SelectField(_l("Number of employees"), choices=choices(EMPLOYEE_BANDS.items()))
    prefecture = SelectField(_l("Prefecture"), coerce=int)


class StaffForm(Form):
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    email = EmailField(_l("Email address"), validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(_l("Role"), choices=choices([("trainer", _l("Trainer")), ("admin", _l("Platform administrator"))]))


class AssignTrainerForm(Form):
    trainer_id = SelectField(_l("Trainer"), coerce=int)
