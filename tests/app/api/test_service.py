"""Liveness, readiness and the region description."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient


def test_health_is_ok(client: FlaskClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_ready_when_database_migrated_and_region_loaded(client: FlaskClient) -> None:
    response = client.get("/ready")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ready"
    assert {check["name"]: check["ok"] for check in body["checks"]} == {
        "database": True,
        "migrations": True,
        "region": True,
    }


def test_not_ready_before_migrations(make_app) -> None:  # type: ignore[no-untyped-def]
    client = make_app(migrate=False).test_client()
    response = client.get("/ready")
    assert response.status_code == 503
    checks = {check["name"]: check for check in response.get_json()["checks"]}
    assert not checks["migrations"]["ok"]
    assert "mobility db upgrade" in checks["migrations"]["detail"]


def test_not_ready_without_region(make_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client = make_app(region_path=tmp_path / "missing").test_client()
    response = client.get("/ready")
    assert response.status_code == 503
    checks = {check["name"]: check for check in response.get_json()["checks"]}
    assert not checks["region"]["ok"]
    assert "mobility region build" in checks["region"]["detail"]
    assert client.get("/api/v1/region").status_code == 503
    assert client.get("/api/v1/stops?near=51.3,9.5").status_code == 503


def test_region_describes_the_synthetic_demo(client: FlaskClient) -> None:
    body = client.get("/api/v1/region").get_json()
    assert body["synthetic"] is True
    assert "synthetic" in body["name"]
    assert body["timezone"] == "Europe/Berlin"
    assert body["validFrom"] == "2026-11-23"
    assert body["validUntil"] == "2026-12-07"
    west, south, east, north = body["bbox"]
    assert west < 9.4915 < east and south < 51.3155 < north
    assert body["counts"]["trips"] > 1000


def test_stops_near_the_centre_are_sorted_by_distance(client: FlaskClient) -> None:
    body = client.get("/api/v1/stops?near=51.3155,9.4915&radius=400").get_json()
    distances = [stop["distanceMeters"] for stop in body["stops"]]
    assert distances == sorted(distances)
    assert all(d <= 400 for d in distances)
    assert "Demo-Hauptbahnhof" in {stop["name"] for stop in body["stops"]}
    central = next(stop for stop in body["stops"] if stop["name"] == "Demo-Hauptbahnhof")
    assert central["stationId"].startswith("demo:x")


def test_no_stops_far_away(client: FlaskClient) -> None:
    assert client.get("/api/v1/stops?near=48.1,11.5").get_json() == {"stops": []}
