"""The API's request and response shapes (marshmallow); flask-smorest documents them in the OpenAPI document."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from lms import textrule
from lms.adoption.rules import MINUTES_BUCKETS
from lms.adoption.service import COMMENT_MAX
from lms.core.vocab import BARRIERS

MAX_PER_PAGE = 100


# The input rule (lms.textrule) as a documented pattern, so generated clients and schemathesis know it;
# the rule itself still decides (tests/test_api_schema.py checks that both agree on every character).
_REFUSED = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff\ufffe\uffff"
ONE_LINE_PATTERN = rf"^[^{_REFUSED}\t\n\r]*$"
MULTI_LINE_PATTERN = rf"^[^{_REFUSED}]*$"


def _acceptable_line(value: str) -> None:
    if not textrule.is_acceptable(value, multiline=False):
        raise ma.ValidationError("Contains a character that is not allowed.")


def _acceptable_text(value: str) -> None:
    if not textrule.is_acceptable(value, multiline=True):
        raise ma.ValidationError("Contains a character that is not allowed.")


def _line() -> fields.String:
    return fields.String(validate=[validate.Length(max=100), _acceptable_line], metadata={"pattern": ONE_LINE_PATTERN})


class Strict(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class ErrorDetailSchema(ma.Schema):
    field = fields.String(required=True)
    message = fields.String(required=True)


class ErrorSchema(ma.Schema):
    """Every error under /api."""

    code = fields.String(required=True, metadata={"description": "Stable machine-readable code, e.g. invalid"})
    message = fields.String(required=True)
    details = fields.List(fields.Nested(ErrorDetailSchema), required=True)


class NoQuery(Strict):
    """No query parameters: any one given is refused with 400."""


class PageQuery(Strict):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class PageSchema(ma.Schema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    pages = fields.Integer(required=True)


def paged(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    """A page of `item`: {"items": [...], "page", "per_page", "total", "pages"}."""
    attrs: dict[str, Any] = {"items": fields.List(fields.Nested(item), required=True)}
    return type(name, (PageSchema,), attrs)


# --- adoption ------------------------------------------------------------------------------------

Share = fields.Float(allow_none=True, required=True, metadata={"description": "0-1; null below the small-group threshold"})


class GroupSchema(ma.Schema):
    name = fields.String(required=True)
    people = fields.Integer(required=True)
    completion = fields.Float(allow_none=True, required=True)
    active = fields.Float(allow_none=True, required=True)
    habitual = fields.Float(allow_none=True, required=True)
    hours_month = fields.Float(allow_none=True, required=True)


class WeekSchema(ma.Schema):
    week = fields.Date(required=True)
    active = fields.Float(allow_none=True, required=True)
    habitual = fields.Float(allow_none=True, required=True)


class ShareSchema(ma.Schema):
    label = fields.String(required=True)
    share = fields.Float(allow_none=True, required=True)


class AdoptionSummarySchema(ma.Schema):
    """Aggregates only, as the executive dashboard shows them: no person's answers."""

    week = fields.Date(required=True, metadata={"description": "Monday of the last complete week"})
    has_data = fields.Boolean(required=True)
    min_group = fields.Integer(required=True, metadata={"description": "Groups smaller than this show null"})
    stage = fields.String(required=True, validate=validate.OneOf(["nothing", "personal", "some_departments",
                                                                  "company_wide"]))
    missing = fields.List(fields.String(), required=True, metadata={"description": "Unmet requirements of the next stage"})
    company = fields.Nested(GroupSchema, required=True)
    departments = fields.List(fields.Nested(GroupSchema), required=True)
    weeks = fields.List(fields.Nested(WeekSchema), required=True)
    tasks = fields.List(fields.Nested(ShareSchema), required=True)
    tools = fields.List(fields.Nested(ShareSchema), required=True)
    barriers = fields.List(fields.Nested(ShareSchema), required=True)
    monthly_hours = fields.Float(allow_none=True, required=True)


# --- cohorts, users, catalog ---------------------------------------------------------------------

