"""The OpenAPI 3.1 document is generated from the code and describes every API route."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from app.openapi import openapi_path


def test_document_is_valid_openapi_3_1(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    validate(spec)


def test_every_api_route_is_documented(app: Flask, client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint == "openapi_json":
            continue
        path = openapi_path(rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method) in documented, f"{method} {path} missing from the OpenAPI document"


def test_errors_reference_the_problem_schema(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    stops = spec["paths"]["/api/v1/stops"]["get"]
    assert {p["name"] for p in stops["parameters"]} == {"near", "q", "radius", "limit"}
    problem = stops["responses"]["400"]["content"]["application/problem+json"]["schema"]
    assert problem == {"$ref": "#/components/schemas/ProblemModel"}
    assert "ProblemModel" in spec["components"]["schemas"]


def test_docs_page_is_served_from_package_files(client: FlaskClient) -> None:
    page = client.get("/docs/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/api/v1/openapi.json" in html
    assert "https://" not in html.split("<body")[0], "docs must not load assets from a CDN"
    with client.get("/docs/swagger-ui-bundle.js") as script:
        assert script.status_code == 200
    assert client.get("/docs").status_code in (301, 308)
