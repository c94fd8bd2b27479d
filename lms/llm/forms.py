from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField
from wtforms.validators import InputRequired, NumberRange

from lms.forms import Form

MAX_BUDGET = 100_000


class LLMSettingsForm(Form):
    llm_enabled = BooleanField(_l("Employees may get answers from the AI model in exercises"))
    llm_monthly_budget = IntegerField(
        _l("Requests per month"), validators=[InputRequired(), NumberRange(0, MAX_BUDGET)],
        description=_l("When the company has used them all, employees paste answers from their own tool until "
                       "next month. 0 allows none."),
    )
