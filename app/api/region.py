"""The region the server routes in: coverage, validity and sizes."""

from __future__ import annotations

from flask import current_app

from app.errors import ServiceUnavailable
from app.openapi import ApiBlueprint
from app.region_holder import RegionHolder, RegionUnavailableError
from app.schemas.service import RegionInfo

blueprint = ApiBlueprint("region", __name__, tag="region")


def current_region_holder() -> RegionHolder:
    """Return the application's region holder."""
    holder: RegionHolder = current_app.extensions["mobility.region"]
    return holder


@blueprint.operation("/region", summary="Describe the loaded region", response=RegionInfo, errors=(503,))
def region_info() -> RegionInfo:
    """Coverage (bounding box), timetable validity and sizes of the loaded region.

    ``synthetic`` is true for the generated demo city, whose streets and lines are invented.
    """
    try:
        manifest = current_region_holder().get().manifest
    except RegionUnavailableError as exc:
        raise ServiceUnavailable(f"no region loaded: {exc}") from exc
    return RegionInfo(
        name=manifest.name,
        synthetic=manifest.synthetic,
        timezone=manifest.timezone,
        valid_from=manifest.valid_from,
        valid_until=manifest.valid_until,
        bbox=list(manifest.bbox),
        built_at=manifest.built_at,
        code_version=manifest.code_version,
        counts=manifest.counts,
    )
