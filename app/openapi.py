"""Typed API operations: request validation with pydantic and the OpenAPI 3.1 document.

An :class:`ApiBlueprint` is a Flask blueprint whose views are declared with
:meth:`ApiBlueprint.operation`, naming the pydantic models of the query, the JSON body and
the response. The decorator validates the request before the view runs (a bad request
becomes problem+json, never a 500), serialises the response model, and records the
operation so :func:`build_openapi` can describe it. The document is generated from the
code; nothing is written twice.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Literal, TypeVar, cast

from flask import Blueprint, Flask, Response, request
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import JsonSchemaMode, models_json_schema
from sqlalchemy.exc import SQLAlchemyError

from app.accounts.audit import record_audit
from app.accounts.policy import Access
from app.errors import (
    PROBLEM_JSON,
    ApiError,
    BadRequest,
    FieldProblem,
    InvalidBody,
    InvalidParameter,
    UnsupportedMediaType,
)
from app.i18n import field_message, lead_text

HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
ViewFunc = TypeVar("ViewFunc", bound=Callable[..., Any])

logger = logging.getLogger(__name__)

OPENAPI_VERSION = "3.1.0"
_FLASK_PARAM = re.compile(r"<(?:([a-z_]+):)?([A-Za-z_][A-Za-z0-9_]*)>")
PATH_INT_MAX = 2**31 - 1
"""The largest integer a path accepts (the database's INTEGER); larger ones are 404."""
_CONVERTER_SCHEMAS = {"int": {"type": "integer", "minimum": 0, "maximum": PATH_INT_MAX}, "float": {"type": "number"}}


@dataclass(frozen=True)
class Header:
    """A request header an operation reads, for the OpenAPI document."""

    name: str
    description: str
    schema: dict[str, Any]
    required: bool = False

    def document(self) -> dict[str, Any]:
        """The header as an OpenAPI parameter."""
        return {
            "name": self.name,
            "in": "header",
            "required": self.required,
            "description": self.description,
            "schema": self.schema,
        }


class ProblemModel(BaseModel):
    """RFC 9457 problem details, as every error response carries them."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    requestId: str | None = None
    errors: list[dict[str, str]] | None = None


@dataclass(frozen=True)
class Operation:
    """One documented API operation."""

    endpoint: str
    method: HttpMethod
    summary: str
    description: str
    tags: tuple[str, ...]
    query: type[BaseModel] | None
    body: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    errors: tuple[int, ...]
    access: Access
    """The operation's row of the authorisation table."""
    alternate_media: tuple[tuple[str, dict[str, Any]], ...] = ()
    """Other representations of the success response: (media type, JSON schema)."""
    headers: tuple[Header, ...] = ()
    """Request headers the operation reads."""
    also: tuple[int, ...] = ()
    """Other success statuses answered with the same body (e.g. 202 for a booking still in flight)."""


class ApiBlueprint(Blueprint):
    """A blueprint whose operations are validated and documented."""

    def __init__(self, name: str, import_name: str, *, url_prefix: str = "", tag: str) -> None:
        Blueprint.__init__(self, name, import_name, url_prefix=url_prefix)
        self.operations: list[Operation] = []
        self.tag = tag

    def operation(  # each option documents one part of the contract
        self,
        rule: str,
        *,
        method: HttpMethod = "GET",
        summary: str,
        query: type[BaseModel] | None = None,
        body: type[BaseModel] | None = None,
        response: type[BaseModel] | None = None,
        status: int = 200,
        errors: Iterable[int] = (),
        alternate_media: dict[str, dict[str, Any]] | None = None,
        auth: Access,
        headers: Iterable[Header] = (),
        also: Iterable[int] = (),
    ) -> Callable[[ViewFunc], ViewFunc]:
        """Declare a view as a documented operation.

        The view is called with keyword arguments ``query`` and ``body`` (the validated
        models, when declared) plus the path parameters. It returns a pydantic model (sent
        as JSON with ``status``), a ``(model, status)`` pair, or a ready ``Response``.
        ``auth`` is the operation's row of the authorisation table
        (:mod:`app.accounts.policy`): the bearer token and role are checked first, the account
        is in ``flask.g.user``, and views check objects with :func:`app.accounts.access.reach`.
        An ``audited`` row records the call with the body's ``reason`` in the admin audit
        table, committed with the operation's effect. ``headers`` documents the request
        headers the view reads.
        """
        access = auth
        if access.audited and (body is None or "reason" not in body.model_fields):
            msg = f"audited operation {rule} needs a body with a reason field"
            raise TypeError(msg)

        def decorator(view: ViewFunc) -> ViewFunc:
            endpoint = f"{self.name}.{view.__name__}"

            @wraps(view)
            def validated(**path_args: Any) -> Response:
                if not access.audited:
                    return _call(view, access, query, body, status, path_args)
                try:
                    response = _call(view, access, query, body, status, path_args, endpoint=endpoint)
                except ApiError as error:
                    _audit_refusal(endpoint, error.status, error.slug, error.detail)
                    raise
                if response.status_code >= 400:
                    _audit_refusal(endpoint, response.status_code, "", response.status)
                else:
                    _commit()
                return response

            self.add_url_rule(rule, view_func=validated, methods=[method])
            self.operations.append(
                Operation(
                    endpoint=endpoint,
                    method=method,
                    summary=summary,
                    description=(view.__doc__ or "").strip(),
                    tags=(self.tag,),
                    query=query,
                    body=body,
                    response=response,
                    status=status,
                    errors=tuple(
                        sorted(
                            {
                                400,
                                500,
                                *errors,
                                *((415, 422) if body else ()),
                                *((401, 403) if not access.public else ()),
                            }
                        )
                    ),
                    access=access,
                    alternate_media=tuple((alternate_media or {}).items()),
                    headers=tuple(headers),
                    also=tuple(also),
                )
            )
            return cast(ViewFunc, validated)

        return decorator


def _call(
    view: Callable[..., Any],
    access: Access,
    query: type[BaseModel] | None,
    body: type[BaseModel] | None,
    status: int,
    path_args: dict[str, Any],
    *,
    endpoint: str | None = None,
) -> Response:
    """Authorise, validate, record an audited call (``endpoint`` given) and run the view."""
    from app.accounts.access import authorize

    user = authorize(access)
    kwargs: dict[str, Any] = dict(path_args)
    if query is not None:
        kwargs["query"] = _parse_query(query)
    elif request.args:
        _refuse_query()
    if body is not None:
        kwargs["body"] = _parse_body(body)
    if endpoint is not None and user is not None:
        _audit(user.id, user.role, endpoint, str(getattr(kwargs["body"], "reason", "")))
    return _to_response(view(**kwargs), status)


def _given_reason() -> str:
    """The ``reason`` of the request body as sent (the body may be invalid: read it raw)."""
    document = request.get_json(silent=True) if request.is_json else None
    reason = document.get("reason") if isinstance(document, dict) else None
    return reason[:1000].replace("\x00", "\ufffd") if isinstance(reason, str) else ""  # PostgreSQL text holds no NUL


def _audit_refusal(endpoint: str, status: int, slug: str, detail: str) -> None:
    """Record a refused call of an audited operation (its effect rolled back first), when the caller is known.

    A caller without a valid token (401) is not known, so nothing is recorded for it. When the
    database cannot take the record either (the refusal was its own 503), a warning is logged.
    """
    from flask import g

    from app.accounts.audit import refused_reason
    from app.extensions import db

    caller = g.get("caller")
    if caller is None:
        return
    actor_id, actor_role = caller.id, caller.role
    db.session.rollback()
    try:
        _audit(actor_id, actor_role, endpoint, refused_reason(status, slug, detail, _given_reason()))
        db.session.commit()
    except SQLAlchemyError:  # the database refused the call itself (busy, gone): the answer stays the refusal
        db.session.rollback()
        logger.warning("audit record of a refused call not written", extra={"operation": endpoint, "status": status})


def _audit(actor_id: int, actor_role: str, endpoint: str, reason: str) -> None:
    from app.extensions import db

    record_audit(
        db.session(),
        actor_id=actor_id,
        actor_role=actor_role,
        operation=endpoint,
        method=request.method,
        path=request.path,
        reason=reason,
    )


def _commit() -> None:
    from app.extensions import db

    db.session.commit()


def _field_problems(error: ValidationError, location: str) -> list[FieldProblem]:
    problems = []
    for item in error.errors(include_url=False):
        name = ".".join(str(part) for part in item["loc"]) or "(root)"
        message = field_message(dict(item))
        problems.append(FieldProblem(location=location, field=name, message=message))
    return problems


def _invalid(error: ValidationError, location: str, kind: type[ApiError], lead: str) -> ApiError:
    """The API error listing every field pydantic rejected."""
    problems = _field_problems(error, location)
    names = ", ".join(sorted({p.field for p in problems}))
    return kind(f"{lead_text(lead)}: {names}", errors=problems)


def _parse_query(model: type[BaseModel]) -> BaseModel:
    raw: dict[str, str | list[str]] = {}
    for key in request.args:
        values = request.args.getlist(key)
        raw[key] = values[0] if len(values) == 1 else values
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise _invalid(exc, "query", InvalidParameter, "invalid query parameter(s)") from exc


def _refuse_query() -> None:
    problems = [
        FieldProblem(location="query", field=key, message="this operation takes no query parameters")
        for key in request.args
    ]
    raise InvalidParameter(f"unknown query parameter(s): {', '.join(sorted(request.args))}", errors=problems)


def _parse_body(model: type[BaseModel]) -> BaseModel:
    if request.mimetype != "application/json":
        got = request.mimetype or "no Content-Type"
        raise UnsupportedMediaType(f"the body must be application/json, got {got}")
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _invalid(exc, "body", InvalidBody, "invalid field(s) in the body") from exc


def _to_response(result: Any, default_status: int) -> Response:
    if isinstance(result, Response):
        return result
    status = default_status
    if isinstance(result, tuple):
        result, status = result
    if isinstance(result, BaseModel):
        payload = result.model_dump_json(by_alias=True, exclude_none=False)
        return Response(payload, status=status, mimetype="application/json")
    msg = f"view returned {type(result).__name__}; return a pydantic model or a Response"
    raise TypeError(msg)


def openapi_path(rule: str) -> str:
    """A Flask rule as an OpenAPI path (``<int:n>`` -> ``{n}``)."""
    return _FLASK_PARAM.sub(r"{\2}", rule)


def _collect_operations(app: Flask) -> list[tuple[str, Operation]]:
    by_endpoint: dict[str, Operation] = {}
    for blueprint in app.blueprints.values():
        if isinstance(blueprint, ApiBlueprint):
            for operation in blueprint.operations:
                by_endpoint[operation.endpoint] = operation
    found = []
    for rule in app.url_map.iter_rules():
        declared = by_endpoint.get(rule.endpoint)
        if declared is not None:
            found.append((rule.rule, declared))
    return sorted(found, key=lambda pair: (pair[0], pair[1].method))


def _schema_models(operations: list[tuple[str, Operation]]) -> list[tuple[type[BaseModel], JsonSchemaMode]]:
    models: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {(ProblemModel, "serialization"): None}
    for _, op in operations:
        if op.query is not None:
            models[(op.query, "validation")] = None
        if op.body is not None:
            models[(op.body, "validation")] = None
        if op.response is not None:
            models[(op.response, "serialization")] = None
    return list(models)


def _query_parameters(schema: dict[str, Any], components: dict[str, Any]) -> list[dict[str, Any]]:
    resolved = _resolve(schema, components)
    required = set(resolved.get("required", []))
    parameters = []
    for name, prop in resolved.get("properties", {}).items():
        description = prop.get("description")
        parameter: dict[str, Any] = {"name": name, "in": "query", "required": name in required}
        parameter["schema"] = {k: v for k, v in prop.items() if k != "description"}
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    return cast(dict[str, Any], components[ref.rsplit("/", 1)[-1]])


def build_openapi(app: Flask, *, title: str, version: str, description: str) -> dict[str, Any]:
    """Generate the OpenAPI 3.1 document of every :class:`ApiBlueprint` registered on ``app``."""
    operations = _collect_operations(app)
    schemas, definitions = models_json_schema(_schema_models(operations), ref_template="#/components/schemas/{model}")
    components: dict[str, Any] = definitions.get("$defs", {})
    problem_ref = schemas[(ProblemModel, "serialization")]
    paths: dict[str, dict[str, Any]] = {}
    for rule, op in operations:
        path = openapi_path(rule)
        parameters = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": _CONVERTER_SCHEMAS.get(converter, {"type": "string"}),
            }
            for converter, name in _FLASK_PARAM.findall(rule)
        ]
        if op.query is not None:
            parameters += _query_parameters(schemas[(op.query, "validation")], components)
        entry: dict[str, Any] = {
            "operationId": op.endpoint.replace(".", "_"),
            "summary": op.summary,
            "tags": list(op.tags),
            "responses": {},
        }
        if op.description:
            entry["description"] = op.description
        entry["x-access"] = op.access.document()
        if not op.access.public:
            entry["security"] = [{"bearerAuth": []}]
            reach = ", ".join(f"{role} ({kind})" for role, kind in entry["x-access"]["roles"].items())
            audited = " Audited: the reason is recorded." if op.access.audited else ""
            entry["description"] = (entry.get("description", "") + f"\n\nRoles: {reach}.{audited}").strip()
        parameters += [header.document() for header in op.headers]
        if parameters:
            entry["parameters"] = parameters
        if op.body is not None:
            entry["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": schemas[(op.body, "validation")]}},
            }
        success: dict[str, Any] = {"description": "Success"}
        if op.response is not None:
            schema = schemas[(op.response, "serialization")]
            success["content"] = {"application/json": {"schema": schema}}
            success["content"].update({media: {"schema": other} for media, other in op.alternate_media})
        elif op.alternate_media:  # a file download: only the media types it may answer with
            success["content"] = {media: {"schema": other} for media, other in op.alternate_media}
        entry["responses"][str(op.status)] = success
        for code in op.also:
            entry["responses"][str(code)] = success
        for code in op.errors:
            entry["responses"][str(code)] = {
                "description": "Problem details (RFC 9457)",
                "content": {PROBLEM_JSON: {"schema": problem_ref}},
            }
        paths.setdefault(path, {})[op.method.lower()] = entry
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": title, "version": version, "description": description},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Access token from POST /api/v1/auth/login",
                }
            },
        },
    }
