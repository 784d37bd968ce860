"""Accessibility on real OSM: Monaco's streets, quarters, homes and places (``../shared/data``).

There is no open Monaco GTFS here, so the region gets a tiny rail feed written below
(four real station positions from the OSM file, an invented half-hourly timetable);
the streets, districts, homes and destinations are all real. The engine's street times
and its walk + rail times on sampled homes must equal the independent check
(``independent.py``: scipy Dijkstra and a connection scan over the feed's text files).
"""

from __future__ import annotations

import csv
import json
from datetime import date, time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from app.cli import main
from routing.accessibility.config import AccessibilityConfig, Category, Mode, TimeWindow
from routing.accessibility.engine import AccessibilityEngine
from routing.accessibility.run import INDICATOR_COLUMNS, inputs_for_region
from routing.errors import InputDataError
from routing.region.build import GtfsInput, RegionInputs, build_region
from routing.region.region import Region, load_region
from routing.street.router import cycling_speeds, walking_speeds
from tests.conftest_d.regions import built_once
from tests.routing.accessibility.independent import GtfsNetwork, Reference, StreetDijkstra, agree

pytestmark = pytest.mark.realdata

STATIONS = (  # OSM railway=station nodes of monaco.osm.pbf
    ("CAP", "Cap d'Ail", 43.7205382, 7.3943362, 1),
    ("MC", "Monaco - Monte Carlo", 43.738234, 7.4195921, 1),
    ("CCC", "Monte-Carlo Country Club", 43.7543539, 7.4482077, 2),
    ("RCM", "Roquebrune-Cap-Martin", 43.7606178, 7.457343, 1),
)
CATEGORIES = (
    Category("pharmacy", "Apotheke", "Pharmacy", {"amenity": ("pharmacy",)}),
    Category("station", "Bahnhof", "Railway station", {"railway": ("station",)}),
    Category("townhall", "Rathaus", "Town hall", {"amenity": ("townhall",)}),
)
WINDOW = TimeWindow("tuesday_08", 1, time(8, 0), time(8, 40))
MODES = (
    Mode("transit", "walk", 4.8, transit=True),
    Mode("wheelchair_transit", "wheelchair", 4.0, transit=True),
)
STREET_MODES = (
    Mode("walk", "walk", 4.8, transit=False),
    Mode("wheelchair", "wheelchair", 4.0, transit=False),
    Mode("bike", "bike", 15.0, transit=False),
)
CONFIG = AccessibilityConfig(
    categories=CATEGORIES, modes=(*MODES, *STREET_MODES), windows=(WINDOW,), cutoff_min=60.0, all_buildings=True
)


