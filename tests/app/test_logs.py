"""Request ids and JSON log lines."""

from __future__ import annotations

import io
import json
import logging

from flask import Flask
from flask.testing import FlaskClient
from pythonjsonlogger.json import JsonFormatter

from app.logs import RequestIdFilter, request_id_from_header


def test_request_id_is_echoed_when_well_formed(client: FlaskClient) -> None:
    response = client.get("/health", headers={"X-Request-ID": "app-1234.abc"})
    assert response.headers["X-Request-ID"] == "app-1234.abc"


def test_request_id_is_generated_when_missing_or_unsafe(client: FlaskClient) -> None:
    generated = client.get("/health").headers["X-Request-ID"]
    assert len(generated) == 32
    unsafe = client.get("/health", headers={"X-Request-ID": 'x" injected'}).headers["X-Request-ID"]
    assert unsafe != 'x" injected'
    assert request_id_from_header("a" * 129) != "a" * 129


def test_log_lines_are_json_with_the_request_id(app: Flask) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("%(levelname)s %(name)s %(message)s %(request_id)s"))
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("app.access")
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.INFO)
    try:
        app.test_client().get("/health", headers={"X-Request-ID": "trace-42"})
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    access = [line for line in lines if line["message"] == "request"]
    assert access, "no access log line written"
    assert access[-1]["request_id"] == "trace-42"
    assert access[-1]["status"] == 200
    assert access[-1]["path"] == "/health"
