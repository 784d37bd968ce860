"""Structured JSON logs with a request id on every line.

The request id comes from a well-formed ``X-Request-ID`` header or is generated; it is
echoed in the response header and added to every log record written while the request
is handled (``-`` outside a request).
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid

from flask import Flask, Response, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_HANDLER_MARK = "_kassel_mobility_json_handler"

access_logger = logging.getLogger("app.access")


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (and method and path) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Annotate ``record``; never drops it."""
        if has_request_context():
            record.request_id = g.get("request_id", "-")
            record.method = request.method
            record.path = request.path
        else:
            record.request_id = "-"
        return True


def configure_logging(level: str) -> None:
    """Send the root logger's records to stderr as JSON lines (idempotent)."""
    root = logging.getLogger()
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(max(logging.WARNING, root.level))
    for handler in root.handlers:
        if getattr(handler, _HANDLER_MARK, False):
            return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    handler.addFilter(RequestIdFilter())
    setattr(handler, _HANDLER_MARK, True)
    root.addHandler(handler)


def request_id_from_header(value: str | None) -> str:
    """Return ``value`` when it is a safe request id, otherwise a new one."""
    if value and _VALID_REQUEST_ID.match(value):
        return value
    return uuid.uuid4().hex


def init_request_logging(app: Flask) -> None:
    """Assign request ids and write one access log line per request."""

    @app.before_request
    def _assign_request_id() -> None:
        g.request_id = request_id_from_header(request.headers.get(REQUEST_ID_HEADER))
        g.request_started = time.perf_counter()

    @app.after_request
    def _log_access(response: Response) -> Response:
        response.headers[REQUEST_ID_HEADER] = g.get("request_id", "-")
        started = g.get("request_started")
        duration_ms = round((time.perf_counter() - started) * 1000, 2) if started else None
        access_logger.info(
            "request",
            extra={"status": response.status_code, "duration_ms": duration_ms},
        )
        return response
