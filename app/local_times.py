"""Times in API answers: stored in UTC, shown with the offset of the region's zone (e.g. +01:00 in Kassel)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, has_app_context, has_request_context

from app.errors import FieldProblem, ParameterOutOfRange
from app.i18n import DEFAULT_LANGUAGE, negotiate, text
from app.models import as_utc
from app.region_holder import RegionHolder, RegionUnavailableError
from app.region_services import current_region


def region_zone() -> tzinfo:
    """The loaded region's time zone (UTC when no region is loaded or its zone is unknown)."""
    if not has_app_context():
        return UTC
    holder: RegionHolder | None = current_app.extensions.get("mobility.region")
    if holder is None:
        return UTC
    try:
        return ZoneInfo(holder.get().manifest.timezone)
    except (RegionUnavailableError, ZoneInfoNotFoundError, ValueError):
        return UTC


def local(moment: datetime, zone: tzinfo | None = None) -> datetime:
    """``moment`` (aware, or naive UTC) in ``zone`` (default: the region's)."""
    return as_utc(moment).astimezone(zone or region_zone())


def local_or_none(moment: datetime | None, zone: tzinfo | None = None) -> datetime | None:
    """:func:`local`, passing None through."""
    return None if moment is None else local(moment, zone)


def _out_of_range(parameter: str, key: str, **values: object) -> ParameterOutOfRange:
    """The 422 naming ``parameter``, worded (message ``key``) in the request's language."""
    message = text(key, negotiate() if has_request_context() else DEFAULT_LANGUAGE, **values)
    return ParameterOutOfRange(message, errors=[FieldProblem(location="query", field=parameter, message=message)])


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
        raise _out_of_range(parameter, "range.time_unrepresentable", time=value.isoformat(), zone=zone.key) from exc
    manifest = current_region().manifest
    if manifest.valid_from is not None and manifest.valid_until is not None:
        earliest = datetime.combine(manifest.valid_from, time.min, zone) - TIMETABLE_MARGIN
        latest = datetime.combine(manifest.valid_until, time.max, zone) + TIMETABLE_MARGIN
        if not earliest <= moment <= latest:
            window = f"{manifest.valid_from.isoformat()}..{manifest.valid_until.isoformat()}"
            raise _out_of_range(parameter, "range.time_outside_timetable", time=value.isoformat(), window=window)
    return moment


__all__ = ["local", "local_moment", "local_or_none", "region_zone"]
