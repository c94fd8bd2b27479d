"""The JSON API, /api/v1: views only (load through the token's company, check the scope, one call, answer).

Every request carries `Authorization: Bearer lms_pat_...`; the token fixes the company (never a
path parameter), so `lms.tenancy.scoped` reads only that company. No cookie is read or set here.
"""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable

import marshmallow as ma
from flask import Flask, current_app, g, request
from flask_smorest import Api, Blueprint
from werkzeug.exceptions import HTTPException

from lms.accounts.models import User
from lms.adoption import dashboard, service as adoption_service
from lms.api import queries, schemas, service
from lms.api.errors import ApiError, http_error
from lms.extensions import csrf, db
from lms.orgs.models import Organization
from lms.tenancy import current_org, get_in_org
from lms.transaction import commit
from lms.usage import events

PREFIX = "/api/v1"
ERRORS = (400, 401, 403, 404, 422, 429)

blp = Blueprint("api", __name__, url_prefix=PREFIX, description="A company's data, read and written with a token.")
csrf.exempt(blp)  # no cookie opens this blueprint: only a bearer token, checked below


class LmsApi(Api):
    ERROR_SCHEMA = schemas.ErrorSchema

    def _register_error_handlers(self) -> None:
        """The app keeps its own (HTML) error pages; errors under /api are answered by lms.api.errors."""


