"""GTFS-Flex v2 import: zones, groups, booking rules and windows; errors name file, line and field."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from routing.errors import InputDataError
from routing.flex.load import load_flex
from routing.flex.model import BookingType, PickupDropOff, PlaceKind
from routing.flex.store import load_flex_network, save_flex
from tests.routing.flex.flex_feeds import FILES, write_flex_feed

DAY = date(2026, 11, 23)


def _load(folder: Path) -> object:
    return load_flex(folder, name="ast", timezone="Europe/Berlin", first_day=DAY, days=3)


def test_zone_group_rules_and_windows_are_read(tmp_path: Path) -> None:
    feed = load_flex(write_flex_feed(tmp_path), name="ast", timezone="Europe/Berlin", first_day=DAY, days=3)
    network = feed.network
    assert feed.flex_trip_ids == {"zone", "to_group"}
    assert set(network.zones) == {"ast:Z1"}
    assert network.groups["ast:G1"].stop_ids == ("ast:S1", "ast:S2")
    notice = network.rules["ast:notice60"]
    assert (notice.booking_type, notice.prior_notice_min, notice.phone_number) == (
        BookingType.SAME_DAY,
        60,
        "+49 561 999",
    )
    day_before = network.rules["ast:daybefore"]
    assert (day_before.booking_type, day_before.last_day, day_before.last_time_s) == (BookingType.PRIOR_DAYS, 1, 61200)
    zone = next(trip for trip in network.trips if trip.trip_id == "ast:zone")
    first, second = zone.stop_times
    assert (first.kind, first.ref, first.window_start_s, first.window_end_s) == (
        PlaceKind.LOCATION,
        "ast:Z1",
        18 * 3600,
        23 * 3600,
    )
    assert (first.pickup_type, first.drop_off_type) == (PickupDropOff.PHONE_AGENCY, PickupDropOff.NONE)
    assert (second.mean_factor, second.mean_offset_s, second.safe_factor, second.safe_offset_s) == (1.2, 120, 1.5, 300)
    assert zone.wheelchair_accessible == 1
    assert zone.service_days == (date(2026, 11, 22), date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25))
    group = next(trip for trip in network.trips if trip.trip_id == "ast:to_group")
    assert group.stop_times[1].kind is PlaceKind.GROUP
    assert set(network.stops) == {"ast:S1", "ast:S2"}


def test_network_round_trips_through_the_region_file(tmp_path: Path) -> None:
    network = load_flex(write_flex_feed(tmp_path / "f"), name="ast", timezone="Europe/Berlin", first_day=DAY, days=3)
    save_flex(network.network, tmp_path)
    assert load_flex_network(tmp_path) == network.network
    assert load_flex_network(tmp_path / "missing") is None


def _bad_stop_times(row: str) -> str:
    return FILES["stop_times.txt"].splitlines()[0] + "\n" + row + "\n"


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("zone,,,Z9,1,,,18:00:00,23:00:00,2,1,,,,,,", "line 2: location_id 'Z9' is not in locations.geojson"),
        ("zone,S1,,Z1,1,,,18:00:00,23:00:00,2,1,,,,,,", "line 2: exactly one of stop_id, location_group_id"),
        ("zone,,,Z1,1,,,18:00:00,,2,1,,,,,,", "start_pickup_drop_off_window and end_pickup_drop_off_window"),
        ("zone,,,Z1,1,,,23:00:00,18:00:00,2,1,,,,,,", "line 2: end_pickup_drop_off_window 18:00:00 is before"),
        ("zone,,,Z1,1,,,18:00,23:00:00,2,1,,,,,,", "line 2: start_pickup_drop_off_window '18:00' is not a time"),
        ("zone,,,Z1,1,18:00:00,,18:00:00,23:00:00,2,1,,,,,,", "arrival_time/departure_time are forbidden"),
        ("zone,,,Z1,1,,,18:00:00,23:00:00,0,1,,,,,,", "line 2: pickup_type 0 is forbidden with a window"),
        ("zone,,,Z1,1,,,18:00:00,23:00:00,2,0,,,,,,", "line 2: drop_off_type 0 is forbidden with a window"),
        ("zone,,,Z1,1,,,18:00:00,23:00:00,5,1,,,,,,", "line 2: pickup_type '5' must be one of"),
        ("zone,,,Z1,1,,,18:00:00,23:00:00,2,1,nope,,,,,", "line 2: pickup_booking_rule_id 'nope' is not in"),
        ("zone,,,Z1,1,,,18:00:00,23:00:00,2,1,,,x,,,", "line 2: mean_duration_factor 'x' is not a number"),
        ("zone,,G7,,1,,,18:00:00,23:00:00,2,1,,,,,,", "location_group_id 'G7' is not in location_groups.txt"),
        ("zone,,,Z1,1,18:00:00,18:00:00,,,0,0,,,,,,", "a zone or location group needs a pickup/drop-off window"),
    ],
)
def test_bad_stop_times_name_file_line_and_field(tmp_path: Path, row: str, problem: str) -> None:
    folder = write_flex_feed(tmp_path, stop_times_txt=_bad_stop_times(row))
    with pytest.raises(InputDataError, match=r"stop_times\.txt") as caught:
        _load(folder)
    assert problem in str(caught.value)


@pytest.mark.parametrize(
    ("rules", "problem"),
    [
        ("booking_rule_id,booking_type\nr,1\n", "line 2: prior_notice_duration_min is required when booking_type is 1"),
        ("booking_rule_id,booking_type\nr,2\n", "line 2: prior_notice_last_day is required when booking_type is 2"),
        ("booking_rule_id,booking_type\nr,7\n", "line 2: booking_type '7' must be one of 0, 1, 2"),
        ("booking_rule_id,booking_type\nr,0\nr,0\n", "line 3: booking_rule_id 'r' repeats"),
        (
            "booking_rule_id,booking_type,prior_notice_duration_min,prior_notice_duration_max\nr,1,60,30\n",
            "line 2: prior_notice_duration_max is less than prior_notice_duration_min",
        ),
    ],
)
def test_bad_booking_rules_name_line_and_field(tmp_path: Path, rules: str, problem: str) -> None:
    stop_times = _bad_stop_times("zone,,,Z1,1,,,18:00:00,23:00:00,2,1,,,,,,")
    folder = write_flex_feed(tmp_path, booking_rules_txt=rules, stop_times_txt=stop_times)
    with pytest.raises(InputDataError, match=r"booking_rules\.txt") as caught:
        _load(folder)
    assert problem in str(caught.value)


def test_bad_locations_and_groups_are_named(tmp_path: Path) -> None:
    folder = write_flex_feed(
        tmp_path / "a",
        locations_geojson=(
            '{"type": "FeatureCollection", "features": '
            '[{"id": "Z1", "geometry": {"type": "Point", "coordinates": [9, 51]}}]}'
        ),
    )
    with pytest.raises(InputDataError, match=r"locations.geojson: feature 1 \(id 'Z1'\): geometry type 'Point'"):
        _load(folder)
    folder = write_flex_feed(tmp_path / "b", location_group_stops_txt="location_group_id,stop_id\nG1,S9\n")
    with pytest.raises(InputDataError, match=r"location_group_stops.txt: line 2: stop_id 'S9'"):
        _load(folder)


def test_trip_level_safe_duration_of_the_adopted_spec_is_in_seconds(tmp_path: Path) -> None:
    # The adopted GTFS reference: trips.txt safe_duration_factor / safe_duration_offset (seconds),
    # SafeTravelDuration = safe_duration_factor x DrivingDuration + safe_duration_offset.
    trips = (
        "route_id,service_id,trip_id,wheelchair_accessible,safe_duration_factor,safe_duration_offset\n"
        "AST1,ALL,zone,1,2.0,90\nAST1,ALL,to_group,2,,\n"
    )
    network = _load(write_flex_feed(tmp_path, trips_txt=trips)).network  # type: ignore[attr-defined]
    zone = next(trip for trip in network.trips if trip.trip_id == "ast:zone")
    assert {(row.safe_factor, row.safe_offset_s) for row in zone.stop_times} == {(2.0, 90.0)}
    assert {(row.mean_factor, row.mean_offset_s) for row in zone.stop_times} == {(1.2, 120.0)}  # the rows' own
    group = next(trip for trip in network.trips if trip.trip_id == "ast:to_group")
    assert {(row.safe_factor, row.safe_offset_s) for row in group.stop_times} == {(1.0, 0.0)}  # stop_times values


def test_a_bad_trip_safe_duration_names_the_line_and_field(tmp_path: Path) -> None:
    trips = "route_id,service_id,trip_id,safe_duration_factor\nAST1,ALL,zone,fast\nAST1,ALL,to_group,\n"
    with pytest.raises(InputDataError, match=r"trips\.txt.*line 2: safe_duration_factor 'fast' is not a number"):
        _load(write_flex_feed(tmp_path, trips_txt=trips))
