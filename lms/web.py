"""Error pages, template helpers and proxy handling."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

from flask import Flask, Response, abort, current_app, jsonify, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from lms import textrule
from lms.accounts.forms import LANGUAGES
from lms.accounts.roles import Role
from lms.core.vocab import EMPLOYEE_BANDS, INDUSTRIES, prefecture_label


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def init_app(app: Flask) -> None:
    if app.config["LMS_TRUSTED_PROXIES"]:
        n = app.config["LMS_TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    # First of all hooks: nothing may look at a refused URL, let alone send it to the database.
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_control_characters_in_url)

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError) -> Any:
        return _error_response(
            400, lambda: _("The form has expired or was not sent from this site. Reload the page and try again.")
        )

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Any:
        if request.path.startswith("/api/"):  # never an HTML page on the API, whatever went wrong
            from lms.api.errors import http_error

            return http_error(error)
        return _error_response(error.code or 500, lambda: _http_message(app, error.code or 500))

    @app.context_processor
    def _template_helpers() -> dict[str, Any]:
        # Runs for every page: the footer's language form is plain HTML over LANGUAGES and
        # csrf_token() (it posts to accounts' LanguageForm), so no form object is built here.
        locale = str(get_locale())
        return {
            "nav_items": nav_items,
            "role_labels": role_labels,
            "language_choices": LANGUAGES,
            "industry_label": lambda code: INDUSTRIES.get(code, code),
            "band_label": lambda code: EMPLOYEE_BANDS.get(code, code),
            "prefecture_label": lambda code: prefecture_label(code, locale),
            "current_locale": locale,
        }

    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": format_datetime(value, fmt) if value else ""


ROLE_LABELS = {
    Role.ADMIN: _l("Platform administrator"),
    Role.TRAINER: _l("Trainer"),
    Role.EXECUTIVE: _l("Executive"),
    Role.ORG_ADMIN: _l("Company administrator"),
    Role.EMPLOYEE: _l("Employee"),
}


def role_labels(roles: Iterable[str]) -> str:
    """Translated role names in a fixed order, joined for display."""
    wanted = {Role(r) for r in roles}
    return "、".join(str(label) for role, label in ROLE_LABELS.items() if role in wanted) or "—"


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    current: bool


def nav_items() -> list[NavItem]:
    """The menu for the signed-in person: one entry per home they have."""
    user = current_user
    entries: list[tuple[Any, str, dict[str, Any]]] = []
    if user.has_role(Role.ADMIN):
        entries.append((_l("Companies"), "admin.index", {}))
        entries.append((_l("Audit log"), "admin.audit", {}))
        entries.append((_l("Sent mail"), "admin.outbox", {}))
    if user.has_role(Role.TRAINER):
        entries.append((_l("My companies"), "home.trainer", {}))
    if user.has_role(Role.TRAINER, Role.ADMIN):
        entries.append((_l("Course authoring"), "courses.authoring_index", {}))
    if user.org_id is not None:
        roles = user.company_roles
        if roles:
            entries.append((_l("My learning"), "org_home.learner", {"org_id": user.org_id}))
            entries.append((_l("My progress"), "learn.my_progress", {"org_id": user.org_id}))
        if Role.EMPLOYEE in roles:
            entries.append((_l("AI check-in"), "adoption_checkin.form", {"org_id": user.org_id}))
        if roles & {Role.EMPLOYEE, Role.EXECUTIVE, Role.ORG_ADMIN}:
            entries.append((_l("AI use cases"), "usecases.index", {"org_id": user.org_id}))
        if Role.EXECUTIVE in roles:
            entries.append((_l("Company overview"), "org_home.executive", {"org_id": user.org_id}))
        if roles & {Role.EXECUTIVE, Role.ORG_ADMIN}:
            entries.append((_l("AI adoption"), "adoption.index", {"org_id": user.org_id}))
            entries.append((_l("AI tool guide"), "toolguide.index", {"org_id": user.org_id}))
        if Role.ORG_ADMIN in roles:
            entries.append((_l("Members"), "members.index", {"org_id": user.org_id}))
            entries.append((_l("Course progress"), "course_progress.courses_index", {"org_id": user.org_id}))
            entries.append((_l("Cohorts"), "cohorts.index", {"org_id": user.org_id}))
    return [
        NavItem(str(label), url_for(endpoint, **values), request.endpoint == endpoint)
        for label, endpoint, values in entries
    ]


def _http_message(app: Flask, code: int) -> str:
    messages = {
        400: _l("The request could not be understood."),
        403: _l("You do not have permission to see this page."),
        404: _l("The page was not found."),
        405: _l("This action is not allowed here."),
        410: _l("This link is no longer valid."),
        413: _l("The file is too large. The limit is %(mb)d MB.", mb=app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)),
        429: _l("Too many requests. Wait a while and try again."),
    }
    return str(messages.get(code, _l("Something went wrong.")))


def _refuse_control_characters_in_url() -> None:
    """A URL path or query holding a character the input rule refuses is not a page: 404 or 400.

    :raise 404: for the path, :raise 400: for the query string
    """
    if not textrule.is_acceptable(request.path, multiline=False):
        abort(404)
    for key, value in request.args.items(multi=True):
        if not (textrule.is_acceptable(key, multiline=False) and textrule.is_acceptable(value, multiline=False)):
            abort(400)


def _error_response(code: int, message: Callable[[], str]) -> Any:
    """The error page; it cannot fail: when the page itself fails, a plain text answer is sent."""
    from lms.extensions import db

    try:
        # A failed statement leaves the session (and PostgreSQL's transaction) unusable; the page reads
        # the signed-in person and their language, so roll back before anything else.
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection itself may be gone
        pass
    text = "Something went wrong."
    try:
        text = message()
        if _wants_json():
            return jsonify(error=text), code
        return render_template("error.html", code=code, message=text), code
    except Exception:  # noqa: BLE001 - the last resort must not raise
        current_app.logger.exception("the error page failed")
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001
            pass
        return Response(f"{code} {text}\n", status=code, mimetype="text/plain")