def init_app(app: Flask) -> None:
    """Serve the API and its OpenAPI 3.1 document at /api/v1/openapi.json (no docs UI)."""
    app.config.setdefault("API_TITLE", "LMS API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api = LmsApi(app, spec_kwargs={"servers": [{"url": "/"}]})
    api.spec.components.security_scheme("bearer", {
        "type": "http", "scheme": "bearer", "description": "A personal access token, lms_pat_...",
    })
    api.spec.options["security"] = [{"bearer": []}]
    api.register_blueprint(blp)


@blp.errorhandler(HTTPException)
def _error(error: HTTPException) -> Any:
    db.session.rollback()
    return http_error(error)


@blp.before_request
def _authenticate() -> None:
    """Fix the company from the bearer token, count the request, refuse over the limit.

    :raise 401: no token, or an unknown, revoked or expired one; :raise 429: over the limit.
    """
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret.startswith(service.PREFIX) or len(secret) > 200:
        raise ApiError(401)
    config = current_app.config
    try:
        admission = service.admit(secret, window_seconds=config["LMS_API_RATE_WINDOW_SECONDS"])
    except service.NotAuthenticated as refused:
        raise ApiError(401, {
            "revoked": "The token has been revoked.",
            "expired": "The token has expired. Create a new one.",
        }.get(refused.reason, "The token is not recognised.")) from None
    if admission.requests > config["LMS_API_RATE_LIMIT"]:
        raise ApiError(429, headers={"Retry-After": str(admission.retry_after)})
    g.api = admission
    g.org = db.session.get(Organization, admission.org_id)


def requires(area: str, access: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The token must carry `<area>:<access>` (write includes read). :raise 403:"""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not service.allows(g.api.scopes, area, access):
                raise ApiError(403, f"The token needs the scope {area}:{access}.", code="insufficient_scope")
            return view(*args, **kwargs)

        return wrapped

    return decorator


def query(schema: type[ma.Schema]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Query parameters by `schema`; any other parameter is refused (webargs would drop it silently)."""
    return blp.arguments(schema, location="query", unknown=ma.RAISE)


def documented(*codes: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Document the error answers an operation may give (all in the one error shape)."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        for code in codes:
            view = blp.alt_response(code, schema=schemas.ErrorSchema, description="Error")(view)
        return view

    return decorator


# --- adoption ------------------------------------------------------------------------------------

@blp.route("/adoption/summary")
@requires("adoption", "read")
@query(schemas.NoQuery)
@blp.response(200, schemas.AdoptionSummarySchema)
@documented(*ERRORS)
def adoption_summary(_args: dict[str, Any]) -> dict[str, Any]:
    """The company's adoption: the dashboard's aggregates, each null below the small-group threshold."""
    board = dashboard.build(current_org())
    return {
        "week": board.week, "has_data": board.has_data, "min_group": board.thresholds.min_group,
        "stage": board.stage.stage.name.lower(), "missing": [str(m) for m in board.stage.missing],
        "company": board.company, "departments": board.departments,
        "weeks": [{"week": w, "active": a, "habitual": h}
                  for w, a, h in zip(board.weeks, board.active_series, board.habitual_series, strict=True)],
        "tasks": [{"label": k, "share": v} for k, v in board.tasks],
        "tools": [{"label": k, "share": v} for k, v in board.tools],
        "barriers": [{"label": k, "share": v} for k, v in board.barriers],
        "monthly_hours": board.monthly_hours,
    }


# --- cohorts -------------------------------------------------------------------------------------

@blp.route("/cohorts")
@requires("cohorts", "read")
@query(schemas.PageQuery)
@blp.response(200, schemas.CohortPage)
@documented(*ERRORS)
def cohorts(args: dict[str, int]) -> dict[str, Any]:
    """The company's cohorts, newest first, with their progress (aggregates only)."""
    return queries.cohorts(current_org(), args["page"], args["per_page"])


# --- users ---------------------------------------------------------------------------------------

@blp.route("/users")
@requires("users", "read")
@query(schemas.PageQuery)
@blp.response(200, schemas.UserPage)
@documented(*ERRORS)
def users(args: dict[str, int]) -> dict[str, Any]:
    """The company's people in 五十音 order (never a password hash)."""
    return queries.users(current_org(), args["page"], args["per_page"])


# --- catalog -------------------------------------------------------------------------------------

@blp.route("/catalog")
@requires("catalog", "read")
@query(schemas.PageQuery)
@blp.response(200, schemas.UsecasePage)
@documented(*ERRORS)
def catalog(args: dict[str, int]) -> dict[str, Any]:
    """The provider's use cases (the same for every company), by id."""
    return queries.usecases(args["page"], args["per_page"])


@blp.route("/exercises")
@requires("catalog", "read")
@query(schemas.PageQuery)
@blp.response(200, schemas.ExercisePage)
@documented(*ERRORS)
def exercises(args: dict[str, int]) -> dict[str, Any]:
    """The provider's prompt-practice exercises, by id."""
    return queries.exercises(args["page"], args["per_page"])


# --- check-ins -----------------------------------------------------------------------------------

@blp.route("/checkins", methods=["POST"])
@requires("checkins", "write")
@query(schemas.NoQuery)
@blp.arguments(schemas.CheckinInSchema)
@blp.response(201, schemas.CheckinOutSchema)
@documented(*ERRORS)
def post_checkin(_query: dict[str, Any], data: dict[str, Any]) -> Any:
    """Record one employee's weekly check-in (this week or last), by the same rules as the form."""
    person = get_in_org(User, data["user_id"], current_org())
    if person is None:
        raise ApiError(404, "No such person in this company.", details=[{"field": "user_id", "message": "Not found."}])
    current, previous = adoption_service.answerable_weeks()
    week = previous if data["week"] == "previous" else current
    draft = adoption_service.CheckinDraft(
        days_used=data["days_used"], minutes_bucket=data["minutes_bucket"], tasks=data["tasks"],
        tools=data["tools"], barriers=data["barriers"], comment=data["comment"],
    )
    try:
        checkin = adoption_service.save_checkin(person, week, draft)
    except adoption_service.CheckinInvalid as invalid:
        raise ApiError(422, details=[{"field": k, "message": str(v)} for k, v in invalid.errors.items()]) from None
    commit()
    return {"id": checkin.id, "user_id": person.id, "week": checkin.week, "revision": checkin.revision,
            "days_used": checkin.days_used}


# --- usage ---------------------------------------------------------------------------------------

@blp.route("/usage-events", methods=["POST"])
@requires("usage", "write")
@query(schemas.NoQuery)
@blp.arguments(schemas.UsageEventsInSchema)
@blp.response(200, schemas.UsageEventsOutSchema)
@documented(*ERRORS, 409)
def post_usage_events(_query: dict[str, Any], data: dict[str, Any]) -> Any:
    """Record 1-500 usage events from the company's own system, all or nothing; an event sent again is a duplicate.

    422 names each bad event (`events.3.user_id`); 409 names each id already received with other content.
    """
    try:
        result = events.record_events(current_org(), [events.EventIn(**e) for e in data["events"]],
                                      token_id=g.api.token_id)
    except events.EventsConflict as clash:
        raise ApiError(409, None if clash.problems else "Another request sent the same new ids at the same time. Send again.",
                       details=clash.details()) from None
    except events.EventsInvalid as invalid:
        raise ApiError(422, details=invalid.details()) from None
    commit()
    return result.as_dict()


@blp.route("/usage/weeks")
@requires("usage", "read")
@query(schemas.UsageWeekQuery)
@blp.response(200, schemas.UsageWeekFiguresSchema)
@documented(*ERRORS)
def usage_week(args: dict[str, Any]) -> dict[str, Any]:
    """One week's usage telemetry (posted events and vendors' imports): people, active share, by source; aggregates only."""
    return events.week_figures(current_org(), args["week"])
