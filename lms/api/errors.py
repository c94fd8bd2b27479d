"""One JSON error shape for everything under /api: {"code", "message", "details": [{"field", "message"}]}.

Never an HTML page: the blueprint's handler answers errors raised in API views, and the app's
handler (lms.web) hands every other error under /api/ (unknown URL, wrong method, refused query
string) to `http_error` here.
"""
from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from werkzeug.exceptions import HTTPException

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "server_error",
}

MESSAGES = {
    400: "The request could not be understood.",
    401: "A valid API token is required: send it as 'Authorization: Bearer lms_pat_...'.",
    403: "The token does not allow this.",
    404: "Not found.",
    405: "This method is not allowed here.",
    409: "The request conflicts with the current state.",
    413: "The request is too large.",
    415: "Send the body as application/json.",
    422: "Some fields are not valid.",
    429: "Too many requests for this token. Wait and try again.",
    500: "Something went wrong.",
}


class ApiError(HTTPException):
    """An API answer other than success, with a stable code, a message and per-field details."""

    def __init__(self, status: int, message: str | None = None, *, code: str | None = None,
                 details: list[dict[str, str]] | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(description=message or MESSAGES.get(status, ""))
        self.code = status
        self.api_code = code or CODES.get(status, "error")
        self.details = details or []
        self.extra_headers = headers or {}


def body(status: int, code: str, message: str, details: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "details": details or []}


def _webargs_details(messages: dict[str, Any]) -> tuple[bool, list[dict[str, str]]]:
    """Flatten webargs' {location: {field: [messages]}}; True when a query parameter was unknown."""
    details: list[dict[str, str]] = []
    unknown_query = False

    def walk(prefix: str, value: Any, location: str) -> None:
        nonlocal unknown_query
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner, location)
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            for text in value:
                if location == "query" and text == "Unknown field.":
                    unknown_query = True
                details.append({"field": prefix or location, "message": text})
        elif isinstance(value, list):
            for i, inner in enumerate(value):
                walk(f"{prefix}.{i}", inner, location)
        else:
            details.append({"field": prefix or location, "message": str(value)})

    for location, fields in messages.items():
        walk("", fields, location)
    return unknown_query, details


def http_error(error: HTTPException) -> Response:
    """The JSON answer for any HTTP error under /api."""
    status = error.code or 500
    headers: dict[str, str] = {}
    if isinstance(error, ApiError):
        code, message, details = error.api_code, error.description or "", error.details
        headers.update(error.extra_headers)
    else:
        code, message, details = CODES.get(status, "error"), MESSAGES.get(status, "Something went wrong."), []
        data = getattr(error, "data", None) or {}
        if isinstance(data.get("messages"), dict):  # webargs: arguments that failed their schema
            unknown_query, details = _webargs_details(data["messages"])
            if unknown_query:
                status, code, message = 400, "unknown_parameter", "Unknown query parameter."
            elif status == 400:
                message = "The body is not valid JSON." if "json" in data["messages"] else MESSAGES[400]
        if status == 405:
            valid = getattr(error, "valid_methods", None)
            if valid:
                headers["Allow"] = ", ".join(valid)
    response = jsonify(body(status, code, message, details))
    response.status_code = status
    response.headers.update(headers)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="lms"'
    return response
