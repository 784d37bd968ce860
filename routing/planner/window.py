"""Whether a requested time lies in the days the region's timetable covers."""

from __future__ import annotations

from datetime import datetime, timedelta

from routing.planner.errors import TimeOutsideTimetable
from routing.transit.queries import TransitRouter


def check_time(transit: TransitRouter, moment: datetime) -> None:
    """Raise :class:`TimeOutsideTimetable` unless ``moment`` falls on a timetable day or the day before the first."""
    timetable = transit.timetable
    first = timetable.day0
    last = first + timedelta(days=timetable.day_count - 1)
    day = moment.astimezone(transit.zone).date()
    if not first - timedelta(days=1) <= day <= last:
        msg = f"the timetable covers {first.isoformat()} to {last.isoformat()}; {moment.isoformat()} is outside it"
        raise TimeOutsideTimetable(msg, parameter="time")
