"""Every error is RFC 9457 problem+json with a stable type; bad input never gives a 500."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pydantic import BaseModel, Field

from app.accounts.policy import PUBLIC
from app.errors import PROBLEM_JSON, problem_type
from app.openapi import ApiBlueprint
from app.schemas.common import ApiModel


class Greeting(BaseModel):
    """Body of the test operation."""

    name: str = Field(min_length=1, max_length=20)
    times: int = Field(ge=1, le=3)


class Echo(ApiModel):
    """Response of the test operation."""

    text: str


@pytest.fixture
def probe_client(make_app) -> FlaskClient:  # type: ignore[no-untyped-def]
    """An app with an extra operation taking a JSON body, and one that fails."""
    application: Flask = make_app(migrate=False)
    blueprint = ApiBlueprint("probe", __name__, tag="probe")

    @blueprint.operation(
        "/greetings", method="POST", summary="Echo", body=Greeting, response=Echo, status=201, auth=PUBLIC
    )
    def greet(body: Greeting) -> Echo:
        return Echo(text=" ".join([f"Hallo {body.name}"] * body.times))

    @blueprint.operation("/boom", summary="Fails", auth=PUBLIC)
    def boom() -> Echo:
        msg = "simulated bug"
        raise RuntimeError(msg)

    application.register_blueprint(blueprint, url_prefix="/api/v1/probe")
    return application.test_client()


def _problem(response, status: int, slug: str) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status
    assert response.mimetype == PROBLEM_JSON
    body = response.get_json(force=True)
    assert body["type"] == problem_type(slug)
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    assert body["requestId"] == response.headers["X-Request-ID"]
    return body


def test_valid_body_is_accepted(probe_client: FlaskClient) -> None:
    response = probe_client.post("/api/v1/probe/greetings", json={"name": "Jörg", "times": 2})
    assert response.status_code == 201
    assert response.get_json() == {"text": "Hallo Jörg Hallo Jörg"}


def test_malformed_json_is_a_400(probe_client: FlaskClient) -> None:
    response = probe_client.post(
        "/api/v1/probe/greetings", data='{"name": "x",', headers={"Content-Type": "application/json"}
    )
    body = _problem(response, 400, "bad-request")
    assert "not valid JSON" in body["detail"]


def test_wrong_media_type_is_a_415(probe_client: FlaskClient) -> None:
    response = probe_client.post(
        "/api/v1/probe/greetings", data="name=x", content_type="application/x-www-form-urlencoded"
    )
    body = _problem(response, 415, "unsupported-media-type")
    assert "application/json" in body["detail"]


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"name": "", "times": 9}, {"name", "times"}),
        ({"times": 1}, {"name"}),
        ([1, 2], {"(root)"}),
        ({"name": "x", "times": "many"}, {"times"}),
    ],
)
def test_schema_violations_are_a_422_listing_each_field(
    probe_client: FlaskClient, payload: object, fields: set[str]
) -> None:
    body = _problem(probe_client.post("/api/v1/probe/greetings", json=payload), 422, "invalid-body")
    assert {error["field"] for error in body["errors"]} == fields
    assert all(error["location"] == "body" and error["message"] for error in body["errors"])


def test_invalid_query_is_a_400_listing_each_parameter(client: FlaskClient) -> None:
    body = _problem(client.get("/api/v1/stops?near=abc&limit=0&colour=red"), 400, "invalid-parameter")
    assert {error["field"] for error in body["errors"]} == {"near", "limit", "colour"}


@pytest.mark.parametrize("near", ["91,9", "51,181", "nan,9", "51", "51,9,3", "", "inf,0"])
def test_bad_coordinates_name_the_parameter(client: FlaskClient, near: str) -> None:
    body = _problem(client.get(f"/api/v1/stops?near={near}"), 400, "invalid-parameter")
    assert body["errors"][0]["field"] == "near"


def test_unknown_path_and_method_are_problems(client: FlaskClient) -> None:
    _problem(client.get("/api/v1/nothing-here"), 404, "not-found")
    response = client.delete("/health")
    _problem(response, 405, "method-not-allowed")
    assert "GET" in response.headers["Allow"]


def test_oversized_body_is_a_413(probe_client: FlaskClient) -> None:
    response = probe_client.post("/api/v1/probe/greetings", data="x" * (2 << 20), content_type="application/json")
    _problem(response, 413, "payload-too-large")


def test_unexpected_exception_is_a_problem_without_internals(probe_client: FlaskClient) -> None:
    body = _problem(probe_client.get("/api/v1/probe/boom"), 500, "internal-error")
    assert "simulated bug" not in body["detail"]


def test_operations_without_parameters_refuse_unknown_ones(client: FlaskClient) -> None:
    body = _problem(client.get("/api/v1/region?verbose=1"), 400, "invalid-parameter")
    assert [error["field"] for error in body["errors"]] == ["verbose"]
