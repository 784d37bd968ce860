"""The export's files: their own JSON Schemas, DCAT-AP.de metadata, CSV = Parquet = JSON, the CLI, noise."""

from __future__ import annotations

import csv
import json
import math
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session

from app.cli import main
from app.open_data.districts import load_districts
from app.open_data.errors import DistrictsFileError, ReleaseFileError
from app.open_data.export import DL_DE_BY_2_0, load_releases
from app.open_data.noise import NoiseConfig, noisy_counts
from app.open_data.pipeline import export_open_data
from app.open_data.usage import TABLES
from tests.app.open_data.conftest import AS_OF, City
from tests.app.open_data.seed import BERLIN

K = 10


def run_export(session: Session, city: City, out: Path, **options: Any) -> dict[str, Any]:
    export_open_data(session, out, districts=city.districts, zone=BERLIN, as_of=AS_OF, k=K, **options)
    document: dict[str, Any] = json.loads((out / "usage" / "usage.json").read_text("utf-8"))
    return document


def schema(out: Path, name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((out / "schema" / f"{name}.schema.json").read_text("utf-8"))
    return loaded


def test_the_export_validates_against_its_own_json_schemas(db_session: Session, city: City, tmp_path: Path) -> None:
    out = tmp_path / "out"
    document = run_export(db_session, city, out)
    usage_schema = schema(out, "usage")
    jsonschema.Draft202012Validator.check_schema(usage_schema)
    checker = jsonschema.Draft202012Validator(usage_schema, format_checker=jsonschema.FormatChecker())
    checker.validate(document)
    catalog = json.loads((out / "dcat.jsonld").read_text("utf-8"))
    jsonschema.Draft202012Validator(schema(out, "dcat"), format_checker=jsonschema.FormatChecker()).validate(catalog)
    row_schema = {"$ref": "#/$defs/csvRow", "$defs": usage_schema["$defs"]}
    for spec in TABLES:
        with (out / "usage" / f"{spec.name}.csv").open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                jsonschema.validate({**row, "count": int(row["count"]) if row["count"] else None}, row_schema)
    broken = {**document, "method": {**document["method"], "k": 1}}
    with pytest.raises(jsonschema.ValidationError):
        checker.validate(broken)


def test_dcat_metadata_names_licence_period_method_and_k(db_session: Session, city: City, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_export(db_session, city, out)
    catalog = json.loads((out / "dcat.jsonld").read_text("utf-8"))
    assert catalog["@type"] == "dcat:Catalog"
    usage = catalog["dcat:dataset"][0]
    assert usage["dct:license"]["@id"] == DL_DE_BY_2_0 == "http://dcat-ap.de/def/licenses/dl-by-de/2.0"
    assert usage["dct:temporal"]["dcat:startDate"]["@value"] == "2026-10-01"
    assert usage["dct:temporal"]["dcat:endDate"]["@value"] == "2026-11-30"
    assert usage["mobility:kAnonymity"] == K
    method = {text["@language"]: text["@value"] for text in usage["dct:provenance"]["rdfs:label"]}
    assert f"at least {K} distinct people" in method["en"] and f"mindestens {K} verschiedene Personen" in method["de"]
    served = {d["dcat:downloadURL"]["@id"].removeprefix("/api/v1/open-data/") for d in usage["dcat:distribution"]}
    assert {f"usage/{spec.name}.csv" for spec in TABLES} <= served
    assert {f"usage/{spec.name}.parquet" for spec in TABLES} <= served
    assert all((out / path).is_file() for path in served)
    assert all(d["dct:license"]["@id"] == DL_DE_BY_2_0 for d in usage["dcat:distribution"])


def test_csv_parquet_json_and_geojson_carry_the_same_figures(db_session: Session, city: City, tmp_path: Path) -> None:
    out = tmp_path / "out"
    document = run_export(db_session, city, out)
    for table in document["tables"]:
        from_json = {
            (line["month"], category): value
            for line in table["lines"]
            for category, value in [("_T", line["total"]), *line["cells"].items()]
        }
        with (out / "usage" / f"{table['name']}.csv").open(encoding="utf-8", newline="") as handle:
            from_csv = {
                (r["month"], r["category"]): int(r["count"]) if r["count"] else None for r in csv.DictReader(handle)
            }
        parquet = pq.read_table(out / "usage" / f"{table['name']}.parquet").to_pylist()
        from_parquet = {(r["month"], r["category"]): r["count"] for r in parquet}
        assert from_json == from_csv == from_parquet
        assert all(r["suppressed"] == (r["count"] is None) for r in parquet)
    geojson = json.loads((out / "usage" / "districts.geojson").read_text("utf-8"))
    assert len(geojson["features"]) == 9
    origin = next(t for t in document["tables"] if t["name"] == "rides_by_origin_district")
    for feature in geojson["features"]:
        for line in origin["lines"]:
            assert feature["properties"]["rides_from"][line["month"]] == line["cells"][feature["id"]]


def test_mobility_open_data_export_command(
    database_url: str, db_session: Session, city: City, tmp_path: Path, demo_region_path: Path
) -> None:
    out = tmp_path / "published"
    env = {"MOBILITY_DATABASE_URL": database_url, "MOBILITY_INSTANCE_PATH": str(tmp_path / "instance")}
    result = CliRunner().invoke(
        main,
        [
            *("open-data", "export", "--out", str(out), "--districts", str(city.path)),
            *("--as-of", "2026-12-02", "--region", str(demo_region_path)),
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    assert "9 districts, months 2026-10 .. 2026-11" in result.output and "k=10" in result.output
    assert (out / "dcat.jsonld").is_file() and (out / "usage" / "releases" / "2026-11.json").is_file()
    assert (
        json.loads((out / "map" / "streets.geojson").read_text("utf-8"))["features"][0]["properties"]["layer"]
        == "streets"
    )
    again = CliRunner().invoke(main, ["open-data", "export", "--out", str(out), "--as-of", "2026-12-02"], env=env)
    assert again.exit_code != 0 and "no districts: pass --districts" in again.output


def test_a_broken_districts_file_is_named_with_feature_and_field(tmp_path: Path) -> None:
    path = tmp_path / "districts.geojson"
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": None, "properties": {}}]})
    )
    with pytest.raises(DistrictsFileError) as caught:
        load_districts(path)
    assert caught.value.feature == 0 and caught.value.field == "district_id" and str(path) in str(caught.value)


def test_a_broken_release_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "usage" / "releases").mkdir(parents=True)
    bad = tmp_path / "usage" / "releases" / "2026-10.json"
    bad.write_text('{"month": "2026-10", "tables": {}}')
    with pytest.raises(ReleaseFileError, match=r"2026-10\.json"):
        load_releases(tmp_path)


def test_noise_is_drawn_once_per_published_month(db_session: Session, city: City, tmp_path: Path) -> None:
    out = tmp_path / "out"
    exact = run_export(db_session, city, tmp_path / "exact")
    noisy = run_export(db_session, city, out, epsilon=0.5)
    assert noisy["method"]["noise"] == {
        "mechanism": "discrete Laplace",
        "library": "OpenDP",
        "epsilonPerLine": 0.5,
        "capPerPerson": 10,
    }
    pairs = [
        (a["total"], b["total"])
        for ta, tb in zip(exact["tables"], noisy["tables"], strict=True)
        for a, b in zip(ta["lines"], tb["lines"], strict=True)
        if a["total"] is not None
    ]
    assert any(x != y for x, y in pairs)  # noise at scale 40 moves some of the totals
    again = run_export(db_session, city, out, epsilon=0.5)
    assert again["tables"] == noisy["tables"]  # published months keep their one draw


def test_opendp_noise_has_the_spread_of_its_scale() -> None:
    """Discrete Laplace with scale t has variance 2 e^(-1/t) / (1 - e^(-1/t))^2 (Canonne, Kamath, Steinke 2020)."""
    config = NoiseConfig(epsilon=1.0, cap=2)  # sensitivity 4, scale 4
    draws = noisy_counts([1000] * 20000, config)
    mean = sum(draws) / len(draws)
    variance = sum((d - mean) ** 2 for d in draws) / (len(draws) - 1)
    q = math.exp(-1 / 4)
    expected = 2 * q / (1 - q) ** 2
    assert abs(mean - 1000) < 0.3
    assert abs(variance - expected) / expected < 0.06


def test_no_month_is_published_before_it_has_closed(db_session: Session, city: City, tmp_path: Path) -> None:
    export_open_data(db_session, tmp_path / "o", districts=city.districts, zone=BERLIN, as_of=date(2026, 11, 30), k=K)
    document = json.loads((tmp_path / "o" / "usage" / "usage.json").read_text("utf-8"))
    assert document["months"] == ["2026-10"]


def test_the_regions_streets_are_one_layer_each_street_once(demo_region_path: Path) -> None:
    from app.open_data.streets import streets_geojson
    from routing.region.manifest import Manifest
    from routing.street.compile import load_street_network

    region = demo_region_path.resolve()
    street = load_street_network(region)
    layer = streets_geojson(street)
    lines = layer["features"][0]["geometry"]["coordinates"]
    graph = street.profiles["car"]
    assert 0 < len(lines) <= graph.edge_count
    keys = {tuple(map(tuple, line)) for line in lines}
    assert len(keys) == len(lines)
    assert not any(tuple(reversed(key)) in keys for key in keys if len(set(key)) > 1 and key != key[::-1])
    west, south, east, north = Manifest.load(region).bbox
    assert all(
        west - 1e-4 <= lon <= east + 1e-4 and south - 1e-4 <= lat <= north + 1e-4 for line in lines for lon, lat in line
    )
    # every directed edge of the car graph is drawn, one way or the other
    tails = graph.tails()
    ends = {(round(float(street.lon[a]), 5), round(float(street.lat[a]), 5)) for a in tails}
    drawn = {point for line in lines for point in (tuple(line[0]), tuple(line[-1]))}
    assert ends <= drawn
