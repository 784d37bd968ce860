"""Platforms: GTFS platform_code, else the platform German feeds write at the end of the stop name."""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from routing.transit.platforms import platform_from_name, stop_platform


@pytest.mark.parametrize(
    ("name", "platform"),
    [
        ("Kassel Hauptbahnhof Gleis 3", "3"),
        ("Kassel Hbf Gl. 12", "12"),
        ("Kassel, Am Stern Bstg. 2", "2"),
        ("Heidelberg, Bismarckplatz Bstg A", "A"),
        ("Edingen, West Bstg G2", "G2"),
        ("Rathaus, Steig B", "B"),
        ("Wilhelmshöhe (Bahnsteig 4)", "4"),
        ("Heidelberg, Steigerweg", None),
        ("Schlierbach, Wolfsbrunnensteig", None),
        ("Weinsteige", None),
        ("Gleisdreieck", None),
        ("Kassel, Königsplatz", None),
    ],
)
def test_platform_from_the_name(name: str, platform: str | None) -> None:
    assert platform_from_name(name) == platform


def test_platform_code_wins_over_the_name() -> None:
    assert stop_platform("7", "Kassel Hbf Gleis 3") == "7"
    assert stop_platform(" ", "Kassel Hbf Gleis 3") == "3"
    assert stop_platform(None, "Kassel, Königsplatz") == ""


def _stops(path: Path) -> list[dict[str, str]]:
    with zipfile.ZipFile(path) as archive, archive.open("stops.txt") as raw:
        return list(csv.DictReader(io.TextIOWrapper(raw, "utf-8-sig")))


@pytest.mark.realdata
def test_real_german_feeds(shared_data: Path) -> None:
    vrn = _stops(shared_data / "heidelberg" / "vrn_gtfs_cut.zip")
    assert "platform_code" not in vrn[0], "VRN (DELFI style) has no platform_code column"
    found = Counter(stop_platform(row.get("platform_code"), row["stop_name"]) for row in vrn)
    assert sum(count for platform, count in found.items() if platform) == 36, "36 of 392 names end in 'Bstg X'"
    assert found["A"] == 9 and found[""] == 392 - 36
    berlin = _stops(shared_data / "berlin" / "ber_gtfs.zip")
    codes = sorted(p for row in berlin if (p := stop_platform(row.get("platform_code"), row["stop_name"])))
    assert codes == ["3", "6", "7", "8"], "VBB fills platform_code; its names carry none"


def test_a_region_built_before_platforms_derives_them_from_names(tmp_path: Path) -> None:
    import dataclasses

    from routing.transit.timetable import load_timetable, save_timetable
    from tests.routing.transit.tiny_transit import STOPS, tiny_router

    stops = STOPS.replace("A,Alpha,", '"A","Kassel Hauptbahnhof Gleis 3",')
    router = tiny_router(tmp_path / "gtfs", "t1 1 WD: A 08:00, B 08:10", first_day=date(2026, 11, 23), stops_txt=stops)
    old = dataclasses.replace(router.timetable, stop_platform=None, route_agency_id=None)
    save_timetable(old, tmp_path / "region")
    assert not (tmp_path / "region" / "transit" / "stop_platform.offsets.npy").exists()
    loaded = load_timetable(tmp_path / "region")
    assert loaded.stop_platform is None
    assert [loaded.platform(i) for i in range(2)] == ["3", None]
    save_timetable(router.timetable, tmp_path / "new")
    assert load_timetable(tmp_path / "new").stop_platform is not None
