"""Service days and their time reference, exactly as GTFS defines them.

GTFS stop times count seconds from "noon minus 12 hours" of the service day in the
agency's time zone. On the days clocks change, that reference is 23:00 or 01:00 local
time, not midnight; using it keeps every timetable time exact across DST changes.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

NOON = time(12, 0)
_UTC = ZoneInfo("UTC")


@lru_cache(maxsize=4096)
def service_day_reference(day: date, zone: ZoneInfo) -> datetime:
    """The instant GTFS times of ``day`` count from (aware, UTC).

    Cached: a plan asks for the same few days hundreds of times (every leg time is one).
    """
    noon = datetime.combine(day, NOON, tzinfo=zone)
    return noon.astimezone(_UTC) - timedelta(hours=12)


def seconds_since_reference(moment: datetime, day: date, zone: ZoneInfo) -> int:
    """Seconds from the reference of service day ``day`` to the aware ``moment``."""
    if moment.tzinfo is None:
        msg = "moment must be timezone-aware"
        raise ValueError(msg)
    return round((moment - service_day_reference(day, zone)).total_seconds())


def moment_at(day: date, seconds: int, zone: ZoneInfo) -> datetime:
    """The local time ``seconds`` after the reference of service day ``day``."""
    return (service_day_reference(day, zone) + timedelta(seconds=seconds)).astimezone(zone)


def day_shift_seconds(day: date, offset_days: int, zone: ZoneInfo) -> int:
    """Seconds from the reference of ``day`` to the reference of ``day + offset_days``.

    86 400 on ordinary days; 82 800 or 90 000 across a DST change.
    """
    other = day + timedelta(days=offset_days)
    return round((service_day_reference(other, zone) - service_day_reference(day, zone)).total_seconds())


def elapsed_seconds(start: datetime, end: datetime) -> float:
    """Real seconds from ``start`` to ``end``.

    Subtracting two datetimes that share a tzinfo uses the wall clock in Python and is an
    hour off across a DST change; going through UTC is exact.
    """
    utc = ZoneInfo("UTC")
    return (end.astimezone(utc) - start.astimezone(utc)).total_seconds()
