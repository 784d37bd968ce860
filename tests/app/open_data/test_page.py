"""The /open-data/ map page in headless Chromium: the choropleth, legend and table show the export's figures."""

from __future__ import annotations

import csv
import html
import json
import math
import re
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from app.open_data.pipeline import export_open_data
from app.open_data.streets import streets_geojson
from routing.street.compile import load_street_network
from tests.app.open_data.conftest import AS_OF, City
from tests.app.open_data.seed import BERLIN, centre

COLORS = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"]
PHARMACIES = [(51.300, 9.452), (51.335, 9.490)]
WALK_KMH = 4.5


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def walk_minutes(lat: float, lon: float) -> float:
    """Straight-line walking time to the nearest synthetic pharmacy (haversine, 4.5 km/h)."""
    best = math.inf
    for p_lat, p_lon in PHARMACIES:
        d_lat, d_lon = math.radians(p_lat - lat), math.radians(p_lon - lon)
        a = (
            math.sin(d_lat / 2) ** 2
            + math.cos(math.radians(lat)) * math.cos(math.radians(p_lat)) * math.sin(d_lon / 2) ** 2
        )
        best = min(best, 2 * 6371.0 * math.asin(math.sqrt(a)) / WALK_KMH * 60)
    return round(best, 1)


def write_accessibility(city: City, folder: Path) -> dict[str, float]:
    """An accessibility output of the documented shape from a tiny synthetic computation."""
    folder.mkdir(parents=True)
    values = {d.district_id: walk_minutes(*centre(d.district_id)) for d in city.districts.districts}
    columns = ["district_id", "category", "mode", "window", "median_min", "p10_min", "p90_min"]
    columns += ["share_over_threshold", "reachable_15", "reachable_30", "reachable_45"]
    with (folder / "indicators.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for district_id, minutes in values.items():
            writer.writerow(
                {
                    "district_id": district_id,
                    "category": "pharmacy",
                    "mode": "walk",
                    "window": "any",
                    "median_min": minutes,
                    "p10_min": minutes,
                    "p90_min": minutes,
                    "share_over_threshold": 1.0 if minutes > 15 else 0.0,
                    "reachable_15": 0,
                    "reachable_30": 0,
                    "reachable_45": 0,
                }
            )
    shutil.copyfile(city.path, folder / "districts.geojson")
    return values


@pytest.fixture
def live_site(
    make_app: Callable[..., Flask], db_session: Session, city: City, tmp_path: Path, demo_region_path: Path
) -> Iterator[tuple[str, Path, dict[str, float]]]:
    folder = tmp_path / "published"
    access = write_accessibility(city, folder / "accessibility")
    streets = streets_geojson(load_street_network(demo_region_path.resolve()))
    export_open_data(db_session, folder, districts=city.districts, zone=BERLIN, as_of=AS_OF, k=10, streets=streets)
    app = make_app(open_data_dir=folder)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", folder, access
    finally:
        server.shutdown()
        thread.join(timeout=10)


def browse(browser: str, url: str, profile: Path, *extra: str) -> str:
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=15000",
        "--window-size=1280,900",
        *extra,
        url,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    return result.stdout + ("" if result.returncode == 0 else result.stderr[-2000:])


def table_rows(dom: str) -> dict[str, tuple[str, str]]:
    rows = re.findall(r'<tr data-district="([^"]+)">.*?data-value="([^"]*)" data-color="([^"]+)"', dom, re.DOTALL)
    return {district: (html.unescape(value), color) for district, value, color in rows}


@pytest.mark.browser
def test_the_map_page_renders_the_published_figures(
    live_site: tuple[str, Path, dict[str, float]], tmp_path: Path
) -> None:
    browser = chromium()
    if browser is None:
        pytest.skip("no Chromium installed (tests/run installs Debian's chromium when run as root)")
    base, folder, access = live_site
    usage = json.loads((folder / "usage" / "usage.json").read_text("utf-8"))
    origin = next(t for t in usage["tables"] if t["name"] == "rides_by_origin_district")
    october = next(line for line in origin["lines"] if line["month"] == "2026-10")["cells"]

    dom = browse(
        browser,
        f"{base}/open-data/?indicator=usage:rides_from&window=2026-10&district=d00&lang=en",
        tmp_path / "p4",
        "--dump-dom",
    )
    popup = dict(re.findall(r'<dd data-indicator="([^"]+)" data-value="([^"]*)"', dom))
    tables = {t["name"]: next(line for line in t["lines"] if line["month"] == "2026-10") for t in usage["tables"]}
    for indicator, table in (
        ("usage:rides_from", "rides_by_origin_district"),
        ("usage:rides_to", "rides_by_destination_district"),
        ("usage:mittendrin_purchases", "mittendrin_purchases_by_district"),
    ):
        value = tables[table]["cells"]["d00"]
        assert popup[indicator] == ("" if value is None else str(value)), indicator
    assert "Quartier 0-0 (2026-10)" in dom

    dom = browse(
        browser, f"{base}/open-data/?indicator=usage:rides_from&window=2026-10&lang=en", tmp_path / "p1", "--dump-dom"
    )
    assert 'data-rendered="usage:rides_from@2026-10"' in dom, dom[-3000:]
    rows = table_rows(dom)
    assert set(rows) == set(october) - {"outside"}
    for district, (value, color) in rows.items():
        expected = october[district]
        assert value == ("" if expected is None else str(expected)), district
        assert (color == "#d9d9d9") == (expected is None)
    shown = [october[d] for d in rows if october[d] is not None]
    darkest = [d for d in rows if october[d] == max(shown)]
    assert all(rows[d][1] == COLORS[-1] for d in darkest)
    assert "suppressed (fewer than k people)" in dom and "Method: k-anonymity, k = 10" in dom
    assert dom.count('class="od-legend-row"') == len(COLORS) + 1
    assert dom.count("od-district ") == 9  # one SVG path per district
    assert dom.count("od-streets") == 1  # the region's streets, one vector layer
    assert "OpenStreetMap (ODbL)" in dom

    dom = browse(
        browser,
        f"{base}/open-data/?indicator=access:pharmacy|walk|median_min&window=any&lang=de",
        tmp_path / "p2",
        "--dump-dom",
    )
    rows = table_rows(dom)
    assert {d: float(v) for d, (v, _) in rows.items()} == access
    nearest = min(access, key=lambda d: access[d])
    assert rows[nearest][1] == COLORS[0]
    assert "Stadtteil" in dom and "Median Reisezeit (min)" in dom

    shot = tmp_path / "open-data.png"  # kept by pytest in its tmp folder for a look
    browse(
        browser,
        f"{base}/open-data/?indicator=access:pharmacy|walk|median_min&window=any",
        tmp_path / "p3",
        f"--screenshot={shot}",
    )
    image = Image.open(shot).convert("RGB")
    assert image.size == (1280, 900)
    seen = {f"#{r:02x}{g:02x}{b:02x}" for r, g, b in image.get_flattened_data()}
    blended = 0
    for hex_color in COLORS:
        r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
        # fill opacity 0.8 over the map's background: look for the blend, within rounding
        target = tuple(round(0.8 * c + 0.2 * bg) for c, bg in zip((r, g, b), (0xFB, 0xFB, 0xF8), strict=True))
        if any(all(abs(int(s[i : i + 2], 16) - t) <= 2 for i, t in zip((1, 3, 5), target, strict=True)) for s in seen):
            blended += 1
    assert blended >= 3, "the choropleth's classes are not on the screenshot"
