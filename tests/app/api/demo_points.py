"""Where and when the /plan tests on the demo city ask: a point of its bounding box, Monday 8:03."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from routing.region.region import Region
from tests.conftest_d.regions import DEMO_FIRST_DAY

__all__ = ["BERLIN", "MONDAY_8", "corner"]

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY_8 = datetime.combine(DEMO_FIRST_DAY, datetime.min.time(), tzinfo=BERLIN) + timedelta(hours=8, minutes=3)


def corner(region: Region, fx: float, fy: float) -> str:
    """``lat,lon`` of the point at fractions ``fx`` (west to east) and ``fy`` (south to north) of the bbox."""
    west, south, east, north = region.manifest.bbox
    return f"{south + fy * (north - south):.6f},{west + fx * (east - west):.6f}"
