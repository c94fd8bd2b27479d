from __future__ import annotations

from flask_babel import lazy_gettext as _l

from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField, TimeField, URLField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.forms import MultiCheckboxField
from lms.forms import Form, choices

WEEKDAYS = choices([
    (0, _l("Monday")), (1, _l("Tuesday")), (2, _l("Wednesday")), (3, _l("Thursday")),
    (4, _l("Friday")), (5, _l("Saturday")), (6, _l("Sunday")),
])


class CohortForm(Form):
    # Choices are checked by the service, which names the problem (another company's person, say).
    name = StringField(_l("Cohort name"), validators=[DataRequired(), Length(max=200)],
                       description=_l("For example: 2027年1月期 全社AI研修"))
    course_ids = MultiCheckboxField(_l("Courses"), coerce=int, validate_choice=False)
    start_date = DateField(_l("Start date"), validators=[InputRequired()])
    session_weekday = SelectField(_l("Session day"), coerce=int, choices=WEEKDAYS)
    session_time = TimeField(_l("Session time"), validators=[InputRequired()])
    session_minutes = IntegerField(_l("Session length (minutes)"), default=60,
                                   validators=[InputRequired(), NumberRange(15, 480)])
    meeting_url = URLField(_l("Meeting URL (optional)"), validators=[Optional(), Length(max=500)],
                           description=_l("The Zoom, Teams or Google Meet link of the weekly session, starting with https://. "
                                          "Members see it on their home page and in their calendar."))
    department_ids = MultiCheckboxField(_l("Whole departments"), coerce=int, validate_choice=False)
    member_ids = MultiCheckboxField(_l("Individual employees"), coerce=int, validate_choice=False)
    trainer_ids = MultiCheckboxField(_l("Trainers"), coerce=int, validate_choice=False)


class MeetingUrlForm(Form):
    meeting_url = URLField(_l("Meeting URL"), validators=[Optional(), Length(max=500)],
                           description=_l("Starting with https://. Leave it empty to remove the link."))


class AddMembersForm(Form):
    member_ids = MultiCheckboxField(_l("Individual employees"), coerce=int, validate_choice=False)


class NudgeForm(Form):
    note = TextAreaField(_l("Personal message (optional)"), validators=[Optional(), Length(max=1000)])


class ReminderSettingsForm(Form):
    reminder_enabled = BooleanField(_l("Send the weekly reminder to people behind"))
    reminder_weekday = SelectField(_l("Reminder day"), coerce=int, choices=WEEKDAYS)
    reminder_hour = IntegerField(_l("Reminder hour (0-23)"), validators=[InputRequired(), NumberRange(0, 23)])


class NotificationsForm(Form):
    notify_module_open = BooleanField(_l("When a new week's lessons open"))
    notify_reminder = BooleanField(_l("Reminders when I fall behind"))
    notify_digest = BooleanField(_l("Weekly summary for executives"))
