"""The map page ``/open-data/``: a static page from package files (Leaflet shipped in the package)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, send_from_directory

STATIC = Path(__file__).parent / "static"

blueprint = Blueprint("open_data_page", __name__, static_folder=str(STATIC), static_url_path="/open-data/static")


@blueprint.get("/open-data/")
def page() -> Response:
    """The map and table page; it reads the latest export from ``/api/v1/open-data/``."""
    response = send_from_directory(STATIC, "index.html", max_age=300)
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'"
    )
    return response
