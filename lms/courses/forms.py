from flask_babel import lazy_gettext as _l
from lms.forms import Form
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length


class LessonEditForm(Form):
    raw = TextAreaField(_l("Lesson file (front matter and Markdown)"), validators=[DataRequired(), Length(max=200_000)])
