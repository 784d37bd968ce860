"""Times in API answers: stored in UTC, shown with the offset of the region's zone (e.g. +01:00 in Kassel)."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, has_app_context

from app.models import as_utc
from app.region_holder import RegionHolder, RegionUnavailableError


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


__all__ = ["local", "local_or_none", "region_zone"]
