"""Our OpenAPI document names every component schema once and meaningfully, so generated clients keep them all."""

from __future__ import annotations

from collections import Counter

from flask.testing import FlaskClient


def test_component_schema_names_and_titles_are_unique(client: FlaskClient) -> None:
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    titles = Counter(schema.get("title", name) for name, schema in schemas.items())
    assert [title for title, count in titles.items() if count > 1] == []
    assert [name for name in schemas if "__" in name] == [], "module-qualified names leak into generated clients"
    for name, schema in schemas.items():
        assert schema.get("title", name) == name, f"{name} is titled {schema.get('title')!r}"


def test_plan_and_booking_legs_have_their_own_names(client: FlaskClient) -> None:
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert {"ItineraryLegOut", "BookingLegOut"} <= set(schemas)
    assert "LegOut" not in schemas
