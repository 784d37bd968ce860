"""Street-only regions: built from OSM without GTFS, loaded, and planned on (walk, bike, sharing).

Real data: Herrenberg's OSM centre and the stadtnavi car-sharing snapshot from
``../shared/data`` (skips cleanly without it). The street network must be the one the
same OSM gives a region with transit (byte for byte), walks and rides must equal the
scipy Dijkstra reference on it, and asking for transit answers clearly, never a 500.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from app.cli import main
from providers.registry import InstanceConfig, build_registry, discover_factories
from routing.planner.request import BIKE_KMH, PlanRequest
from routing.region.region import Region, load_region
from routing.street.compile import STREET_DIR
from routing.street.reference import reference_cost
from routing.street.router import StreetRouter, cycling_speeds, walking_speeds
from tests.conftest_d.gbfs_server import GbfsFolderServer

MONDAY_9 = datetime(2021, 7, 5, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
NEAR_STATION = (48.5936, 8.8628)  # by "Herrenberg Bahnhof (P+R-Anlage Süd)" of Stadtmobil
NORTH_EAST = (48.6040, 8.8800)
OLD_TOWN = (48.5960, 8.8700)


def _point(point: tuple[float, float]) -> str:
    return f"{point[0]},{point[1]}"


@pytest.fixture(scope="module")
def street_only(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Region:
    """Herrenberg's streets alone, built through the ``mobility region build`` command."""
    out = tmp_path_factory.mktemp("street-only") / "herrenberg-streets"
    result = CliRunner().invoke(
        main,
        [
            "region",
            "build",
            "--osm",
            str(shared_data / "herrenberg" / "herrenberg-minimal.osm.pbf"),
            "--timezone",
            "Europe/Berlin",
            "--out",
            str(out),
            "--first-day",
            "2021-07-05",
            "--days",
            "3",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "transit     0 stops, 0 routes, 0 trips, 0 stop times" in result.output
    return load_region(out)


def _street_digests(region_dir: Path) -> dict[str, str]:
    base = region_dir / STREET_DIR
    return {
        str(path.relative_to(base)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(base.rglob("*.npy"))
    }


def test_builds_and_loads_without_gtfs(street_only: Region, herrenberg: Path) -> None:
    manifest = street_only.manifest
    assert manifest.timezone == "Europe/Berlin"
    assert str(manifest.valid_from) == "2021-07-05" and str(manifest.valid_until) == "2021-07-07"
    assert [entry.kind for entry in manifest.inputs] == ["osm"]
    assert manifest.counts["stops"] == manifest.counts["trips"] == manifest.counts["stop_times"] == 0
    assert manifest.counts["street_nodes"] > 1000
    assert len(street_only.timetable.stop_id) == 0
    assert set(street_only.footpaths) == {"walk", "wheelchair"}
    # The same OSM with the VVS timetable gives the very same street arrays.
    assert _street_digests(street_only.path) == _street_digests(herrenberg.resolve())


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ([], "--timezone"),
        (["--timezone", "Mars/Olympus"], "Mars/Olympus"),
    ],
)
def test_a_region_without_gtfs_needs_a_real_time_zone(
    shared_data: Path, tmp_path: Path, arguments: list[str], named: str
) -> None:
    osm = shared_data / "herrenberg" / "herrenberg-minimal.osm.pbf"
    result = CliRunner().invoke(main, ["region", "build", "--osm", str(osm), "--out", str(tmp_path / "r"), *arguments])
    assert result.exit_code != 0
    assert "timezone" in result.output and named in result.output
    assert not (tmp_path / "r").exists()


def _client(make_app, region: Region, **options: object) -> FlaskClient:  # type: ignore[no-untyped-def]
    client: FlaskClient = make_app(region_path=region.path, **options).test_client()
    return client


@pytest.mark.parametrize(("mode", "profile"), [("walk", "walk"), ("bike", "bike")])
def test_walk_and_bike_equal_the_reference(make_app, street_only: Region, mode: str, profile: str) -> None:  # type: ignore[no-untyped-def]
    client = _client(make_app, street_only)
    router = StreetRouter(street_only.street, profile)
    walk_kmh = PlanRequest(origin=OLD_TOWN, destination=NORTH_EAST, time=MONDAY_9).walk_kmh
    speeds = cycling_speeds(BIKE_KMH, walking_kmh=walk_kmh) if mode == "bike" else walking_speeds(walk_kmh)
    for origin, destination in [(OLD_TOWN, NORTH_EAST), (NEAR_STATION, OLD_TOWN), (NORTH_EAST, NEAR_STATION)]:
        response = client.get(
            "/api/v1/plan",
            query_string={
                "from": _point(origin),
                "to": _point(destination),
                "time": MONDAY_9.isoformat(),
                "modes": mode,
            },
        )
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert body["warnings"] == []
        (itinerary,) = body["itineraries"]
        (leg,) = itinerary["legs"]
        assert leg["mode"] == mode
        start, end = router.snap(*origin), router.snap(*destination)
        route = router.route(start, end, speeds=speeds)
        assert route.cost == pytest.approx(reference_cost(router, start, end, speeds), rel=1e-6)
        assert leg["distanceMeters"] == pytest.approx(route.distance_m, abs=1.0)
        assert leg["durationSeconds"] == pytest.approx(route.duration_s, abs=1.0)


@pytest.mark.parametrize(
    ("language", "phrase"), [("en", "no public transport"), ("de", "keinen öffentlichen Nahverkehr")]
)
def test_transit_alone_is_a_clear_422_naming_modes(  # type: ignore[no-untyped-def]
    make_app, street_only: Region, language: str, phrase: str
) -> None:
    client = _client(make_app, street_only)
    response = client.get(
        "/api/v1/plan",
        query_string={
            "from": _point(OLD_TOWN),
            "to": _point(NORTH_EAST),
            "time": MONDAY_9.isoformat(),
            "modes": "transit",
        },
        headers={"Accept-Language": language},
    )
    assert response.status_code == 422, response.get_json()
    problem = response.get_json()
    assert phrase in problem["detail"]
    assert [error["field"] for error in problem["errors"]] == ["modes"]


def test_transit_with_walking_plans_the_walk_and_says_transit_is_missing(make_app, street_only: Region) -> None:  # type: ignore[no-untyped-def]
    client = _client(make_app, street_only)
    response = client.get(
        "/api/v1/plan",
        query_string={"from": _point(OLD_TOWN), "to": _point(NORTH_EAST), "time": MONDAY_9.isoformat()},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [itinerary["modes"] for itinerary in body["itineraries"]] == [["walk"]]
    codes = [warning["code"] for warning in body["warnings"]]
    assert "no_transit" in codes
    assert any("no public transport" in warning["message"] for warning in body["warnings"])


def test_departures_and_stop_search_answer_empty(make_app, street_only: Region) -> None:  # type: ignore[no-untyped-def]
    client = _client(make_app, street_only)
    response = client.get("/api/v1/stops", query_string={"q": "Bahnhof"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["stops"] == []
    response = client.get("/api/v1/stops/vvs:1/departures")
    assert response.status_code == 404, response.get_json()


def test_carsharing_on_streets_alone(  # type: ignore[no-untyped-def]
    make_app, street_only: Region, shared_data: Path, gbfs_folder_server: Callable[[Path], GbfsFolderServer]
) -> None:
    cars = gbfs_folder_server(shared_data / "herrenberg" / "gbfs" / "car-sharing")
    factories, broken = discover_factories()
    registry = build_registry(
        [
            InstanceConfig(
                "stadtmobil",
                "gbfs",
                {"discovery_url": cars.discovery_url, "form_factor": "car", "return_constraint": "roundtrip_station"},
            )
        ],
        factories,
        {},
        broken_adapters=broken,
    )
    assert not registry.failures
    client = _client(make_app, street_only, providers=registry)
    response = client.get(
        "/api/v1/plan",
        query_string={
            "from": _point(NEAR_STATION),
            "to": _point(NORTH_EAST),
            "time": MONDAY_9.isoformat(),
            "modes": "carsharing",
        },
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["warnings"] == [] and body["itineraries"]
    drive = next(leg for leg in body["itineraries"][0]["legs"] if leg["mode"] == "carsharing")
    assert drive["sharing"]["provider"] == "stadtmobil"
    assert drive["sharing"]["pickupStationId"] == drive["sharing"]["dropoffStationId"] == "824"
    assert drive["distanceMeters"] > 1000
