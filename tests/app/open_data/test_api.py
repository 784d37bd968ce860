"""Publication over HTTP: the latest export with caching headers, in the OpenAPI document; the /me district."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Flask
from sqlalchemy.orm import Session

from app.open_data.pipeline import export_open_data
from tests.app.open_data.conftest import AS_OF, City
from tests.app.open_data.seed import BERLIN
from tests.conftest_d.accounts import SignedIn


def published_app(make_app: Callable[..., Flask], tmp_path: Path) -> tuple[Flask, Path]:
    folder = tmp_path / "published"
    return make_app(open_data_dir=folder), folder


def test_nothing_published_yet_is_a_404_problem(make_app: Callable[..., Flask], tmp_path: Path) -> None:
    app, _ = published_app(make_app, tmp_path)
    answer = app.test_client().get("/api/v1/open-data/")
    assert answer.status_code == 404
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert "no open-data export" in answer.json["detail"]


def test_the_latest_export_is_served_with_etag_and_cache_control(
    make_app: Callable[..., Flask], db_session: Session, city: City, tmp_path: Path
) -> None:
    app, folder = published_app(make_app, tmp_path)
    export_open_data(db_session, folder, districts=city.districts, zone=BERLIN, as_of=AS_OF, k=10)
    client = app.test_client()
    index = client.get("/api/v1/open-data/")
    assert index.status_code == 200
    assert index.headers["Cache-Control"].startswith("public, max-age=")
    paths = {item["path"]: item for item in index.json["files"]}
    assert index.json["catalog"] == "dcat.jsonld"
    assert "usage/rides_by_mode.csv" in paths and "usage/districts.geojson" in paths
    assert not any(path.startswith("usage/releases/") for path in paths)
    csv_answer = client.get("/api/v1/open-data/usage/rides_by_mode.csv")
    assert csv_answer.status_code == 200
    assert csv_answer.headers["Content-Type"].startswith("text/csv")
    assert csv_answer.data == (folder / "usage" / "rides_by_mode.csv").read_bytes()
    etag = csv_answer.headers["ETag"]
    assert etag.strip('"') == paths["usage/rides_by_mode.csv"]["etag"]
    assert csv_answer.headers["Access-Control-Allow-Origin"] == "*"
    unchanged = client.get("/api/v1/open-data/usage/rides_by_mode.csv", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.data == b""
    catalog = client.get("/api/v1/open-data/dcat.jsonld")
    assert catalog.headers["Content-Type"] == "application/ld+json" and catalog.json["@type"] == "dcat:Catalog"
    parquet = client.get("/api/v1/open-data/usage/rides_by_mode.parquet")
    assert parquet.data[:4] == b"PAR1"


def test_unpublished_files_are_not_reachable(
    make_app: Callable[..., Flask], db_session: Session, city: City, tmp_path: Path
) -> None:
    app, folder = published_app(make_app, tmp_path)
    export_open_data(db_session, folder, districts=city.districts, zone=BERLIN, as_of=AS_OF, k=10)
    (folder / "accessibility").mkdir()
    (folder / "accessibility" / "origins.csv").write_text("origin_id,lat,lon\n")
    client = app.test_client()
    for name in ("usage/releases/2026-10.json", "accessibility/origins.csv", "../instance/secret_key", "usage/x.exe"):
        answer = client.get(f"/api/v1/open-data/{name}")
        assert answer.status_code == 404, name
        assert answer.headers["Content-Type"] == "application/problem+json"


def test_open_data_operations_are_in_the_openapi_document(client: object) -> None:
    spec = client.get("/api/v1/openapi.json").json  # type: ignore[attr-defined]
    assert "/api/v1/open-data/" in spec["paths"]
    item = spec["paths"]["/api/v1/open-data/{name}"]["get"]
    assert item["parameters"][0]["name"] == "name"
    assert "application/vnd.apache.parquet" in item["responses"]["200"]["content"]


def test_residents_may_give_and_clear_their_district(app: Flask, sign_in: Callable[..., SignedIn]) -> None:
    resident = sign_in(app)
    client = app.test_client()
    assert client.get("/api/v1/me", headers=resident.headers).json["district"] is None
    given = client.patch("/api/v1/me", json={"district": "d21"}, headers=resident.headers)
    assert given.status_code == 200 and given.json["district"] == "d21"
    bad = client.patch("/api/v1/me", json={"district": "no such; district"}, headers=resident.headers)
    assert bad.status_code == 422
    assert any(problem["field"].endswith("district") for problem in bad.json["errors"])
    cleared = client.patch("/api/v1/me", json={"district": ""}, headers=resident.headers)
    assert cleared.json["district"] is None


def test_once_an_export_lists_districts_only_those_are_accepted(
    make_app: Callable[..., Flask], db_session: Session, city: City, sign_in: Callable[..., SignedIn], tmp_path: Path
) -> None:
    app, folder = published_app(make_app, tmp_path)
    export_open_data(db_session, folder, districts=city.districts, zone=BERLIN, as_of=AS_OF, k=10)
    resident = sign_in(app)
    client = app.test_client()
    assert client.patch("/api/v1/me", json={"district": "d12"}, headers=resident.headers).json["district"] == "d12"
    for language, words in (("de", "Unbekannter Stadtteil"), ("en", "Unknown district")):
        refused = client.patch(
            "/api/v1/me", json={"district": "d99"}, headers={**resident.headers, "Accept-Language": language}
        )
        assert refused.status_code == 422
        assert refused.json["errors"][0]["field"] == "district"
        assert words in refused.json["errors"][0]["message"] and "d00" in refused.json["errors"][0]["message"]
    assert client.get("/api/v1/me", headers=resident.headers).json["district"] == "d12"
