"""IANA time zone names as GTFS and region manifests carry them."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["is_time_zone"]


def is_time_zone(name: str) -> bool:
    """Whether ``name`` is a time zone this machine's tz database knows (``Europe/Berlin`` yes, ``Mars/Base`` no)."""
    if not name or name != name.strip() or len(name) > 64:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True
