"""The OpenAPI 3.1 document and the browsable docs page (Swagger UI from package files)."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from flask.typing import ResponseReturnValue
from flask_swagger_ui import get_swaggerui_blueprint

from app.openapi import build_openapi
from routing.region.manifest import code_version

API_TITLE = "kassel-mobility API"
API_DESCRIPTION = (
    "Door-to-door trip planning, booking and pass-aware fares for Kassel. "
    "Every error is RFC 9457 application/problem+json with a stable `type`."
)


def openapi_document(app: Flask) -> dict[str, Any]:
    """Return (and cache) the OpenAPI document of ``app``."""
    cached: dict[str, Any] | None = app.extensions.get("mobility.openapi")
    if cached is None:
        cached = build_openapi(app, title=API_TITLE, version=code_version(), description=API_DESCRIPTION)
        app.extensions["mobility.openapi"] = cached
    return cached


def register(app: Flask, *, api_prefix: str) -> None:
    """Serve ``<api_prefix>/openapi.json`` and the docs page at ``/docs``."""
    spec_url = f"{api_prefix}/openapi.json"

    def openapi_json() -> ResponseReturnValue:
        # Key order kept: an operation's primary media type (application/json) stays first, which is
        # the one client generators pick; sorted keys would put application/geo+json before it.
        body = current_app.json.dumps(openapi_document(current_app), sort_keys=False)
        return current_app.response_class(body + "\n", mimetype="application/json")

    app.add_url_rule(spec_url, endpoint="openapi_json", view_func=openapi_json, methods=["GET"])
    app.register_blueprint(
        get_swaggerui_blueprint("/docs", spec_url, config={"app_name": API_TITLE}, blueprint_name="docs")
    )
