"""Flex rides on a tiny inline feed: zone-to-zone, stop-to-zone, deadlines, windows, phone-only, wheelchair."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from routing.flex.load import load_flex
from routing.flex.model import FlexNetwork
from routing.flex.rides import BookingMethod, RideQuery, find_rides
from tests.routing.flex.flex_feeds import write_flex_feed

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def network(tmp_path: Path) -> FlexNetwork:
    day = datetime(2026, 11, 23).date()
    return load_flex(write_flex_feed(tmp_path), name="ast", timezone="Europe/Berlin", first_day=day, days=3).network


def _at(hour: int, minute: int = 0, day: int = 23) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=BERLIN)


def _zone_query(pickup: datetime, booking: datetime, **extra: object) -> RideQuery:
    values: dict[str, object] = {
        "pickup_refs": frozenset({"ast:Z1"}),
        "drop_off_refs": frozenset({"ast:Z1"}),
        "car_s": 600.0,
        "earliest_pickup": pickup,
        "booking_time": booking,
    }
    values.update(extra)
    return RideQuery(**values)  # type: ignore[arg-type]


def test_zone_to_zone_in_the_evening_window_by_phone(network: FlexNetwork) -> None:
    rides = find_rides(network, _zone_query(_at(20), _at(18)))
    ride = rides[0]
    assert ride.trip.trip_id == "ast:zone"
    assert ride.pickup == _at(20)
    assert ride.arrival == _at(20, 14)  # 1.2 x 600 s + 2 min
    assert ride.latest_arrival == _at(20, 20)  # 1.5 x 600 s + 5 min
    assert ride.booking_deadline == _at(19)
    assert (ride.method, ride.phone) == (BookingMethod.PHONE, "+49 561 999")
    assert ride.pickup_window == (_at(18), _at(23))


def test_before_the_window_the_ride_waits_for_it(network: FlexNetwork) -> None:
    ride = find_rides(network, _zone_query(_at(16), _at(12)))[0]
    assert ride.pickup == _at(18)


def test_deadline_passed_is_not_offered(network: FlexNetwork) -> None:
    # booked at 22:01 the notice of 60 minutes allows no pickup before 23:01, past tonight's 23:00 window
    rides = find_rides(network, _zone_query(_at(22, 30), _at(22, 1)))
    assert rides, "tomorrow's evening ride is still bookable"
    assert all(ride.pickup.date() != _at(20).date() for ride in rides)
    assert rides[0].pickup == _at(18, day=24)


def test_a_booking_inside_the_notice_moves_the_pickup_later(network: FlexNetwork) -> None:
    # asked for 20:00 but booked at 19:01: the earliest pickup the 60-minute notice allows is 20:01
    ride = find_rides(network, _zone_query(_at(20), _at(19, 1)))[0]
    assert ride.pickup == _at(20, 1)
    assert ride.booking_deadline == _at(19, 1)


def test_window_too_late_is_not_offered(network: FlexNetwork) -> None:
    # 23:05 is past the 23:00 pickup window; tomorrow's ride is offered instead
    rides = find_rides(network, _zone_query(_at(23, 5), _at(12)))
    assert rides and rides[0].pickup == _at(18, day=24)
    # a pickup at 23:00 would arrive (mean) at 23:14, inside the 23:30 drop-off window
    assert find_rides(network, _zone_query(_at(23), _at(12)))[0].pickup == _at(23)
    # a 25-minute car ride (32 min expected) would arrive too late for the drop-off window
    late = find_rides(network, _zone_query(_at(23), _at(12), car_s=1500.0))
    assert late[0].pickup.date() == _at(18, day=24).date()


def test_zone_to_group_stop_books_online_the_day_before(network: FlexNetwork) -> None:
    query = RideQuery(
        pickup_refs=frozenset({"ast:Z1"}),
        drop_off_refs=frozenset({"ast:G1", "ast:S1"}),
        car_s=300.0,
        earliest_pickup=_at(8, day=24),
        booking_time=_at(16, day=23),
    )
    rides = [ride for ride in find_rides(network, query) if ride.trip.trip_id == "ast:to_group"]
    assert rides[0].method is BookingMethod.ONLINE
    assert rides[0].booking_deadline == _at(17, day=23)
    booked_late = RideQuery(**{**query.__dict__, "booking_time": _at(17, 1, day=23)})
    assert [r for r in find_rides(network, booked_late) if r.pickup.date() == _at(8, day=24).date()] == []


def test_wheelchair_mode_skips_trips_not_marked_accessible(network: FlexNetwork) -> None:
    query = RideQuery(
        pickup_refs=frozenset({"ast:Z1"}),
        drop_off_refs=frozenset({"ast:G1", "ast:Z1"}),
        car_s=300.0,
        earliest_pickup=_at(8, day=24),
        booking_time=_at(12, day=23),
        wheelchair=True,
    )
    assert {ride.trip.trip_id for ride in find_rides(network, query)} == {"ast:zone"}


def test_latest_pickup_leaves_out_later_rides_and_days(network: FlexNetwork) -> None:
    every_day = find_rides(network, _zone_query(_at(20), _at(18)))
    assert [ride.service_day.day for ride in every_day] == [23, 24, 25]  # tonight's and the next evenings' rides
    bounded = find_rides(network, _zone_query(_at(20), _at(18), latest_pickup=_at(22)))
    assert [(ride.service_day.day, ride.pickup) for ride in bounded] == [(23, _at(20))]
    assert find_rides(network, _zone_query(_at(20), _at(18), latest_pickup=_at(19, 59))) == []
    waiting = find_rides(network, _zone_query(_at(16), _at(12), latest_pickup=_at(18)))  # the window opens at 18:00
    assert [ride.pickup for ride in waiting] == [_at(18)]
    assert find_rides(network, _zone_query(_at(16), _at(12), latest_pickup=_at(17, 59))) == []