class CohortSchema(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    start_date = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    finished = fields.Boolean(required=True)
    members = fields.Integer(required=True)
    completion = fields.Float(allow_none=True, required=True,
                              metadata={"description": "Share of member-course pairs completed; null below the threshold"})


class UserSchema(ma.Schema):
    id = fields.Integer(required=True)
    display_name = fields.String(required=True)
    email = fields.String(required=True)
    department = fields.String(allow_none=True, required=True)
    roles = fields.List(fields.String(), required=True)
    is_active = fields.Boolean(required=True)


class UsecaseSchema(ma.Schema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    summary = fields.String(required=True)
    industries = fields.List(fields.String(), required=True)
    departments = fields.List(fields.String(), required=True)
    task_type = fields.String(required=True)
    tools = fields.List(fields.String(), required=True)
    level = fields.String(required=True)
    minutes = fields.Integer(required=True)


class ExerciseSchema(ma.Schema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    summary = fields.String(required=True)
    minutes = fields.Integer(required=True)
    level = fields.String(required=True)
    industries = fields.List(fields.String(), required=True)
    department = fields.String(required=True)
    pass_score = fields.Integer(required=True)


CohortPage = paged(CohortSchema, "CohortPage")
UserPage = paged(UserSchema, "UserPage")
UsecasePage = paged(UsecaseSchema, "UsecasePage")
ExercisePage = paged(ExerciseSchema, "ExercisePage")


# --- check-ins -----------------------------------------------------------------------------------

class CheckinInSchema(Strict):
    """One person's weekly check-in, checked by the same rules as the form."""

    user_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    week = fields.String(load_default="current", validate=validate.OneOf(["current", "previous"]))
    days_used = fields.Integer(required=True, validate=validate.Range(min=0, max=7))
    minutes_bucket = fields.Integer(load_default=0, validate=validate.Range(min=0, max=len(MINUTES_BUCKETS) - 1))
    tasks = fields.List(_line(), load_default=list, validate=validate.Length(max=50), metadata={
        "description": "Task codes: the standard list, or the company's own as custom:<name>"})
    tools = fields.List(_line(), load_default=list, validate=validate.Length(max=50), metadata={
        "description": "Tool names from the company's list"})
    barriers = fields.List(fields.String(validate=validate.OneOf(list(BARRIERS))), load_default=list,
                           validate=validate.Length(max=len(BARRIERS)))
    comment = fields.String(load_default="", validate=[validate.Length(max=COMMENT_MAX), _acceptable_text],
                            metadata={"pattern": MULTI_LINE_PATTERN})


class CheckinOutSchema(ma.Schema):
    id = fields.Integer(required=True)
    user_id = fields.Integer(required=True)
    week = fields.Date(required=True)
    revision = fields.Integer(required=True)
    days_used = fields.Integer(required=True)


# --- usage events --------------------------------------------------------------------------------

class UsageEventSchema(Strict):
    """One "this person used AI at this moment" event from the company's own system."""

    client_id = fields.String(data_key="id", required=True, validate=[validate.Length(min=1, max=100), _acceptable_line],
                              metadata={"pattern": ONE_LINE_PATTERN,
                                        "description": "The sender's own id for the event, unique in the company: "
                                                       "an event sent again with the same id and content is a duplicate"})
    user_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1),
                             metadata={"description": "A person of the company, as GET /users gives it"})
    occurred_at = fields.AwareDateTime(format="iso", required=True, metadata={
        "description": "RFC 3339 date-time with an offset; counts on its Japan date. At most 400 days ago, not in the future"})
    tool = fields.String(load_default="", validate=[validate.Length(max=100), _acceptable_line],
                         metadata={"pattern": ONE_LINE_PATTERN, "description": "Free text, e.g. the AI tool's name"})


class UsageEventsInSchema(Strict):
    events = fields.List(fields.Nested(UsageEventSchema), required=True, validate=validate.Length(min=1, max=500))


class UsageWeekSchema(ma.Schema):
    user_id = fields.Integer(required=True)
    week = fields.Date(required=True, metadata={"description": "Monday of the Japan week"})
    active_days = fields.Integer(required=True, metadata={"description": "Distinct Japan dates with events, 0-7"})


class UsageEventsOutSchema(ma.Schema):
    accepted = fields.Integer(required=True, metadata={"description": "New events kept"})
    duplicates = fields.Integer(required=True, metadata={"description": "Events already received with the same content"})
    weeks = fields.List(fields.Nested(UsageWeekSchema), required=True, metadata={
        "description": "Every (person, week) the request's events fall in, as the telemetry now says"})


class UsageWeekQuery(Strict):
    week = fields.Date(load_default=None, metadata={
        "description": "Any day of the Japan week (Monday to Sunday); default: the last complete week"})


class SourceWeekSchema(ma.Schema):
    source = fields.String(required=True, metadata={"description": "api, m365_copilot, viva, chatgpt, claude, gemini, generic"})
    people = fields.Integer(required=True, metadata={"description": "Employees in this source's data that week"})
    active = Share


class UsageWeekFiguresSchema(ma.Schema):
    """One week's usage telemetry, aggregates only."""

    week = fields.Date(required=True, metadata={"description": "Monday of the Japan week"})
    min_group = fields.Integer(required=True, metadata={"description": "Groups smaller than this show null"})
    people = fields.Integer(required=True, metadata={"description": "Employees with telemetry that week, any source"})
    active = Share
    self_active = fields.Float(allow_none=True, required=True, metadata={
        "description": "Share of the same people who reported 1+ days in their check-in; null below the threshold"})
    sources = fields.List(fields.Nested(SourceWeekSchema), required=True)
