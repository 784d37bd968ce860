"""The errors gunicorn itself answers, as problem+json like every other error of the API.

Two kinds reach a client without passing through Flask:

* **A worker timeout.** The arbiter aborts a worker whose request runs longer than
  ``timeout``; the abort surfaces in the request as ``SystemExit``. :class:`AbortAsProblem`
  (WSGI middleware around the Flask app) answers it with 503 problem+json
  (``worker-timeout``) instead of gunicorn's HTML 500, after the ``worker_abort`` hook of
  ``gunicorn.conf.py`` called :func:`mark_aborted`.
* **Requests gunicorn refuses before the app runs**: a request line over
  ``limit_request_line`` (414), too many or too large headers (431), a malformed request
  line or header (400). ``gunicorn.conf.py`` installs :func:`write_problem` as gunicorn's
  error writer (:func:`install_gunicorn_error_pages`). Behind a front proxy, configure
  the proxy's own limits and error pages the same way (``docs/configuration.md``).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:kassel-mobility:problem:"

logger = logging.getLogger(__name__)

_aborted = threading.Event()

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

SLUGS = {
    400: "bad-request",
    403: "forbidden",
    414: "uri-too-long",
    417: "expectation-failed",
    431: "request-header-fields-too-large",
    500: "internal-error",
    501: "not-implemented",
}
DETAILS = {
    400: "the server could not read the request (malformed request line or header)",
    414: "the request line is too long; send long parameters in fewer or shorter values",
    431: "the request's headers are too many or too large",
}


def problem_body(status: int, slug: str, title: str, detail: str, instance: str = "") -> bytes:
    """A problem+json document (RFC 9457), as bytes."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_PREFIX + slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    return json.dumps(body).encode()


def mark_aborted() -> None:
    """Say that this worker is being aborted for running over its timeout (gunicorn's ``worker_abort`` hook)."""
    _aborted.set()


class AbortAsProblem:
    """WSGI middleware: a request cut off by gunicorn's worker timeout answers 503 problem+json."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Run the app; turn gunicorn's timeout abort into a problem response (the worker still exits after)."""
        try:
            return self.app(environ, start_response)
        except SystemExit:
            if not _aborted.is_set():
                raise
            logger.error("request cut off by the worker timeout", extra={"path": environ.get("PATH_INFO", "")})
            body = problem_body(
                503,
                "worker-timeout",
                "Request took too long",
                "the server stopped working on this request after its time limit; it may still have been "
                "carried out in part, so check its state (for a booking: GET /api/v1/bookings) before retrying",
                environ.get("PATH_INFO", ""),
            )
            headers = [("Content-Type", PROBLEM_JSON), ("Content-Length", str(len(body))), ("Retry-After", "5")]
            start_response("503 Service Unavailable", headers, None)
            return [body]


def write_problem(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """Write gunicorn's own error answers as problem+json (replaces ``gunicorn.util.write_error``)."""
    from gunicorn import util

    detail = DETAILS.get(status_int, "")
    if mesg and status_int != 500:
        detail = f"{detail} ({mesg})" if detail else mesg
    body = problem_body(status_int, SLUGS.get(status_int, f"http-{status_int}"), reason, detail or reason)
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: {PROBLEM_JSON}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin1") + body)


def install_gunicorn_error_pages() -> None:
    """Make gunicorn write its own error answers (400, 414, 431, 500) as problem+json."""
    from gunicorn import util

    util.write_error = write_problem
