"""Form helpers shared by every feature, and the base form every form inherits.

:class:`Form` gives every form of the app two things it cannot forget:

- the input rule of :mod:`lms.textrule`, checked on every submitted value of
  every field before the field's own validators run (a refused value never
  reaches a validator, a query or the database);
- the project's own validation messages. WTForms and Flask-WTF ask the field
  for every default message they produce (``field.gettext``); the base form
  gives each field a translations object that answers with the project's
  message instead, naming the field and saying what to fix, in the UI
  language. A library default therefore never reaches the page.
"""
from __future__ import annotations

from typing import Any, Iterable

from flask_babel import format_number, gettext
from flask_wtf import FlaskForm
from wtforms import Field
from wtforms import SelectChoice  # type: ignore[attr-defined]  # new in WTForms 3.3; types-WTForms 3.2 lacks it
from wtforms.fields import (
    BooleanField, DateField, DateTimeField, DateTimeLocalField, FileField, MonthField, RadioField,
    SelectFieldBase, SelectMultipleField, TextAreaField, TimeField,
)
from wtforms.validators import NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from lms import textrule


def N_(message: str) -> str:
    """Mark a msgid for extraction; it is translated when used."""
    return message


def choices(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms select choices; labels may be lazy strings."""
    return [SelectChoice(value, label) for value, label in pairs]


# --- the input rule -----------------------------------------------------------------------------

REFUSED_CHARACTER = N_("“%(label)s” contains a character that cannot be used (%(char)s). Remove it and send again.")
REFUSED_CHARACTER_AT_LINE = N_(
    "Line %(line)d of “%(label)s” contains a character that cannot be used (%(char)s). Remove it and send again."
)
REFUSED_LINE_BREAK = N_("“%(label)s” must be one line. Remove the line break.")
REFUSED_FILE_NAME = N_("The name of the file chosen for “%(label)s” contains a character that cannot be used "
                       "(%(char)s). Rename the file and choose it again.")


def is_multiline(field: Field) -> bool:
    return isinstance(field, TextAreaField)


def refused_input(field: Field) -> str | None:
    """The rule's message for the first submitted value of `field` it refuses, or None."""
    multiline = is_multiline(field)
    for value in field.raw_data or ():
        if not isinstance(value, str):  # an uploaded file: its parser applies the rule to the content
            found = textrule.first_refused(getattr(value, "filename", None) or "", multiline=False)
            if found is not None:
                return gettext(REFUSED_FILE_NAME, label=field_label(field), char=found.code)
            continue
        found = textrule.first_refused(value, multiline=multiline)
        if found is None:
            continue
        label = field_label(field)
        if found.line_break and not multiline:
            return gettext(REFUSED_LINE_BREAK, label=label)
        if multiline:
            return gettext(REFUSED_CHARACTER_AT_LINE, label=label, line=found.line, char=found.code)
        return gettext(REFUSED_CHARACTER, label=label, char=found.code)
    return None


def field_label(field: Field) -> str:
    return str(field.label.text).strip()


# --- the project's messages in place of the library's -------------------------------------------

ENTER = N_("Enter “%(label)s”.")
CHOOSE = N_("Choose “%(label)s”.")
CHOOSE_FROM_LIST = N_("Choose “%(label)s” from the list.")
CHECK = N_("Check “%(label)s”: this value cannot be used.")
TOO_SHORT = N_("“%(label)s” needs at least %(min)d characters.")
TOO_LONG = N_("“%(label)s” can have at most %(max)d characters (now %(length)d). Shorten it.")
EXACT_LENGTH = N_("“%(label)s” must have exactly %(max)d characters.")
LENGTH_BETWEEN = N_("“%(label)s” must have %(min)d to %(max)d characters.")
AT_LEAST = N_("Enter a number of %(min)s or more for “%(label)s”.")
AT_MOST = N_("Enter a number of %(max)s or less for “%(label)s”.")
BETWEEN = N_("Enter a number from %(min)s to %(max)s for “%(label)s”.")
WHOLE_NUMBER = N_("Enter “%(label)s” as a whole number in half-width digits, like 60.")
NUMBER = N_("Enter “%(label)s” as a number in half-width digits.")
DATE = N_("Enter “%(label)s” as a date, like 2027-01-12.")
TIME = N_("Enter “%(label)s” as a time, like 09:30.")
DATETIME = N_("Enter “%(label)s” as a date and time, like 2027-01-12 09:30.")
EMAIL = N_("Enter “%(label)s” as an email address, like name@example.co.jp.")
MUST_MATCH = N_("“%(label)s” does not match. Enter the same value in both fields.")

_CHOICE_DEFAULTS = frozenset({
    "Invalid Choice: could not coerce.", "Not a valid choice.", "Choices cannot be None.",
    "Invalid choice(s): one or more data inputs could not be coerced.",
    "'%(value)s' is not a valid choice for this field.", "Invalid value, must be one of: %(values)s.",
    "Invalid value, can't be any of: %(values)s.",
})
# Library msgid -> project msgid; the library interpolates the values named in the message after asking.
_LIBRARY_MESSAGES = {
    "Field must be at least %(min)d character long.": TOO_SHORT,
    "Field cannot be longer than %(max)d character.": TOO_LONG,
    "Field must be exactly %(max)d character long.": EXACT_LENGTH,
    "Field must be between %(min)d and %(max)d characters long.": LENGTH_BETWEEN,
    "Number must be at least %(min)s.": AT_LEAST,
    "Number must be at most %(max)s.": AT_MOST,
    "Number must be between %(min)s and %(max)s.": BETWEEN,
    "Field must be equal to %(other_name)s.": MUST_MATCH,
    "Invalid email address.": EMAIL,
    "Not a valid integer value.": WHOLE_NUMBER,
    "Not a valid decimal value.": NUMBER,
    "Not a valid float value.": NUMBER,
    "Not a valid date value.": DATE,
    "Not a valid time value.": TIME,
    "Not a valid datetime value.": DATETIME,
    "Not a valid week value.": DATE,
}
# Messages the library formats with `%` after asking: a literal % in a label must survive that.
_FORMATTED = frozenset({
    "Field must be at least %(min)d character long.", "Field cannot be longer than %(max)d character.",
    "Field must be exactly %(max)d character long.", "Field must be between %(min)d and %(max)d characters long.",
    "Number must be at least %(min)s.", "Number must be at most %(max)s.", "Number must be between %(min)s and %(max)s.",
    "Field must be equal to %(other_name)s.", "'%(value)s' is not a valid choice for this field.",
    "Invalid value, must be one of: %(values)s.", "Invalid value, can't be any of: %(values)s.",
})
_CHOSEN_FIELDS = (SelectFieldBase, RadioField, BooleanField, DateField, DateTimeField, DateTimeLocalField,
                  MonthField, TimeField, FileField)


def project_message(field: Field, library_msgid: str) -> str:
    """The project's message, in the UI language, standing in for a library default about `field`."""
    if library_msgid == "This field is required.":
        msgid = CHOOSE if isinstance(field, _CHOSEN_FIELDS) else ENTER
    elif library_msgid in _CHOICE_DEFAULTS:
        msgid = CHOOSE_FROM_LIST
    else:
        msgid = _LIBRARY_MESSAGES.get(library_msgid, CHECK)
    label = field_label(field)
    formatted = library_msgid in _FORMATTED
    message = gettext(msgid).replace("%(label)s", label.replace("%", "%%") if formatted else label)
    if msgid in (AT_LEAST, AT_MOST, BETWEEN):
        # Show the bounds as people write numbers (10,000,000,000), not as Python prints them.
        bounds = next((v for v in field.validators if isinstance(v, NumberRange)), None)
        if bounds is not None:
            for name in ("min", "max"):
                value = getattr(bounds, name)
                if value is not None:
                    message = message.replace(f"%({name})s", format_number(value))
    return message


class _ProjectMessages:
    """The translations object WTForms asks for every default message of one field."""

    def __init__(self) -> None:
        self.field: Field | None = None

    def gettext(self, string: str) -> str:
        assert self.field is not None
        return project_message(self.field, string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular)


class Form(FlaskForm):
    """The base of every form in the app: the input rule first, then the project's own messages."""

    class Meta:
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Field:
            messages = _ProjectMessages()
            field = super().bind_field(form, unbound_field, {**options, "translations": messages})  # type: ignore[misc]
            messages.field = field
            return field

    def validate(self, extra_validators: dict[str, Any] | None = None) -> bool:
        """Refuse values the input rule refuses (that field's only error), then run each field's validators."""
        extra: dict[str, list[Any]] = {name: list(v) for name, v in (extra_validators or {}).items()}
        for name in self._fields:
            inline = getattr(self.__class__, f"validate_{name}", None)
            if inline is not None:
                extra.setdefault(name, []).append(inline)
        self.form_errors: list[str] = []
        success = True
        for name, field in self._fields.items():
            problem = refused_input(field)
            if problem is not None:
                field.errors = [problem]
                success = False
            elif not field.validate(self, extra.get(name, ())):
                success = False
        return success


class ConfirmForm(Form):
    """A button that only carries the CSRF token."""


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


# WTForms types every field's `.data` as optional; after `validate_on_submit()` a required field holds a value.
# These say what the view expects, once, instead of a cast at every call.

def text_of(field: Field) -> str:
    """A text field's value, "" when empty."""
    return str(field.data or "")


def number_of(field: Field) -> int:
    """A validated number field's value (0 when empty)."""
    return int(field.data or 0)


def values_of(field: Field) -> list[Any]:
    """A multiple-choice field's chosen values ([] when none)."""
    return list(field.data or [])


def add_error(field: Field, message: str) -> None:
    """Show one more error under a field (after validation, for what only the service could tell)."""
    field.errors = [*field.errors, message]
