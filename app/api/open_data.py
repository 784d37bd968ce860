"""The latest open-data export, served publicly with caching headers (``docs/open-data.md``).

Only the published files are reachable (a fixed list of path patterns): the DCAT-AP.de
catalog, the JSON Schemas, the usage tables and the accessibility run's district files; never
the frozen release files or the accessibility run's per-building ``origins.csv``.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from flask import Response, current_app, request

from app.accounts.policy import PUBLIC
from app.errors import NotFound
from app.openapi import ApiBlueprint, Header
from app.schemas.open_data import OpenDataFile, OpenDataIndex
from app.settings import Settings

blueprint = ApiBlueprint("open_data", __name__, tag="open-data")

CACHE_SECONDS = 300
PUBLISHED = re.compile(
    r"^(dcat\.jsonld"
    r"|schema/[a-z]+\.schema\.json"
    r"|usage/[a-z_]+\.(?:csv|parquet|json|geojson)"
    r"|map/streets\.geojson"
    r"|accessibility/(?:indicators\.csv|districts\.geojson|metadata\.json))$"
)
MEDIA_TYPES = {
    ".jsonld": "application/ld+json",
    ".json": "application/json",
    ".geojson": "application/geo+json",
    ".csv": "text/csv; charset=utf-8",
    ".parquet": "application/vnd.apache.parquet",
}


def _export_dir() -> Path:
    settings: Settings = current_app.extensions["mobility.settings"]
    return settings.resolved_open_data_dir


def _etag(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


def _published_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        path for path in folder.rglob("*") if path.is_file() and PUBLISHED.match(path.relative_to(folder).as_posix())
    )


def _cached(response: Response, etag: str) -> Response:
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.make_conditional(request)  # 304 without a body when If-None-Match matches
    return response


@blueprint.operation(
    "/open-data/",
    summary="The files of the latest open-data export",
    response=OpenDataIndex,
    errors=(404,),
    auth=PUBLIC,
)
def open_data_index() -> Response:
    """Every published file with its media type, size and ETag; the catalog is DCAT-AP.de JSON-LD.

    Answered with ``ETag`` and ``Cache-Control: public``; 404 until the city's first
    ``mobility open-data export`` into ``MOBILITY_OPEN_DATA_DIR``.
    """
    folder = _export_dir()
    files = []
    for path in _published_files(folder):
        data = path.read_bytes()
        files.append(
            OpenDataFile(
                path=path.relative_to(folder).as_posix(),
                media_type=MEDIA_TYPES[path.suffix],
                bytes=len(data),
                etag=_etag(data),
            )
        )
    if not any(item.path == "dcat.jsonld" for item in files):
        raise NotFound("no open-data export has been published yet")
    index = OpenDataIndex(catalog="dcat.jsonld", files=files)
    body = index.model_dump_json(by_alias=True)
    response = current_app.response_class(body, mimetype="application/json")
    return _cached(response, _etag(body.encode("utf-8")))


@blueprint.operation(
    "/open-data/<path:name>",
    summary="One file of the latest open-data export",
    errors=(404,),
    headers=(
        Header(
            "If-None-Match",
            "The ETag of a copy the client holds: answered 304 Not Modified without a body while it is current",
            {"type": "string"},
        ),
    ),
    alternate_media={
        "text/csv": {"type": "string"},
        "application/json": {"type": "object"},
        "application/geo+json": {"type": "object"},
        "application/ld+json": {"type": "object"},
        "application/vnd.apache.parquet": {"type": "string", "contentEncoding": "binary"},
    },
    auth=PUBLIC,
)
def open_data_file(name: str) -> Response:
    """A published file (see the index): CSV, GeoJSON, JSON, Parquet or the JSON-LD catalog.

    Answered with a strong ``ETag`` and ``Cache-Control: public``; ``If-None-Match`` with the
    current ETag answers 304 without a body.
    """
    folder = _export_dir()
    if not PUBLISHED.match(name):
        raise NotFound(f"{name!r} is not a published open-data file")
    path = folder / name
    if not path.is_file():
        raise NotFound(f"{name!r} is not in the latest open-data export")
    data = path.read_bytes()
    response = current_app.response_class(data, mimetype=None)
    response.headers["Content-Type"] = MEDIA_TYPES[path.suffix]
    return _cached(response, _etag(data))
