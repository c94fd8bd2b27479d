"""The learner's forms in the exercise player (every one inherits lms.forms.Form: the input rule, CSRF)."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, Length

from lms.exercises.service import ANSWER_MAX, PROMPT_MAX
from lms.forms import Form, MultiCheckboxField


def _one_line_ending(value: Any) -> Any:
    """Browsers send line breaks as CRLF: count and keep them as one character, as the person sees them."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


class PromptForm(Form):
    prompt = TextAreaField(
        _l("Your prompt"), filters=[_one_line_ending], validators=[DataRequired(), Length(max=PROMPT_MAX)],
        description=_l("Write the prompt as you would send it to an AI. Nothing is sent until the check finds no "
                       "personal data."),
    )


class AnswerForm(Form):
    """The answer pasted from the person's own tool; `answer_b` only for a comparison of two tools."""

    answer = TextAreaField(_l("The AI's answer, pasted"), filters=[_one_line_ending],
                           validators=[DataRequired(), Length(max=ANSWER_MAX)])
    answer_b = TextAreaField(_l("The second tool's answer"), filters=[_one_line_ending],
                             validators=[DataRequired(), Length(max=ANSWER_MAX)])

    @classmethod
    def for_labels(cls, labels: list[str] | tuple[str, ...], **kwargs: Any) -> AnswerForm:
        form = cls(**kwargs)
        if len(labels) >= 2:
            form.answer.label.text = _("Answer from %(tool)s", tool=labels[0])
            form.answer_b.label.text = _("Answer from %(tool)s", tool=labels[1])
        else:
            del form.answer_b
        return form

    def texts(self) -> list[str]:
        return [self.answer.data or ""] + ([self.answer_b.data or ""] if "answer_b" in self._fields else [])


class FinishForm(Form):
    checks = MultiCheckboxField(_l("Self-check"), choices=[], validate_choice=False)
    submit_for_review = BooleanField(_l("Send my attempt to the trainer for review"))

    @classmethod
    def for_checklist(cls, checklist: list[str] | tuple[str, ...], **kwargs: Any) -> FinishForm:
        form = cls(**kwargs)
        form.checks.choices = [(str(i), item) for i, item in enumerate(checklist)]
        return form

    def ticks(self, items: int) -> list[bool]:
        chosen = set(self.checks.data or [])
        return [str(i) in chosen for i in range(items)]