def _time(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _write_rail_feed(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "agency.txt").write_text(
        "agency_id,agency_name,agency_url,agency_timezone\ntest,Test rail (invented timetable),"
        "https://example.invalid,Europe/Monaco\n",
        encoding="utf-8",
    )
    (folder / "stops.txt").write_text(
        "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station,wheelchair_boarding\n"
        + "".join(f'{i},"{n}",{a},{o},0,,{w}\n' for i, n, a, o, w in STATIONS),
        encoding="utf-8",
    )
    (folder / "routes.txt").write_text(
        "route_id,agency_id,route_short_name,route_long_name,route_type\nTER,test,TER,Test line,2\n", encoding="utf-8"
    )
    (folder / "calendar.txt").write_text(
        "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
        "ALL,1,1,1,1,1,1,1,20260101,20271231\n",
        encoding="utf-8",
    )
    trips, stop_times = (
        ["route_id,service_id,trip_id,wheelchair_accessible"],
        ["trip_id,arrival_time,departure_time,stop_id,stop_sequence"],
    )
    for direction, order in ((0, [s[0] for s in STATIONS]), (1, [s[0] for s in reversed(STATIONS)])):
        for k in range(12, 46):
            start, trip = k * 1800 + direction * 600, f"t{direction}-{k}"
            trips.append(f"TER,ALL,{trip},{1 if k % 2 == 0 else 2}")
            for i, stop in enumerate(order):
                arrival = start + i * 240
                stop_times.append(f"{trip},{_time(arrival)},{_time(arrival + 30 if i else arrival)},{stop},{i + 1}")
    (folder / "trips.txt").write_text("\n".join(trips) + "\n", encoding="utf-8")
    (folder / "stop_times.txt").write_text("\n".join(stop_times) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def monaco(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Region, Path]:
    def build(base: Path) -> Path:
        inputs = RegionInputs(
            name="monaco-test-rail",
            gtfs=[GtfsInput("test", _write_rail_feed(base / "gtfs"))],
            osm_file=shared_data / "osm-perf" / "monaco.osm.pbf",
            first_day=date(2026, 11, 23),
            days=8,  # a whole week: the default windows include a Sunday
        )
        build_region(inputs, base / "region")
        return base / "region"

    region = built_once(tmp_path_factory, "monaco-accessibility", build)
    return load_region(region), region.parent / "gtfs"


@pytest.fixture(scope="module")
def engine_and_sample(monaco):
    region, _ = monaco
    inputs = inputs_for_region(region, CONFIG)
    assert len(inputs.districts) == 9
    engine = AccessibilityEngine(region, inputs.destinations, CONFIG)
    step = max(1, len(inputs.origins) // 6)
    return engine, inputs.origins[::step][:6]


def test_street_times_from_real_homes_equal_scipy_dijkstra(engine_and_sample):
    engine, sample = engine_and_sample
    compared = 0
    for mode in STREET_MODES:
        router = engine.router(mode.profile)
        speeds = cycling_speeds(mode.speed_kmh) if mode.profile == "bike" else walking_speeds(mode.speed_kmh)
        reference = StreetDijkstra(router, speeds)
        targets = []
        for d in engine.destinations:
            try:
                targets.append(router.snap(d.lat, d.lon))
            except ValueError:
                targets.append(None)
        for origin in sample:
            snap = engine.snap(origin, mode.profile)
            if snap is None:
                continue
            ours = engine.street_seconds(snap, mode)
            _, seconds = reference.walks(snap, targets)
            theirs = np.where(seconds <= engine.cutoff_s, seconds, np.inf)
            ours = np.where(ours <= engine.cutoff_s, ours, np.inf)
            assert agree(ours / 60, theirs / 60).all(), mode.key
            compared += int(np.isfinite(ours).sum())
    assert compared > 100


def test_walk_and_rail_times_equal_the_connection_scan(monaco, engine_and_sample):
    _, feed = monaco
    engine, sample = engine_and_sample
    gtfs = GtfsNetwork.read(feed)
    rode = 0
    for mode in MODES:
        reference = Reference(gtfs, engine, mode)
        day, latest_first = engine.departures(WINDOW)
        connections = gtfs.connections(day, wheelchair=mode.profile == "wheelchair")
        for origin in sample:
            snap = engine.snap(origin, mode.profile)
            if snap is None:
                continue
            direct = engine.street_seconds(snap, mode)
            ours = engine.transit_minutes(snap, mode, WINDOW, direct)
            theirs = reference.minutes(snap, latest_first[::-1], connections, engine.cutoff_s)
            cut = engine.cutoff_s
            same = agree(np.where(ours <= cut, ours, np.inf) / 60, np.where(theirs <= cut, theirs, np.inf) / 60)
            assert same.all(), f"{mode.key} {origin.origin_id}: {ours[~same][:5]} vs {theirs[~same][:5]}"
            rode += int((ours < direct[None, :] - 1).sum())
    assert rode > 0  # the train is quicker than walking somewhere


def test_command_writes_the_documented_files_for_the_nine_quarters(monaco, tmp_path: Path):
    region, _ = monaco
    result = CliRunner().invoke(
        main,
        [
            "open-data", "accessibility", "--region", str(region.path), "--out", str(tmp_path),
            "--all-buildings", "--max-origins", "45",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    folder = tmp_path / "accessibility"
    districts = json.loads((folder / "districts.geojson").read_text(encoding="utf-8"))
    names = {f["properties"]["name"] for f in districts["features"]}
    assert len(names) == 9 and "Monaco-Ville" in names
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in districts["features"])
    with (folder / "indicators.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == INDICATOR_COLUMNS
    metadata = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    keys = {(m["key"], w["key"]) for m in metadata["modes"] if m["transit"] for w in metadata["windows"]}
    keys |= {(m["key"], "any") for m in metadata["modes"] if not m["transit"]}
    assert len(rows) == 9 * len(metadata["categories"]) * len(keys)
    pharmacy_walk = [r for r in rows if r["category"] == "pharmacy" and r["mode"] == "walk"]
    assert all(r["median_min"] and 0 < float(r["median_min"]) < 20 for r in pharmacy_walk)  # 23 pharmacies in 2 km²
    assert metadata["synthetic"] is False and metadata["counts"]["districts"] == 9


def test_an_admin_level_without_boundaries_is_a_clear_error(monaco):
    region, _ = monaco
    with pytest.raises(InputDataError, match=r"admin_level=7; give --districts"):
        inputs_for_region(region, AccessibilityConfig(admin_level=7, all_buildings=True))
