"""--clip: GTFS cut to an area (or agencies) while stop_times stream, before gtfs-kit reads it.

The rule (issue #22): a trip is kept from its first to its last stop in the area, whole
in between; a trip with fewer than two stops left is dropped. The synthetic feed's
expectations are worked out by hand from that rule; on the real HART feed
(``../shared/data/large-gtfs``, skips when absent) the streamed clip is compared with
the same rule applied by plain pandas to the whole feed in memory.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from app.cli import main
from routing.errors import InputDataError
from routing.region.region import load_region
from routing.transit import clip as clip_module
from routing.transit.clip import clip_feed, parse_clip
from routing.transit.gtfs_load import load_gtfs
from tests.routing.transit.gtfs_files import write_feed

# Inside the box 9.0..9.5 E, 51.0..51.5 N: P (station) with child A, B, D. Outside: C, E.
STOPS = (
    "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n"
    "P,Station,51.2000,9.2000,1,\n"
    "A,Station Gleis 1,51.2001,9.2001,0,P\n"
    "B,Inside B,51.3000,9.3000,0,\n"
    "C,Outside C,51.7000,9.7000,0,\n"
    "D,Inside D,51.4000,9.4000,0,\n"
    "E,Outside E,52.0000,10.0000,0,\n"
)
ROUTES = (
    "route_id,agency_id,route_short_name,route_long_name,route_type\n"
    "r1,kvg,1,Line 1,3\n"
    "r2,nvv,2,Line 2,3\n"
    "r3,kvg,3,Line 3,3\n"
)
AGENCY = (
    "agency_id,agency_name,agency_url,agency_timezone\n"
    "kvg,KVG,https://example.invalid,Europe/Berlin\n"
    "nvv,NVV,https://example.invalid,Europe/Berlin\n"
)
TRIPS = (
    "route_id,service_id,trip_id,shape_id\n"
    "r1,WD,leaves,s1\n"
    "r1,WD,through,s1\n"
    "r3,WD,outside,s3\n"
    "r3,WD,touches,s3\n"
    "r2,WD,inside,s2\n"
)
_TIMES = {
    "leaves": "ABCE",  # kept A, B: cut after its last stop in the area
    "through": "CACDE",  # kept A, C, D: from the first to the last stop inside, whole in between
    "outside": "CE",  # dropped
    "touches": "EAC",  # one stop inside: dropped
    "inside": "ABD",  # kept whole
}
STOP_TIMES = "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n" + "".join(
    f"{trip},08:{10 * i:02d}:00,08:{10 * i:02d}:00,{stop},{10 * (i + 1)}\n"
    for trip, stops in _TIMES.items()
    for i, stop in enumerate(stops)
)
SHAPES = (
    "shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\ns1,51.2,9.2,1\ns1,51.3,9.3,2\ns3,51.7,9.7,1\ns3,52,10,2\n"
)
TRANSFERS = "from_stop_id,to_stop_id,transfer_type,min_transfer_time\nA,B,2,120\nC,E,2,60\n"
BOX = "9.0,51.0,9.5,51.5"


@pytest.fixture
def feed(tmp_path: Path) -> Path:
    return write_feed(
        tmp_path / "feed",
        agency_txt=AGENCY,
        stops_txt=STOPS,
        routes_txt=ROUTES,
        trips_txt=TRIPS,
        stop_times_txt=STOP_TIMES,
        shapes_txt=SHAPES,
        transfers_txt=TRANSFERS,
    )


def _kept(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False)


def _sequences(folder: Path) -> dict[str, str]:
    times = _kept(folder, "stop_times.txt")
    return {trip: "".join(group["stop_id"]) for trip, group in times.groupby("trip_id", sort=False)}


def test_bbox_keeps_each_trip_from_its_first_to_its_last_stop_inside(feed: Path, tmp_path: Path) -> None:
    report = clip_feed(feed, parse_clip(BOX), tmp_path / "out", name="nvv")
    out = tmp_path / "out"
    assert _sequences(out) == {"leaves": "AB", "through": "ACD", "inside": "ABD"}
    assert report.trips == (3, 5) and report.shortened_trips == 2
    assert report.stop_times == (8, sum(len(s) for s in _TIMES.values()))
    assert set(_kept(out, "trips.txt")["trip_id"]) == {"leaves", "through", "inside"}
    assert set(_kept(out, "routes.txt")["route_id"]) == {"r1", "r2"}
    assert set(_kept(out, "agency.txt")["agency_id"]) == {"kvg", "nvv"}
    # C is kept: "through" passes it between two stops in the area; P is A's station
    assert set(_kept(out, "stops.txt")["stop_id"]) == {"P", "A", "B", "C", "D"}
    assert set(_kept(out, "shapes.txt")["shape_id"]) == {"s1"}
    assert _kept(out, "transfers.txt")[["from_stop_id", "to_stop_id"]].values.tolist() == [["A", "B"]]
    assert "kept 3 of 5 trips (2 shortened)" in report.summary()
    # what is left is a feed gtfs-kit reads and the validation accepts
    loaded = load_gtfs(out, name="nvv")
    assert len(loaded.feed.stop_times) == 8


def test_a_polygon_file_clips_like_the_same_box(feed: Path, tmp_path: Path) -> None:
    polygon = tmp_path / "area.geojson"
    ring = [[9.0, 51.0], [9.5, 51.0], [9.5, 51.5], [9.0, 51.5], [9.0, 51.0]]
    polygon.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [ring]}}
                ],
            }
        ),
        encoding="utf-8",
    )
    clip = parse_clip(str(polygon))
    assert clip.polygon_file == polygon
    clip_feed(feed, clip, tmp_path / "poly", name="nvv")
    assert _sequences(tmp_path / "poly") == {"leaves": "AB", "through": "ACD", "inside": "ABD"}


def test_agency_ids_keep_their_trips_whole(feed: Path, tmp_path: Path) -> None:
    report = clip_feed(feed, parse_clip("agency:kvg"), tmp_path / "kvg", name="nvv")
    assert _sequences(tmp_path / "kvg") == {trip: _TIMES[trip] for trip in ("leaves", "through", "outside", "touches")}
    assert report.shortened_trips == 0
    assert set(_kept(tmp_path / "kvg", "agency.txt")["agency_id"]) == {"kvg"}


def test_small_chunks_give_the_same_clip(feed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clip_module, "CHUNK_ROWS", 2)
    clip_feed(feed, parse_clip(BOX), tmp_path / "chunked", name="nvv")
    assert _sequences(tmp_path / "chunked") == {"leaves": "AB", "through": "ACD", "inside": "ABD"}


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("9.5,51.0,9.0,51.5", "WEST < EAST"),
        ("9,51,x,52", "four numbers"),
        ("agency:", "at least one agency_id"),
        ("nowhere.geojson", "neither a GeoJSON file"),
    ],
)
def test_bad_clip_values_are_named(value: str, problem: str) -> None:
    with pytest.raises(InputDataError, match=problem) as error:
        parse_clip(value)
    assert error.value.source == "clip"


def test_a_polygon_file_without_polygons_is_named(tmp_path: Path) -> None:
    path = tmp_path / "points.geojson"
    path.write_text(json.dumps({"type": "Point", "coordinates": [9, 51]}), encoding="utf-8")
    with pytest.raises(InputDataError, match="Polygon or MultiPolygon") as error:
        parse_clip(str(path))
    assert error.value.source == str(path)


def test_unknown_agency_is_named(feed: Path, tmp_path: Path) -> None:
    with pytest.raises(InputDataError, match="no route of agency xyz"):
        clip_feed(feed, parse_clip("agency:xyz"), tmp_path / "none", name="nvv")


def _reference_clip(source: Path, west: float, south: float, east: float, north: float) -> dict[str, list[str]]:
    """The clip rule applied in memory with plain pandas to the whole feed."""
    with zipfile.ZipFile(source) as archive:
        stops = pd.read_csv(archive.open("stops.txt"), dtype={"stop_id": str})
        times = pd.read_csv(archive.open("stop_times.txt"), dtype={"trip_id": str, "stop_id": str})
    inside_ids = set(stops["stop_id"][stops["stop_lon"].between(west, east) & stops["stop_lat"].between(south, north)])
    times = times.sort_values(["trip_id", "stop_sequence"])
    result = {}
    for trip, group in times.groupby("trip_id"):
        inside = group["stop_id"].isin(inside_ids).to_numpy()
        if inside.sum() < 2:
            continue
        first, last = np.flatnonzero(inside)[[0, -1]]
        result[str(trip)] = group["stop_id"].iloc[first : last + 1].tolist()
    return result


@pytest.mark.realdata
def test_hart_clipped_to_downtown_tampa_equals_the_in_memory_rule(shared_data: Path, tmp_path: Path) -> None:
    source = shared_data / "large-gtfs" / "hart.zip"
    box = (-82.48, 27.93, -82.43, 27.97)  # downtown Tampa and Ybor City
    report = clip_feed(source, parse_clip(",".join(map(str, box))), tmp_path / "tampa", name="hart")
    expected = _reference_clip(source, *box)
    times = pd.read_csv(tmp_path / "tampa" / "stop_times.txt", dtype={"trip_id": str, "stop_id": str})
    times = times.sort_values(["trip_id", "stop_sequence"])
    got = {str(trip): group["stop_id"].tolist() for trip, group in times.groupby("trip_id")}
    assert got == expected
    assert 0 < report.trips[0] < report.trips[1]
    assert 0 < report.stop_times[0] < report.stop_times[1] / 2
    assert report.shortened_trips > 0
    loaded = load_gtfs(tmp_path / "tampa", name="hart")
    assert len(loaded.feed.trips) == len(expected)


@pytest.mark.realdata
def test_region_build_prints_what_it_clipped(shared_data: Path, tmp_path: Path) -> None:
    data = shared_data / "herrenberg"
    # the OSM extract's area (the VVS stops.txt covers all of Stuttgart), as a polygon file
    centre = tmp_path / "centre.geojson"
    ring = [[8.846, 48.583], [8.903, 48.583], [8.903, 48.610], [8.846, 48.610], [8.846, 48.583]]
    centre.write_text(json.dumps({"type": "Polygon", "coordinates": [ring]}), encoding="utf-8")
    arguments = ["region", "build", "--osm", str(data / "herrenberg-minimal.osm.pbf"), "--gtfs", f"vvs={data / 'gtfs'}"]
    arguments += ["--first-day", "2021-07-05", "--days", "2", "--out", str(tmp_path / "region")]
    result = CliRunner().invoke(main, [*arguments, "--clip", str(centre)])
    assert result.exit_code == 0, result.output
    assert "clipped vvs to centre.geojson: kept " in result.output
    assert "clip" in [entry.kind for entry in load_region(tmp_path / "region").manifest.inputs]
    clipped = load_region(tmp_path / "region").manifest.counts
    whole = CliRunner().invoke(main, [*arguments[:-1], str(tmp_path / "whole")])
    assert whole.exit_code == 0, whole.output
    counts = load_region(tmp_path / "whole").manifest.counts
    assert 0 < clipped["stops"] < counts["stops"]
    assert 0 < clipped["stop_times"] < counts["stop_times"]
    assert clipped["trips"] <= counts["trips"]
