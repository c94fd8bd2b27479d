"""The trainer's review form (one per attempt on the cohort's practice page)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, TextAreaField
from wtforms.validators import Length, Optional

from lms.exercises.service import COMMENT_MAX
from lms.forms import Form


class ReviewForm(Form):
    """Built with `prefix=review_prefix(attempt_id)`, so each attempt's form has its own field ids."""

    comment = TextAreaField(_l("Comment to the learner"), validators=[Optional(), Length(max=COMMENT_MAX)],
                            description=_l("The learner sees it on the exercise. Say what was good and what to try next."))
    good_example = BooleanField(_l("Share this prompt with the cohort as a good example (without the name)"))


def review_prefix(attempt_id: int) -> str:
    return f"review-{attempt_id}"
