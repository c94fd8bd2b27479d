"""Role checks and HTTP security headers."""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable

from flask import Flask, Response, abort, request
from flask_login import current_user, login_required

from lms.accounts.roles import Role
from lms.tenancy import current_org_roles

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def require_role(*roles: Role) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Platform pages: the signed-in person must hold one of `roles` (else 403)."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def require_org_role(*roles: Role) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Company pages: the person must hold one of `roles` in the request's company (else 403)."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_org_roles().intersection(roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def init_security_headers(app: Flask) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.endpoint != "static":
            # Pages and downloads (CSV/XLSX exports) carry personal data: never kept in any cache.
            # Responses that choose their own caching (course assets, the calendar feed) say so.
            response.headers.setdefault("Cache-Control", "no-store")
        return response
