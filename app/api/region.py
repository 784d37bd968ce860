"""The region the server routes in: coverage, validity and sizes."""

from __future__ import annotations

from app.accounts.policy import PUBLIC
from app.openapi import ApiBlueprint
from app.region_services import current_region
from app.schemas.service import RegionInfo

blueprint = ApiBlueprint("region", __name__, tag="region")


@blueprint.operation("/region", summary="Describe the loaded region", response=RegionInfo, errors=(503,), auth=PUBLIC)
def region_info() -> RegionInfo:
    """Coverage (bounding box), timetable validity and sizes of the loaded region.

    ``synthetic`` is true for the generated demo city, whose streets and lines are invented.
    """
    manifest = current_region().manifest
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
