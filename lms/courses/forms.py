from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from lms.forms import Form


class LessonEditForm(Form):
    raw = TextAreaField(_l("Lesson file (front matter and Markdown)"), validators=[DataRequired(), Length(max=200_000)])
