"""GBFS system alerts, regions and calendars through ``/plan`` and ``/vehicles``.

A small 2.3 bike-share system near the demo city's stations is written inline (each document
checked against the official schema, skipping without it) and served over loopback HTTP.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient

from providers.registry import InstanceConfig, build_registry, discover_factories
from tests.conftest_d.gbfs_server import GbfsFolderServer
from tests.providers.spec_check import gbfs_errors

BERLIN = ZoneInfo("Europe/Berlin")
ORIGIN, DESTINATION = "51.3058,9.4759", "51.3252,9.5071"
TODAY = datetime.now(BERLIN).date()
NOW_POSIX = int(datetime.now(UTC).timestamp())


def _envelope(data: dict[str, Any]) -> dict[str, Any]:
    return {"last_updated": NOW_POSIX, "ttl": 60, "version": "2.3", "data": data}


def _feeds(calendar_days: tuple[datetime, datetime] | None) -> dict[str, dict[str, Any]]:
    stations = [
        {"station_id": "a", "name": "Am Start", "lat": 51.3060, "lon": 9.4762, "capacity": 10, "region_id": "mitte"},
        {"station_id": "b", "name": "Am Ziel", "lat": 51.3250, "lon": 9.5068, "capacity": 10, "region_id": "ost"},
    ]
    status = [
        {
            "station_id": station_id,
            "num_bikes_available": bikes,
            "num_docks_available": 10 - bikes,
            "vehicle_types_available": [{"vehicle_type_id": "rad", "count": bikes}],
            "is_installed": True,
            "is_renting": True,
            "is_returning": True,
            "last_reported": NOW_POSIX,
        }
        for station_id, bikes in (("a", 5), ("b", 0))
    ]
    alerts = [
        {"alert_id": "wide", "type": "other", "summary": "Neue Preise ab Januar"},
        {
            "alert_id": "old",
            "type": "system_closure",
            "summary": "Winterpause vorbei",
            "times": [{"start": NOW_POSIX - 86_400 * 30, "end": NOW_POSIX - 86_400}],
        },
        {"alert_id": "at-b", "type": "station_closure", "summary": "Station Am Ziel gesperrt", "station_ids": ["b"]},
        {"alert_id": "in-ost", "type": "other", "summary": "Baustelle im Osten", "region_ids": ["ost"]},
    ]
    feeds: dict[str, dict[str, Any]] = {
        "system_information": _envelope(
            {"system_id": "kassel-rad", "language": "de", "name": "Kassel Rad", "timezone": "Europe/Berlin"}
        ),
        "vehicle_types": _envelope(
            {"vehicle_types": [{"vehicle_type_id": "rad", "form_factor": "bicycle", "propulsion_type": "human"}]}
        ),
        "station_information": _envelope({"stations": stations}),
        "station_status": _envelope({"stations": status}),
        "system_alerts": _envelope({"alerts": alerts}),
        "system_regions": _envelope(
            {"regions": [{"region_id": "mitte", "name": "Mitte"}, {"region_id": "ost", "name": "Ost"}]}
        ),
    }
    if calendar_days is not None:
        first, last = calendar_days
        feeds["system_calendar"] = _envelope(
            {
                "calendars": [
                    {
                        "start_month": first.month,
                        "start_day": first.day,
                        "start_year": first.year,
                        "end_month": last.month,
                        "end_day": last.day,
                        "end_year": last.year,
                    }
                ]
            }
        )
    return feeds


@pytest.fixture
def rad_client(  # type: ignore[no-untyped-def]
    request: pytest.FixtureRequest,
    tmp_path: Path,
    make_app,
    gbfs_folder_server: Callable[[Path], GbfsFolderServer],
) -> FlaskClient:
    calendar_days = getattr(request, "param", None)
    folder = tmp_path / "kassel-rad"
    folder.mkdir()
    for name, document in _feeds(calendar_days).items():
        assert gbfs_errors("2.3", name, document) == [], name
        (folder / f"{name}.json").write_text(json.dumps(document), encoding="utf-8")
    server = gbfs_folder_server(folder)
    factories, broken = discover_factories()
    registry = build_registry(
        [InstanceConfig("kassel-rad", "gbfs", {"discovery_url": server.discovery_url})],
        factories,
        {},
        broken_adapters=broken,
    )
    assert not registry.failures
    client: FlaskClient = make_app(providers=registry).test_client()
    return client


def _get(client: FlaskClient, path: str, query: dict[str, str]) -> dict[str, Any]:
    response = client.get(path, query_string=query, headers={"Accept-Language": "de"})
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def _alerts(body: dict[str, Any]) -> list[str]:
    return sorted(w["message"] for w in body["warnings"] if w["code"] == "system_alert")


def _plan(client: FlaskClient, moment: datetime, modes: str = "bikeshare") -> dict[str, Any]:
    return _get(client, "/api/v1/plan", {"from": ORIGIN, "to": DESTINATION, "time": moment.isoformat(), "modes": modes})


def test_vehicles_show_active_alerts_of_the_system_and_of_listed_stations(rad_client: FlaskClient) -> None:
    near_start = _get(rad_client, "/api/v1/vehicles", {"near": ORIGIN, "radius": "300"})
    assert [(s["stationId"], s["region"]) for s in near_start["stations"]] == [("a", "Mitte")]
    assert _alerts(near_start) == ["Hinweis von Kassel Rad: Neue Preise ab Januar"]
    near_end = _get(rad_client, "/api/v1/vehicles", {"near": DESTINATION, "radius": "300"})
    assert [(s["stationId"], s["region"]) for s in near_end["stations"]] == [("b", "Ost")]
    assert _alerts(near_end) == [
        "Hinweis von Kassel Rad: Baustelle im Osten",
        "Hinweis von Kassel Rad: Neue Preise ab Januar",
        "Hinweis von Kassel Rad: Station Am Ziel gesperrt",
    ]
    assert {w["provider"] for w in near_end["warnings"]} == {"kassel-rad"}


def test_a_plan_riding_with_the_system_shows_its_alerts_in_effect(rad_client: FlaskClient) -> None:
    body = _plan(rad_client, datetime.combine(TODAY, datetime.min.time(), tzinfo=BERLIN) + timedelta(hours=12))
    rides = [leg for it in body["itineraries"] for leg in it["legs"] if leg["mode"] == "bikeshare"]
    assert rides and rides[0]["sharing"]["pickupStationId"] == "a"
    assert len(_alerts(body)) == 3, "the expired closure is not shown"
    walk_only = _plan(rad_client, datetime.now(BERLIN), modes="walk")
    assert _alerts(walk_only) == [], "a plan that did not consider the system is not told about it"


@pytest.mark.parametrize("rad_client", [(TODAY - timedelta(days=1), TODAY + timedelta(days=1))], indirect=True)
def test_the_calendar_decides_whether_the_system_rents_for_the_trip(rad_client: FlaskClient) -> None:
    noon_today = datetime.combine(TODAY, datetime.min.time(), tzinfo=BERLIN) + timedelta(hours=12)
    opened = _plan(rad_client, noon_today)
    assert any(leg["mode"] == "bikeshare" for it in opened["itineraries"] for leg in it["legs"])
    closed = _plan(rad_client, noon_today + timedelta(days=10))
    assert not any(leg["mode"] == "bikeshare" for it in closed["itineraries"] for leg in it["legs"])
