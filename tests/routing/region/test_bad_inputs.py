"""The bad-input corpus of region builds: each input is refused (or warned about) naming file, line and field."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from routing.errors import InputDataError, RegionError
from routing.region.coverage import coverage_warnings
from routing.region.manifest import Manifest
from routing.transit.gtfs_limits import GtfsLimits, shown
from routing.transit.gtfs_load import load_gtfs
from tests.routing.transit.gtfs_files import BASE_FILES, write_feed

AGENCY_HEADER = "agency_id,agency_name,agency_url,agency_timezone\n"


@pytest.mark.parametrize(
    ("overrides", "fragments"),
    [
        (
            {"agency_txt": AGENCY_HEADER + "kvg,KVG,https://example.invalid,Mars/Base\n"},
            ["agency.txt", "line 2", "agency_timezone", "Mars/Base"],
        ),
        (
            {"agency_txt": AGENCY_HEADER + "kvg,KVG,https://example.invalid,\n"},
            ["agency.txt", "line 2", "agency_timezone", "empty"],
        ),
        (
            {"agency_txt": AGENCY_HEADER + "kvg,KVG,https://example.invalid, Europe/Berlin\n"},
            ["agency.txt", "line 2", "agency_timezone"],
        ),
        (
            {"agency_txt": AGENCY_HEADER + "kvg,KVG,https://example.invalid,../../etc/passwd\n"},
            ["agency.txt", "line 2", "agency_timezone"],
        ),
        (
            {
                "stops_txt": BASE_FILES["stops.txt"]
                .replace("\n", ",\n")
                .replace("wheelchair_boarding,", "wheelchair_boarding,stop_timezone", 1)
                .replace("C,Rathaus,51.3140,9.5000,0,,2,", "C,Rathaus,51.3140,9.5000,0,,2,Moon/Tranquility")
            },
            ["stops.txt", "line 5", "stop_timezone", "Moon/Tranquility"],
        ),
    ],
    ids=["unknown-zone", "empty-zone", "padded-zone", "path-as-zone", "unknown-stop-zone"],
)
def test_time_zones_are_checked_per_row(tmp_path: Path, overrides: dict[str, str], fragments: list[str]) -> None:
    feed = write_feed(tmp_path / "feed", **overrides)
    with pytest.raises(InputDataError) as caught:
        load_gtfs(feed, name="kvg")
    for fragment in fragments:
        assert fragment in str(caught.value)


def _zip(tmp_path: Path, name: str, content: bytes) -> Path:
    target = tmp_path / "feed.zip"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for file, text in BASE_FILES.items():
            if file != name:
                archive.writestr(file, text)
        archive.writestr(name, content)
    return target


def test_a_zip_bomb_line_is_refused_before_it_is_read(tmp_path: Path) -> None:
    header = BASE_FILES["stop_times.txt"].encode()
    feed = _zip(tmp_path, "stop_times.txt", header + b"t1," + b"9" * (80 << 20) + b"\n")
    assert feed.stat().st_size < 1 << 20
    with pytest.raises(InputDataError) as caught:
        load_gtfs(feed, name="kvg")
    message = str(caught.value)
    assert "stop_times.txt" in message and ("zip bomb" in message or "line 5" in message)
    assert len(message) < 500


def test_a_long_line_names_file_and_line(tmp_path: Path) -> None:
    limits = GtfsLimits(max_line_bytes=1000, ratio_floor_bytes=1 << 40)
    feed = _zip(tmp_path, "stop_times.txt", BASE_FILES["stop_times.txt"].encode() + b"t1," + b"9" * 5000 + b"\n")
    with pytest.raises(InputDataError) as caught:
        load_gtfs(feed, name="kvg", limits=limits)
    assert "stop_times.txt" in str(caught.value) and "line 5" in str(caught.value)


def test_a_file_above_the_size_limit_is_refused(tmp_path: Path) -> None:
    feed = write_feed(tmp_path / "feed")
    with pytest.raises(InputDataError) as caught:
        load_gtfs(feed, name="kvg", limits=GtfsLimits(max_file_bytes=100))
    assert "bytes" in str(caught.value) and ".txt" in str(caught.value)


@pytest.mark.parametrize("packed", [False, True], ids=["folder", "zip"])
def test_undecodable_bytes_name_file_and_line(tmp_path: Path, packed: bool) -> None:
    stops = BASE_FILES["stops.txt"].encode().replace("Königsplatz".encode(), b"K\xf6nigsplatz")
    if packed:
        feed = _zip(tmp_path, "stops.txt", stops)
    else:
        feed = write_feed(tmp_path / "feed")
        (feed / "stops.txt").write_bytes(stops)
    with pytest.raises(InputDataError) as caught:
        load_gtfs(feed, name="kvg")
    assert "stops.txt" in str(caught.value) and "line 4" in str(caught.value) and "UTF-8" in str(caught.value)


def test_huge_values_are_cut_in_messages() -> None:
    assert len(shown("x" * 10_000_000)) < 80
    assert shown("A1") == "'A1'"


def test_a_manifest_with_an_unknown_time_zone_is_not_loaded(tmp_path: Path) -> None:
    feed = write_feed(tmp_path / "feed")
    assert load_gtfs(feed, name="kvg").warnings == []
    text = (
        '{"name": "x", "format_version": %s, "built_at": "", "code_version": "", "timezone": "Mars/Base", '
        '"valid_from": null, "valid_until": null, "synthetic": true, "inputs": [], "counts": {}, '
        '"bbox": [0, 0, 1, 1], "build_seconds": 0, "peak_memory_mib": 0}'
    )
    from routing.region.manifest import FORMAT_VERSION

    with pytest.raises(RegionError, match="Mars/Base"):
        Manifest.from_json(text % FORMAT_VERSION, source="manifest.json")


def test_osm_far_from_the_stops_is_warned_about() -> None:
    stops_lat, stops_lon = np.array([51.31, 51.32]), np.array([9.48, 9.49])
    far_lat, far_lon = np.array([-33.9, -33.8]), np.array([18.4, 18.5])  # Cape Town, about 9,000 km away
    warnings = coverage_warnings(stops_lat, stops_lon, far_lat, far_lon, footpaths={"walk": 0, "wheelchair": 0})
    assert any("only 0 of 2 stops" in w for w in warnings)
    assert any("no footpaths for walk, wheelchair" in w for w in warnings)
    near = coverage_warnings(
        stops_lat, stops_lon, np.array([51.30, 51.33]), np.array([9.47, 9.50]), footpaths={"walk": 4}
    )
    assert near == []
