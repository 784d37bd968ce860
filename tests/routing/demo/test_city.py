"""The synthetic demo city: deterministic, labelled, and exercising every feature it promises."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import numpy as np

from routing.demo.city import SYNTHETIC_LABEL, plan_city
from routing.demo.generate import DemoInputs, generate_demo_inputs
from routing.demo.write_gtfs import demo_holiday
from routing.region.manifest import sha256_of
from routing.region.region import Region
from tests.conftest_d.regions import DEMO_FIRST_DAY


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_generation_is_deterministic(tmp_path: Path) -> None:
    first = generate_demo_inputs(tmp_path / "a", first_day=DEMO_FIRST_DAY)
    second = generate_demo_inputs(tmp_path / "b", first_day=DEMO_FIRST_DAY)
    for name in ("osm", "gtfs", "zones"):
        assert sha256_of(getattr(first, name)) == sha256_of(getattr(second, name))
    # GBFS urls embed nothing machine-specific either.
    assert sha256_of(first.gbfs) == sha256_of(second.gbfs)


def test_everything_is_labelled_synthetic(demo_inputs: DemoInputs) -> None:
    assert SYNTHETIC_LABEL in (demo_inputs.folder / "README.txt").read_text(encoding="utf-8")
    assert SYNTHETIC_LABEL in demo_inputs.osm.read_text(encoding="utf-8")
    assert "synthetic" in read_csv(demo_inputs.gtfs / "agency.txt")[0]["agency_name"]
    info = json.loads((demo_inputs.gbfs / "demo-rad" / "system_information.json").read_text(encoding="utf-8"))
    assert SYNTHETIC_LABEL in info["data"]["operator"]
    assert json.loads(demo_inputs.zones.read_text(encoding="utf-8"))["name"] == SYNTHETIC_LABEL


def test_osm_has_the_street_features_profiles_need(demo_inputs: DemoInputs) -> None:
    text = demo_inputs.osm.read_text(encoding="utf-8")
    for fragment in (
        'v="steps"',
        'v="cycleway"',
        'k="oneway" v="yes"',
        'k="oneway" v="-1"',
        'k="oneway:bicycle" v="no"',
        'v="pedestrian"',
        'k="access" v="private"',
        'k="incline"',
        'v="primary"',
        'v="residential"',
        'v="tertiary"',
        "Königsallee",
    ):
        assert fragment in text, fragment


def test_gtfs_has_the_timetable_features(demo_inputs: DemoInputs) -> None:
    gtfs = demo_inputs.gtfs
    routes = read_csv(gtfs / "routes.txt")
    assert {row["route_type"] for row in routes} == {"0", "2", "3"}  # trams, the regional train RB5, buses
    times = [row["departure_time"] for row in read_csv(gtfs / "stop_times.txt")]
    assert max(times) > "24:00:00", "no trip runs past midnight"
    assert {row["exception_type"] for row in read_csv(gtfs / "calendar_dates.txt")} == {"1", "2"}
    transfers = read_csv(gtfs / "transfers.txt")
    assert {row["transfer_type"] for row in transfers} == {"2", "3"}
    stops = read_csv(gtfs / "stops.txt")
    assert any(row["location_type"] == "1" for row in stops)
    assert {row["wheelchair_boarding"] for row in stops} >= {"1", "2"}
    assert {row["wheelchair_accessible"] for row in read_csv(gtfs / "trips.txt")} == {"1", "2"}
    assert read_csv(gtfs / "frequencies.txt")[0]["exact_times"] == "0"


def test_gbfs_feeds_are_consistent(demo_inputs: DemoInputs) -> None:
    for system in ("demo-rad", "demo-auto"):
        folder = demo_inputs.gbfs / system
        discovery = json.loads((folder / "gbfs.json").read_text(encoding="utf-8"))
        assert discovery["version"] == "2.3"
        for feed in discovery["data"]["de"]["feeds"]:
            assert (folder / f"{feed['name']}.json").is_file()
        info = json.loads((folder / "station_information.json").read_text(encoding="utf-8"))["data"]["stations"]
        status = json.loads((folder / "station_status.json").read_text(encoding="utf-8"))["data"]["stations"]
        assert [s["station_id"] for s in info] == [s["station_id"] for s in status]
        for station, state in zip(info, status, strict=True):
            assert state["num_bikes_available"] + state["num_docks_available"] == station["capacity"]


def test_scale_grows_the_city() -> None:
    small, large = plan_city(1), plan_city(100)
    assert large.size**2 >= 90 * small.size**2
    assert len(large.lines) > 5 * len(small.lines)


def test_region_built_from_the_demo(demo_region: Region) -> None:
    manifest = demo_region.manifest
    assert manifest.synthetic
    assert manifest.valid_from == DEMO_FIRST_DAY
    assert {item.kind for item in manifest.inputs} == {"gtfs:demo", "osm", "zones", "fares"}
    assert demo_region.fares is not None and "mittendrin" in demo_region.fares.passes
    assert all(len(item.sha256) == 64 for item in manifest.inputs)
    timetable = demo_region.timetable
    trip_ids = timetable.trip_id.to_list()
    assert any(trip_id.startswith("demo:R1-0-werktags@") for trip_id in trip_ids), "frequencies not expanded"
    assert int(np.asarray(timetable.departure).max()) > 24 * 3600
    assert 3 in set(np.asarray(timetable.transfer_type).tolist())
    holiday_bit = 1 << (demo_holiday(DEMO_FIRST_DAY) - timetable.day0).days
    weekday_trip = trip_ids.index(next(t for t in trip_ids if "-werktags-" in t))
    weekend_trip = trip_ids.index(next(t for t in trip_ids if "-wochenende-" in t))
    assert not int(timetable.trip_days[weekday_trip]) & holiday_bit
    assert int(timetable.trip_days[weekend_trip]) & holiday_bit
    assert demo_holiday(DEMO_FIRST_DAY) == date(2026, 11, 25)
    assert set(demo_region.street.profiles) == {"walk", "wheelchair", "bike", "car"}
    zone_ids = {zone.id for zone in demo_region.zones.zones}  # type: ignore[union-attr]
    assert zone_ids == {"nvv", "kasselplus", "kassel", "vellmar", "hofgeismar"}


def test_every_stop_is_in_the_nvv_and_the_centre_in_kasselplus(demo_region: Region) -> None:
    zones = demo_region.zones
    assert zones is not None
    column = {zone.id: i for i, zone in enumerate(zones.zones)}
    boardable = np.asarray(demo_region.timetable.stop_location_type) == 0
    assert zones.stop_in_zone[boardable, column["nvv"]].all()
    central = demo_region.timetable.stop_name.to_list().index("Demo-Hauptbahnhof")
    assert {zone.id for zone in zones.zones_of_stop(central)} >= {"nvv", "kasselplus", "kassel"}
    assert zones.stop_in_zone[boardable, column["hofgeismar"]].any()
    assert not (zones.stop_in_zone[:, column["hofgeismar"]] & zones.stop_in_zone[:, column["kasselplus"]]).any()


def test_line_numbers_stay_unique_at_scale() -> None:
    # From scale 4 on there are ten trams or more: buses used to start at 10 and reuse tram numbers.
    for scale in (1, 4, 10, 170):
        plan = plan_city(scale)
        names = [line.short_name for line in plan.lines]
        assert len(names) == len(set(names)), scale
        trams = [int(line.short_name) for line in plan.lines if line.route_type == 0]
        buses = [int(line.short_name) for line in plan.lines if line.route_type == 3]
        assert max(trams) < min(buses), scale
    assert min(int(line.short_name) for line in plan_city(1).lines if line.route_type == 3) == 10


def test_route_and_trip_ids_are_unique_at_scale_4(tmp_path: Path) -> None:
    gtfs = generate_demo_inputs(tmp_path / "inputs", first_day=DEMO_FIRST_DAY, scale=4).gtfs
    route_ids = [row["route_id"] for row in read_csv(gtfs / "routes.txt")]
    assert len(route_ids) == len(set(route_ids))
    trip_ids = [row["trip_id"] for row in read_csv(gtfs / "trips.txt")]
    assert len(trip_ids) == len(set(trip_ids))


def test_shape_nodes_subdivide_every_block(tmp_path: Path) -> None:
    shape_nodes = 3
    plain = generate_demo_inputs(tmp_path / "plain", first_day=DEMO_FIRST_DAY)
    dense = generate_demo_inputs(tmp_path / "dense", first_day=DEMO_FIRST_DAY, shape_nodes=shape_nodes)
    plain_root, dense_root = ET.parse(plain.osm).getroot(), ET.parse(dense.osm).getroot()

    def ways(root: ET.Element) -> list[tuple[dict[str, str], list[str]]]:
        return [
            ({t.get("k", ""): t.get("v", "") for t in way.iter("tag")}, [nd.get("ref", "") for nd in way.iter("nd")])
            for way in root.iter("way")
        ]

    plain_ways, dense_ways = ways(plain_root), ways(dense_root)
    assert [tags for tags, _ in plain_ways] == [tags for tags, _ in dense_ways]
    streets = {"primary", "tertiary", "residential", "cycleway", "pedestrian"}
    for (tags, plain_refs), (_, dense_refs) in zip(plain_ways, dense_ways, strict=True):
        expected = (len(plain_refs) - 1) * (shape_nodes + 1) + 1 if tags.get("highway") in streets else len(plain_refs)
        assert len(dense_refs) == expected, tags
    node_ids = [node.get("id") for node in dense_root.iter("node")]
    assert len(node_ids) == len(set(node_ids))
    coordinates = {(node.get("lat"), node.get("lon")) for node in dense_root.iter("node") if not list(node)}
    assert len(coordinates) == sum(1 for node in dense_root.iter("node") if not list(node)), "a shape node repeats"
    shaped = sum(len(refs) - 1 for tags, refs in plain_ways if tags.get("highway") in streets) * shape_nodes
    assert len(node_ids) == len(list(plain_root.iter("node"))) + shaped
    # The bounds are the plain city's: shape nodes lie inside the blocks.
    assert dense_root.find("bounds").attrib == plain_root.find("bounds").attrib  # type: ignore[union-attr]
