"""The workshop forms (every one inherits lms.forms.Form: the input rule, CSRF). The service checks the rules."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from lms.forms import Form, choices
from lms.usecases import trials
from lms.usecases.models import UsecaseTrial



def _one_line_ending(value: Any) -> Any:
    """Browsers send line breaks as CRLF: keep them as one character, as the person sees them."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


OUTCOME_LABELS = {
    UsecaseTrial.ADOPTED: _l("Adopted: I use it as it is"),
    UsecaseTrial.ADAPTED: _l("Adapted: I use it with my own changes"),
    UsecaseTrial.NOT_FOR_US: _l("Not for us"),
}
SHARE_LABELS = {
    UsecaseTrial.PRIVATE: _l("Keep it to myself"),
    UsecaseTrial.ANONYMOUS: _l("Share with colleagues without my name"),
    UsecaseTrial.NAMED: _l("Share with colleagues with my name"),
}


class PickForm(Form):
    current_way = TextAreaField(
        _l("How do you do this task now?"), filters=[_one_line_ending],
        validators=[Optional(), Length(max=trials.CURRENT_WAY_MAX)],
        description=_l("A sentence is enough, e.g. 'I write it by hand in Excel every month'."),
    )
    minutes_before = IntegerField(
        _l("Minutes per week this task takes now"),
        validators=[InputRequired(), NumberRange(0, trials.MINUTES_MAX)],
    )
    shared_from = HiddenField(_l("Shared prompt"))
    lesson = HiddenField(_l("Lesson"))


class TryForm(Form):
    prompt = TextAreaField(_l("Your prompt"), filters=[_one_line_ending],
                           validators=[InputRequired(), Length(max=trials.PROMPT_MAX)])


class ReportForm(Form):
    outcome = RadioField(_l("How did it go?"), choices=choices(OUTCOME_LABELS.items()),
                         validators=[InputRequired()])
    minutes_after = IntegerField(_l("Minutes per week this task takes now"),
                                 validators=[Optional(), NumberRange(0, trials.MINUTES_MAX)])
    reason = TextAreaField(_l("Why not? (what did not fit)"), filters=[_one_line_ending],
                           validators=[Optional(), Length(max=trials.REASON_MAX)])
    adapted_prompt = TextAreaField(_l("The prompt you use now (optional)"), filters=[_one_line_ending],
                                   validators=[Optional(), Length(max=trials.PROMPT_MAX)])
    share = RadioField(_l("Share your prompt?"), choices=choices(SHARE_LABELS.items()),
                       default=UsecaseTrial.PRIVATE, validators=[InputRequired()])


class ShareForm(Form):
    share = RadioField(_l("Share your prompt?"), choices=choices(SHARE_LABELS.items()), validators=[InputRequired()])
