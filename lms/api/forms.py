from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from lms.api.service import AREAS, EXPIRY_DAYS
from lms.forms import Form, MultiCheckboxField, choices

AREA_LABELS = {
    "adoption": _l("Adoption summary"),
    "checkins": _l("Weekly check-ins"),
    "usage": _l("Usage events from your own system"),
    "cohorts": _l("Cohorts' progress"),
    "users": _l("People"),
    "catalog": _l("Use cases and exercises"),
}


def scope_choices() -> list[tuple[str, str]]:
    out = []
    for area in AREAS:
        out.append((f"{area}:read", _l("%(area)s: read", area=AREA_LABELS[area])))
        out.append((f"{area}:write", _l("%(area)s: read and write", area=AREA_LABELS[area])))
    return out


class TokenForm(Form):
    name = StringField(_l("Name (what the token is for)"), validators=[DataRequired(), Length(max=100)])
    scopes = MultiCheckboxField(_l("What the token may do"), validators=[InputRequired(
        _l("Choose at least one thing the token may do."))])
    days = SelectField(_l("Valid for"), coerce=int, default=90, choices=choices(
        (d, _l("%(n)d days", n=d)) for d in EXPIRY_DAYS))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.scopes.choices = scope_choices()
