from __future__ import annotations

from typing import Any

from flask_babel import LazyString, lazy_gettext as _l
from wtforms import BooleanField, IntegerField, RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from lms.forms import MultiCheckboxField
from lms.adoption.rules import MIN_GROUP_FLOOR
from lms.adoption.service import COMMENT_MAX
from lms.core.vocab import MINUTES_LABELS
from lms.forms import Form, choices

DAYS = choices([(n, str(n)) for n in range(8)])


class CheckinForm(Form):
    # The service checks every choice and names the field; the form only parses.
    days_used = RadioField(_l("On how many days did you use AI for work that week?"), coerce=int, choices=DAYS,
                           validators=[InputRequired(_l("Choose a number of days from 0 to 7."))], validate_choice=False)
    tasks = MultiCheckboxField(_l("For which tasks?"), validate_choice=False)
    tools = MultiCheckboxField(_l("With which tools?"), validate_choice=False)
    minutes_bucket = RadioField(_l("About how much time did it save that week?"), coerce=int, default=0,
                                choices=choices(enumerate(MINUTES_LABELS)), validate_choice=False,
                                validators=[Optional()])
    barriers = MultiCheckboxField(_l("What got in the way, if anything?"), validate_choice=False)
    comment = TextAreaField(_l("Comment for your trainer (optional)"), validators=[Optional(), Length(max=COMMENT_MAX)])


class BaselineForm(Form):
    quotes_minutes = IntegerField(_l("Quotes and contracts (minutes a week)"), default=0,
                                  validators=[InputRequired(), NumberRange(0, 3000)])
    sales_minutes = IntegerField(_l("Sales materials (minutes a week)"), default=0,
                                 validators=[InputRequired(), NumberRange(0, 3000)])
    documents_minutes = IntegerField(_l("Internal documents and minutes (minutes a week)"), default=0,
                                     validators=[InputRequired(), NumberRange(0, 3000)])
    days_used = RadioField(_l("On how many days did you use AI for work last week?"), coerce=int, choices=DAYS,
                           validators=[InputRequired(_l("Choose a number of days from 0 to 7."))])


def _yen(label: LazyString) -> IntegerField:
    return IntegerField(label, validators=[InputRequired(), NumberRange(0, 10**10)])


class SettingsForm(Form):
    approved_tool = BooleanField(_l("The company has approved an AI tool for work"))
    ai_policy = BooleanField(_l("The company has an AI-use policy"))
    training_for_all = BooleanField(_l("Training is planned or done for every employee"))
    tools = TextAreaField(_l("Tools employees can choose (one per line)"), validators=[Length(max=2000)])
    extra_tasks = TextAreaField(_l("Your own tasks for the check-in (one per line)"), validators=[Length(max=2000)])
    checkin_reminder = BooleanField(_l("Remind cohort members to answer the weekly check-in"))
    hourly_cost = _yen(_l("Hourly labour cost (yen)"))
    realisation_pct = IntegerField(_l("Realisation factor (%)"), validators=[InputRequired(), NumberRange(0, 100)])
    training_fee = _yen(_l("Training fee (yen)"))
    licence_per_month = _yen(_l("AI tool licences per month (yen)"))
    training_hours_per_person = IntegerField(_l("Hours in training per person"),
                                             validators=[InputRequired(), NumberRange(0, 1000)])
    expected_subsidy = _yen(_l("Expected subsidy (yen, estimate)"))
    regular_days = IntegerField(_l("Days a week that count as regular use"), validators=[InputRequired(), NumberRange(1, 7)])
    habitual_active = IntegerField(_l("Habitual: active weeks"), validators=[InputRequired(), NumberRange(1, 12)])
    habitual_weeks = IntegerField(_l("Habitual: out of the last weeks"), validators=[InputRequired(), NumberRange(1, 12)])
    established_active = IntegerField(_l("Established: active weeks"), validators=[InputRequired(), NumberRange(1, 26)])
    established_weeks = IntegerField(_l("Established: out of the last weeks"), validators=[InputRequired(), NumberRange(1, 26)])
    department_share_pct = IntegerField(_l("A department uses AI at this habitual share (%)"),
                                        validators=[InputRequired(), NumberRange(1, 100)])
    company_share_pct = IntegerField(_l("Company-wide at this habitual share (%)"),
                                     validators=[InputRequired(), NumberRange(1, 100)])
    min_group = IntegerField(_l("Smallest group shown to executives"), validators=[InputRequired(), NumberRange(
        MIN_GROUP_FLOOR, 100,
        message=_l("Enter a number from 3 to 100. In groups of fewer than 3 people, a share shows what one person answered."))])

    def validate(self, extra_validators: dict[str, Any] | None = None) -> bool:
        ok = super().validate(extra_validators)
        for active, weeks in ((self.habitual_active, self.habitual_weeks), (self.established_active, self.established_weeks)):
            if active.data is not None and weeks.data is not None and active.data > weeks.data:
                active.errors = [*active.errors, str(_l("Cannot be more than the number of weeks."))]
                ok = False
        return ok
