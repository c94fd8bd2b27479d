"""The guide's questions: environment, data, headcount, budget."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, RadioField
from wtforms.validators import InputRequired, NumberRange

from lms.forms import Form, choices
from lms.toolguide.rules import HEADCOUNT_MAX

ENVIRONMENT_CHOICES = choices([
    ("m365", _l("Microsoft 365 (Outlook, Teams, Word and Excel with company accounts)")),
    ("google", _l("Google Workspace (Gmail and Google Drive with company accounts)")),
    ("none", _l("Neither")),
])
DATA_CHOICES = choices([
    ("public", _l("Public information only (published product details, general questions)")),
    ("internal", _l("Internal information (meeting notes, quotes, procedures)")),
    ("personal", _l("Personal data of customers or staff (names, contact details)")),
    ("sensitive", _l("要配慮個人情報 (health, disabilities, criminal records and the like)")),
])
BUDGET_CHOICES = choices([
    ("none", _l("No extra cost: only what we already pay for")),
    ("up_to_3000", _l("Up to ¥3,000 per person per month")),
    ("up_to_5000", _l("Up to ¥5,000 per person per month")),
    ("more", _l("More than ¥5,000, or no fixed limit yet")),
])


class GuideForm(Form):
    environment = RadioField(_l("What does the company already use for mail and files?"), choices=ENVIRONMENT_CHOICES,
                             validators=[InputRequired(_l("Choose what the company already uses."))])
    data = RadioField(_l("What is the most sensitive data the AI tool would handle?"), choices=DATA_CHOICES,
                      validators=[InputRequired(_l("Choose the most sensitive data the tool would handle."))])
    headcount = IntegerField(_l("How many people would use it?"),
                             validators=[InputRequired(_l("Enter the number of people, for example 10.")),
                                         NumberRange(1, HEADCOUNT_MAX)])
    budget = RadioField(_l("Monthly budget per person"), choices=BUDGET_CHOICES,
                        validators=[InputRequired(_l("Choose a budget."))])
