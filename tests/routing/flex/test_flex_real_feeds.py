"""Every feed of ../shared/data/flex/ imports; draft-era quirks are read with a warning."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from routing.flex.load import load_flex

FEEDS = [
    # feed, time zone, first day, flex trips, zones, trips with service in the window
    ("aspen-flex-on-demand.gtfs", "America/Denver", date(2021, 5, 3), 2, 1, 1),
    ("lincoln-county-flex.gtfs", "America/Los_Angeles", date(2021, 5, 3), 2, 188, 2),
    ("midnight-flex.gtfs", "Europe/Rome", date(2026, 5, 4), 1, 0, 1),
    ("marta-bus-856-only.gtfs.zip", "America/New_York", date(2021, 5, 3), 0, 0, 0),
    ("mobilitydata-gtfs-flex/FlexExample--on-demand-service.zip", "America/Denver", date(2021, 5, 3), 1, 1, 0),
    ("mobilitydata-gtfs-flex/FlexExample--same-day-service.zip", "America/Denver", date(2022, 5, 3), 2, 1, 0),
    ("mobilitydata-gtfs-flex/FlexExample--various.zip", "America/New_York", date(2022, 5, 3), 19, 23, 19),
]


@pytest.mark.parametrize(("feed", "zone", "day", "trips", "zones", "running"), FEEDS)
def test_real_flex_feed_imports(
    shared_data: Path, feed: str, zone: str, day: date, trips: int, zones: int, running: int
) -> None:
    loaded = load_flex(shared_data / "flex" / feed, name="f", timezone=zone, first_day=day, days=7)
    network = loaded.network
    assert (len(network.trips), len(network.zones)) == (trips, zones)
    assert sum(1 for trip in network.trips if trip.service_days) == running
    for trip in network.trips:
        for stop_time in trip.stop_times:
            assert 0 <= stop_time.window_start_s <= stop_time.window_end_s
            assert stop_time.ref in network.zones or stop_time.ref in network.groups or stop_time.ref in network.stops


def test_lincoln_county_draft_fields_are_reported(shared_data: Path) -> None:
    loaded = load_flex(
        shared_data / "flex" / "lincoln-county-flex.gtfs",
        name="f",
        timezone="America/Los_Angeles",
        first_day=date(2021, 5, 3),
        days=7,
    )
    text = "\n".join(loaded.warnings)
    assert "min_arrival_time, max_departure_time read as the pickup/drop-off window" in text
    assert "54 flex trip(s) name zones without times or pickup/drop-off windows" in text
    dial_a_ride = loaded.network.rules["f:booking_route_13317"]
    assert dial_a_ride.prior_notice_min == 24 * 60  # "24:00:00" of the draft
    assert len(loaded.flex_trip_ids) == 56  # every trip naming zones leaves the fixed timetable
