"""The region the server routes in: coverage, validity and sizes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.accounts.policy import PUBLIC
from app.errors import FieldProblem, ParameterOutOfRange
from app.openapi import ApiBlueprint
from app.region_services import current_region
from app.schemas.service import RegionInfo

blueprint = ApiBlueprint("region", __name__, tag="region")


TIMETABLE_MARGIN = timedelta(days=366)
"""How far before or after the timetable's validity a requested time may be."""


def local_moment(value: datetime | None, zone: ZoneInfo, *, parameter: str = "time") -> datetime:
    """A requested time in the region's zone: now when absent, the region's local time when naive.

    Raises
    ------
    ParameterOutOfRange
        The time cannot be represented in the zone, or lies more than a year outside the
        loaded region's timetable validity (422).
    """
    if value is None:
        return datetime.now(zone)
    try:
        moment = value.replace(tzinfo=zone) if value.tzinfo is None else value.astimezone(zone)
        moment.utcoffset()
        moment.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise _out_of_range(parameter, f"{value.isoformat()} cannot be represented in {zone.key}") from exc
    manifest = current_region().manifest
    if manifest.valid_from is not None and manifest.valid_until is not None:
        earliest = datetime.combine(manifest.valid_from, time.min, zone) - TIMETABLE_MARGIN
        latest = datetime.combine(manifest.valid_until, time.max, zone) + TIMETABLE_MARGIN
        if not earliest <= moment <= latest:
            window = f"{manifest.valid_from.isoformat()}..{manifest.valid_until.isoformat()}"
            raise _out_of_range(parameter, f"{value.isoformat()} is more than a year outside the timetable ({window})")
    return moment


def _out_of_range(parameter: str, message: str) -> ParameterOutOfRange:
    return ParameterOutOfRange(message, errors=[FieldProblem(location="query", field=parameter, message=message)])


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
