"""The hostile-request corpus: out-of-range path integers, times and malformed times are 404/400/422, never 500."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest_d.accounts import SignedIn
from tests.conftest_d.regions import DEMO_FIRST_DAY

PLAN = {"from": "51.3155,9.4915", "to": "51.3100,9.4800"}
STOPS_NEAR = {"near": "51.3155,9.4915"}


def _a_stop(client: FlaskClient) -> str:
    stops = client.get("/api/v1/stops", query_string=STOPS_NEAR).get_json()["stops"]
    return str(stops[0]["id"])


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("9999-12-31T23:59:59Z", 422),  # valid ISO 8601, not representable in the region's zone
        ("0001-01-01T00:00:00+05:00", 422),
        ("0.5", 400),
        ("1700000000", 400),
        ("1e9", 400),
        ("not a time", 400),
        ("2000-01-01T08:00:00", 422),
        ("2099-06-01T08:00:00+01:00", 422),
        ("9998-12-31T23:59:59+14:00", 422),
        ("0002-01-01T00:00:00-12:00", 422),
    ],
)
@pytest.mark.parametrize("operation", ["plan", "departures"])
def test_times_outside_the_timetable_or_representable_range_are_refused(
    client: FlaskClient, value: str, status: int, operation: str
) -> None:
    if operation == "plan":
        response = client.get("/api/v1/plan", query_string={**PLAN, "time": value})
    else:
        response = client.get(f"/api/v1/stops/{_a_stop(client)}/departures", query_string={"time": value})
    assert response.status_code == status, response.get_json()
    problem = response.get_json()
    assert response.mimetype == "application/problem+json"
    assert [e["field"] for e in problem["errors"]] == ["time"]


def test_a_time_within_the_timetable_is_answered(client: FlaskClient) -> None:
    inside = f"{DEMO_FIRST_DAY.isoformat()}T08:00:00"
    assert client.get(f"/api/v1/stops/{_a_stop(client)}/departures", query_string={"time": inside}).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/bookings/abc/legs/2147483648/start",
        "/api/v1/bookings/abc/legs/99999999999999999999/end",
        "/api/v1/bookings/abc/legs/-1/cancel",
    ],
)
def test_path_integers_beyond_the_database_range_are_404(
    app: Flask, sign_in: Callable[..., SignedIn], path: str
) -> None:
    staff = sign_in(app, "city_staff")
    response = app.test_client().post(path, json={"reason": "checked at the office"}, headers=staff.headers)
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("proof_id", ["1", "2147483647", "99999999999", "-5", "0" * 32])
def test_proofs_are_not_found_by_their_row_number(app: Flask, sign_in: Callable[..., SignedIn], proof_id: str) -> None:
    staff = sign_in(app, "city_staff")
    response = app.test_client().post(
        f"/api/v1/eligibility/{proof_id}/verify", json={"reason": "checked at the office"}, headers=staff.headers
    )
    assert response.status_code == 404 and "no proof" in response.get_json()["detail"]


def test_the_document_bounds_path_integers(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    schema = next(
        p["schema"]
        for p in spec["paths"]["/api/v1/bookings/{booking_id}/legs/{position}/start"]["post"]["parameters"]
        if p["name"] == "position"
    )
    assert schema == {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}


def test_a_region_with_an_unknown_time_zone_is_not_served(
    make_app: Callable[..., Flask], demo_region_path: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "mars"
    shutil.copytree(demo_region_path.resolve(), broken)
    manifest = json.loads((broken / "manifest.json").read_text())
    manifest["timezone"] = "Mars/Base"
    (broken / "manifest.json").write_text(json.dumps(manifest))
    client = make_app(region_path=broken).test_client()
    assert client.get("/ready").status_code == 503
    for response in (
        client.get("/api/v1/plan", query_string=PLAN),
        client.get("/api/v1/stops/x/departures"),
    ):
        assert response.status_code == 503 and "Mars/Base" in response.get_json()["detail"]


def test_idempotency_and_signature_headers_are_documented(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()

    def headers(path: str, method: str) -> dict[str, bool]:
        parameters = spec["paths"][path][method].get("parameters", [])
        return {p["name"]: p["required"] for p in parameters if p["in"] == "header"}

    assert headers("/api/v1/bookings", "post") == {"Idempotency-Key": True}
    assert headers("/api/v1/tickets", "post") == {"Idempotency-Key": True}
    assert "Stripe-Signature" in headers("/api/v1/payments/webhook", "post")


def test_every_integer_parameter_is_bounded(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    unbounded = []
    for path, items in spec["paths"].items():
        for method, entry in items.items():
            for parameter in entry.get("parameters", []):
                schemas = [parameter["schema"], *parameter["schema"].get("anyOf", [])]
                for schema in schemas:
                    if schema.get("type") in ("integer", "number") and schema.get("maximum", 2**31) > 2**31 - 1:
                        if schema.get("exclusiveMaximum", 2**31) > 2**31 - 1:
                            unbounded.append(f"{method} {path} {parameter['name']}")
    assert unbounded == []


@pytest.mark.parametrize(
    ("operation_id", "field"),
    [
        ("passes_refund_ticket", "reason"),
        ("passes_verify_proof", "reason"),
        ("bookings_refund_booking", "reason"),
        ("auth_register", "displayName"),
    ],
)
def test_the_document_refuses_a_blank_text_as_the_api_does(client: FlaskClient, operation_id: str, field: str) -> None:
    """Texts are stripped before their length is checked; the document must not call a blank one (or NUL) valid."""
    import re

    spec = client.get("/api/v1/openapi.json").get_json()
    entry = next(e for item in spec["paths"].values() for e in item.values() if e.get("operationId") == operation_id)
    reference = entry["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    schema = spec["components"]["schemas"][reference]["properties"][field]
    least = int(schema["minLength"])
    for text in (" " * least, " " + "|" * (least - 1) + " ", " " + "a" * least + " ", "a" * least, "a\x00" * least):
        valid = len(text.strip()) >= least and "\x00" not in text  # PostgreSQL text cannot hold NUL
        assert bool(re.search(schema["pattern"], text)) == valid, f"{operation_id}.{field}: {text!r}"
