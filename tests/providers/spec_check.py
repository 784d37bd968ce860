"""Offline checks against the official specs: GBFS JSON schemas 2.3/3.0 and the TOMP-API 1.6.1 OpenAPI file.

Both read ``../shared/data/specs``; a test that needs a spec file that is absent skips with its path.
Errors come back as readable strings ("POST /planning/offers 201: body.options.0.legs.0: 'from' is a
required property"), so an assertion failure lists every deviation at once.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import yaml
from jsonschema import Draft7Validator
from openapi_schema_validator import OAS30Validator

from tests.paths import SHARED_DATA

SPECS = SHARED_DATA / "specs"
GBFS_SCHEMAS = SPECS / "gbfs-json-schema"
TOMP_SPEC = SPECS / "tomp-api" / "TOMP-API.yaml"


def require(path: Path) -> Path:
    """``path``, or skip the test naming the missing spec file."""
    if not path.exists():
        pytest.skip(f"spec file not found: {path}")
    return path


def _where(error: Any) -> str:
    return ".".join(str(part) for part in error.absolute_path) or "(root)"


@cache
def _gbfs_validator(version: str, feed: str) -> Draft7Validator:
    schema = json.loads(require(GBFS_SCHEMAS / f"v{version}" / f"{feed}.json").read_text(encoding="utf-8"))
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


def gbfs_errors(version: str, feed: str, document: object) -> list[str]:
    """Every schema error of one GBFS document (``feed`` is the file name without ``.json``)."""
    validator = _gbfs_validator(version, feed)
    return [f"{version}/{feed}: {_where(e)}: {e.message}" for e in validator.iter_errors(document)]


# -- TOMP ---------------------------------------------------------------------------------------------


@cache
def tomp_spec() -> dict[str, Any]:
    """The TOMP-API OpenAPI document."""
    loaded: dict[str, Any] = yaml.safe_load(require(TOMP_SPEC).read_text(encoding="utf-8"))
    return loaded


def _resolve(node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node and len(node) == 1:
        target: Any = tomp_spec()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _schema_errors(schema: dict[str, Any], value: object, where: str) -> list[str]:
    rooted = dict(schema) | {"components": tomp_spec()["components"]}  # so '#/components/...' refs resolve
    validator = OAS30Validator(rooted)
    return [f"{where}: {_where(e)}: {e.message}" for e in validator.iter_errors(value)]


def _template(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")


def tomp_operation(method: str, path: str) -> tuple[str, dict[str, Any], list[dict[str, Any]]] | None:
    """``(template, operation, parameters)`` of a request path relative to the operator's base URL."""
    for template, item in tomp_spec()["paths"].items():
        if _template(template).match(path) and method.lower() in item:
            parameters = [_resolve(p) for p in item.get("parameters", [])]
            operation = item[method.lower()]
            parameters += [_resolve(p) for p in operation.get("parameters", [])]
            return template, operation, parameters
    return None


@dataclass
class Exchange:
    """One request our client sent and the answer it got."""

    method: str
    path: str  # relative to the operator's base URL, without the query
    query: str
    request_headers: dict[str, str]
    request_body: object
    status: int
    response_headers: dict[str, str]
    response_body: object
    raw_response: bytes = field(repr=False, default=b"")

    @property
    def name(self) -> str:
        """``POST /planning/offers -> 201``."""
        return f"{self.method} {self.path} -> {self.status}"


def _header(headers: dict[str, str], name: str) -> str | None:
    return next((value for key, value in headers.items() if key.lower() == name.lower()), None)


def request_errors(exchange: Exchange) -> list[str]:
    """Deviations of the request from the spec: unknown or deprecated path, missing headers, body schema."""
    where = f"{exchange.method} {exchange.path}"
    found = tomp_operation(exchange.method, exchange.path)
    if found is None:
        return [f"{where}: no such operation in TOMP-API {tomp_spec()['info']['version']}"]
    _, operation, parameters = found
    errors = []
    if operation.get("deprecated"):
        errors.append(f"{where}: deprecated in TOMP-API {tomp_spec()['info']['version']}")
    declared = {p["name"] for p in parameters if p["in"] == "query"}
    for pair in filter(None, exchange.query.split("&")):
        if pair.split("=", 1)[0] not in declared:
            errors.append(f"{where}: undeclared query parameter {pair!r}")
    for parameter in parameters:
        if (
            parameter["in"] == "header"
            and parameter.get("required")
            and _header(exchange.request_headers, parameter["name"]) is None
        ):
            errors.append(f"{where}: required header {parameter['name']} missing")
    body_spec = operation.get("requestBody")
    if body_spec is not None:
        content = _resolve(body_spec).get("content", {})
        if exchange.request_body is None:
            if _resolve(body_spec).get("required"):
                errors.append(f"{where}: request body required")
        elif "application/json" not in content:
            errors.append(f"{where}: the spec declares no JSON body")
        else:
            errors += _schema_errors(content["application/json"]["schema"], exchange.request_body, f"{where} body")
    elif exchange.request_body is not None:
        errors.append(f"{where}: the spec declares no request body")
    return errors


def response_errors(exchange: Exchange) -> list[str]:
    """Deviations of the answer: undeclared status, content type, required headers, body schema."""
    where = exchange.name
    found = tomp_operation(exchange.method, exchange.path)
    if found is None:
        return [f"{where}: no such operation"]
    _, operation, _ = found
    responses = operation.get("responses", {})
    spec = responses.get(str(exchange.status)) or responses.get("default")
    if spec is None:
        return [f"{where}: status not declared (declared: {', '.join(sorted(responses))})"]
    spec = _resolve(spec)
    errors = []
    for name, header in spec.get("headers", {}).items():
        header = _resolve(header)
        if header.get("required") and _header(exchange.response_headers, name) is None:
            errors.append(f"{where}: required response header {name} missing")
    content = spec.get("content")
    media = (_header(exchange.response_headers, "Content-Type") or "").split(";")[0].strip()
    if content is None:
        # Nothing declared (404/409/410 answers): a JSON body must still be the spec's error object.
        if exchange.raw_response and media == "application/json":
            error_schema = {"$ref": "#/components/schemas/error"}
            errors += _schema_errors(error_schema, exchange.response_body, f"{where} body")
        elif exchange.raw_response:
            errors.append(f"{where}: body of type {media!r} where the spec declares none")
        return errors
    if media not in content:
        return [*errors, f"{where}: content type {media!r}, the spec declares {', '.join(content)}"]
    errors += _schema_errors(content[media]["schema"], exchange.response_body, f"{where} body")
    return errors


class Recorder:
    """A ``requests`` response hook that keeps every exchange with URLs below ``base_url``."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.exchanges: list[Exchange] = []

    def __call__(self, response: requests.Response, *args: object, **kwargs: object) -> requests.Response:
        request = response.request
        url = str(request.url)
        if not url.startswith(self.base_url):
            return response
        parts = urlsplit(url)
        path = parts.path[len(urlsplit(self.base_url).path) :] or "/"
        raw_body = request.body
        body = json.loads(raw_body) if raw_body else None
        try:
            answer = response.json() if response.content else None
        except ValueError:
            answer = None
        self.exchanges.append(
            Exchange(
                method=str(request.method),
                path=path,
                query=parts.query,
                request_headers=dict(request.headers),
                request_body=body,
                status=response.status_code,
                response_headers=dict(response.headers),
                response_body=answer,
                raw_response=response.content,
            )
        )
        return response

    def attach(self, session: requests.Session) -> None:
        """Record every answer ``session`` receives."""
        session.hooks["response"].append(self)
