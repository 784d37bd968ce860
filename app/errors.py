"""Errors of the HTTP API and the one shape every error response takes.

Every error leaves the API as RFC 9457 ``application/problem+json``::

    {"type": "urn:kassel-mobility:problem:invalid-parameter", "title": "Invalid parameter",
     "status": 400, "detail": "...", "instance": "/api/v1/...", "requestId": "...",
     "errors": [{"location": "query", "field": "from", "message": "..."}]}

``type`` is stable per kind of error (``docs/api-errors.md`` lists them); ``errors`` is
present on validation problems and lists every offending field.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any

from flask import Flask, Response, g, json, request
from werkzeug.exceptions import HTTPException

PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:kassel-mobility:problem:"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FieldProblem:
    """One offending field of a request."""

    location: str
    field: str
    message: str


class ApiError(Exception):
    """Base of every error the API reports on purpose.

    Subclasses set ``status``, ``slug`` (the stable part of ``type``) and ``title``.
    """

    status: int = 500
    slug: str = "internal-error"
    title: str = "Internal server error"

    def __init__(
        self,
        detail: str,
        *,
        errors: list[FieldProblem] | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.extra = extra or {}
        self.headers = headers or {}


class BadRequest(ApiError):
    """The request cannot be read at all (for example its JSON does not parse)."""

    status = 400
    slug = "bad-request"
    title = "Bad request"


class InvalidParameter(ApiError):
    """One or more query or path parameters are invalid."""

    status = 400
    slug = "invalid-parameter"
    title = "Invalid parameter"


class ParameterOutOfRange(ApiError):
    """A well-formed parameter outside the range the service can answer for (a time far from the timetable)."""

    status = 422
    slug = "parameter-out-of-range"
    title = "Parameter out of range"


class InvalidBody(ApiError):
    """The JSON body parses but does not satisfy the operation's schema."""

    status = 422
    slug = "invalid-body"
    title = "Invalid request body"


class UnsupportedMediaType(ApiError):
    """The body is not JSON."""

    status = 415
    slug = "unsupported-media-type"
    title = "Unsupported media type"


class NotFound(ApiError):
    """The addressed resource does not exist (or is not the caller's)."""

    status = 404
    slug = "not-found"
    title = "Not found"


class Unauthorized(ApiError):
    """No valid bearer token: sign in (or refresh the access token)."""

    status = 401
    slug = "unauthorized"
    title = "Sign-in required"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="kassel-mobility"'})


class Forbidden(ApiError):
    """Signed in, but this account's role may not do this."""

    status = 403
    slug = "forbidden"
    title = "Not allowed"


class Conflict(ApiError):
    """The request clashes with the current state (a vehicle taken, a key reused with another body)."""

    status = 409
    slug = "conflict"
    title = "Conflict"


class RuleViolation(ApiError):
    """Well-formed, but a business rule refuses it; ``slug`` names the rule."""

    status = 422
    title = "The request breaks a rule"

    def __init__(self, slug: str, detail: str, **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)
        self.slug = slug


class ServiceUnavailable(ApiError):
    """A dependency (database, region) is not ready."""

    status = 503
    slug = "service-unavailable"
    title = "Service unavailable"


def problem_type(slug: str) -> str:
    """Return the stable ``type`` URI for a problem slug."""
    return PROBLEM_TYPE_PREFIX + slug


def problem_response(
    *,
    status: int,
    slug: str,
    title: str,
    detail: str,
    errors: list[FieldProblem] | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Build an ``application/problem+json`` response."""
    body: dict[str, Any] = {
        "type": problem_type(slug),
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.path,
        "requestId": g.get("request_id"),
    }
    if errors:
        body["errors"] = [asdict(problem) for problem in errors]
    if extra:
        body.update(extra)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    response.headers.update(headers or {})
    return response


def _slug_for_status(code: int) -> str:
    return {
        400: "bad-request",
        401: "unauthorized",
        403: "forbidden",
        404: "not-found",
        405: "method-not-allowed",
        406: "not-acceptable",
        409: "conflict",
        413: "payload-too-large",
        415: "unsupported-media-type",
        429: "too-many-requests",
    }.get(code, f"http-{code}")


def register_error_handlers(app: Flask) -> None:
    """Register the handlers that turn every exception into problem+json."""

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError) -> Response:
        return problem_response(
            status=error.status,
            slug=error.slug,
            title=error.title,
            detail=error.detail,
            errors=error.errors,
            extra=error.extra,
            headers=error.headers,
        )

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        code = error.code or 500
        response = problem_response(
            status=code,
            slug=_slug_for_status(code),
            title=error.name,
            detail=error.description or error.name,
        )
        if code == 405 and error.get_response().headers.get("Allow"):
            response.headers["Allow"] = error.get_response().headers["Allow"]
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        logger.exception("unhandled error", exc_info=error)
        _rollback_session(app)
        return problem_response(
            status=500,
            slug="internal-error",
            title="Internal server error",
            detail="An unexpected error occurred; quote the request id when reporting it.",
        )


def _rollback_session(app: Flask) -> None:
    extension = app.extensions.get("sqlalchemy")
    if extension is not None:
        extension.session.rollback()
