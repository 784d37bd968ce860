"""GTFS-Realtime cross-checks against real feeds (../shared/data: BART, Caltrain, SEPTA, alert samples)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from google.transit import gtfs_realtime_pb2 as rt

from routing.transit.alerts import ride_alerts
from routing.transit.compile import compile_timetable
from routing.transit.gtfs_load import load_gtfs
from routing.transit.journeys import TransitLeg
from routing.transit.queries import TransitRouter
from routing.transit.realtime import TripLocator
from routing.transit.realtime_parse import _match_updates, parse_feed, parse_trip_updates
from routing.transit.service_time import service_day_reference
from routing.transit.timetable import Timetable
from tests.routing.transit.point_queries import between_stops

pytestmark = pytest.mark.realdata

PACIFIC = ZoneInfo("America/Los_Angeles")


@pytest.fixture(scope="module")
def bart(shared_data: Path) -> Timetable:
    return compile_timetable(
        [load_gtfs(shared_data / "bay-area" / "bart-rt.zip", name="bart")], first_day=date(2019, 8, 6), days=3
    )


@pytest.fixture(scope="module")
def caltrain(shared_data: Path) -> Timetable:
    return compile_timetable(
        [load_gtfs(shared_data / "bay-area" / "ct.zip", name="ct")], first_day=date(2023, 11, 6), days=4
    )


def explicit_times_kept(timetable: Timetable, data: bytes, feed: str) -> tuple[int, int, int]:
    """(stop updates with an explicit time, explicit times, of them kept exactly as given) over matched trips."""
    locator = TripLocator(timetable)
    overlay = parse_trip_updates(data, locator, PACIFIC, feed=feed)
    message = rt.FeedMessage()
    message.ParseFromString(data)
    stop_ids = timetable.stop_id.to_list()
    updates = times = kept = 0
    for entity in message.entity:
        trip = locator.index.get(f"{feed}:{entity.trip_update.trip.trip_id}")
        matches = [(key, state) for key, state in overlay.trips.items() if key[0] == trip]
        if trip is None or not matches:
            continue
        (_, day), state = matches[0]
        assert state.arrival is not None and state.departure is not None
        reference = round(service_day_reference(day, PACIFIC).timestamp())
        matched = _match_updates(locator.shape(trip), list(entity.trip_update.stop_time_update), stop_ids, feed)
        assert isinstance(matched, dict)
        for position, update in matched.items():
            given = [
                (getattr(update, name).time, computed)
                for name, computed in (("arrival", state.arrival), ("departure", state.departure))
                if update.HasField(name) and getattr(update, name).HasField("time")
            ]
            updates += bool(given)
            for seconds, computed in given:
                times += 1
                kept += int(computed[position]) + reference == seconds
    return updates, times, kept


def test_bart_explicit_times_are_all_kept_as_given(bart: Timetable, shared_data: Path) -> None:
    data = (shared_data / "bay-area" / "bart-trip-updates.pb").read_bytes()
    overlay = parse_trip_updates(data, TripLocator(bart), PACIFIC, feed="bart")
    assert len(overlay.trips) == 64
    kinds = Counter(
        "added" if "added trip" in p else "unknown trip" if "not in the timetable" in p else "backwards"
        for p in overlay.problems
    )
    assert kinds == {"unknown trip": 18, "added": 8, "backwards": 1}
    assert all("no route_id" in p for p in overlay.problems if "added trip" in p), "BART's added trips name no route"
    assert any("3711056WKDY" in p and "go backwards" in p for p in overlay.problems)
    # 967 stop updates with explicit times in the 64 trips: 1934 arrival and departure times, none moved.
    assert explicit_times_kept(bart, data, "bart") == (967, 1934, 1934)
    for state in overlay.trips.values():
        assert state.arrival is not None and state.departure is not None
        times = [int(t) for pair in zip(state.arrival, state.departure, strict=True) for t in pair]
        assert times == sorted(times)


def test_caltrain_explicit_times_and_vehicles(caltrain: Timetable, shared_data: Path) -> None:
    bay = shared_data / "bay-area"
    data = (bay / "ct-trip-updates.pb").read_bytes()
    assert explicit_times_kept(caltrain, data, "ct") == (220, 408, 408), "220 stop updates, 408 explicit times"
    locator = TripLocator(caltrain)
    vehicles = parse_feed(
        "vehicle_positions", (bay / "ct-vehicle-positions.pb").read_bytes(), locator, PACIFIC, feed="ct", source="ct"
    )
    assert len(vehicles.vehicles) == 14 and vehicles.problems == []
    assert sum(trip_id in locator.index for trip_id in vehicles.vehicles) == 14
    assert vehicles.occupancy == {}, "Caltrain's feed carries no occupancy"
    first = vehicles.vehicles["ct:124"]
    assert (first.lat, first.lon) == (pytest.approx(37.3704605), pytest.approx(-121.99604))


def test_septa_updates_without_a_matching_gtfs_are_reported(caltrain: Timetable, shared_data: Path) -> None:
    overlay = parse_trip_updates(
        (shared_data / "gtfs-rt" / "septa.pbf").read_bytes(), TripLocator(caltrain), PACIFIC, feed="septa"
    )
    assert overlay.trips == {}
    assert len(overlay.problems) == 35 and all("is not in the timetable" in p for p in overlay.problems)


def test_bart_agency_alert_reaches_a_bart_leg(bart: Timetable, shared_data: Path) -> None:
    locator = TripLocator(bart)
    alerts = parse_feed(
        "alerts",
        (shared_data / "gtfs-rt" / "alerts" / "bart-alerts.pb").read_bytes(),
        locator,
        PACIFIC,
        feed="bart",
        source="bart alerts",
    )
    (alert,) = alerts.alerts
    assert (alert.id, alert.effect, alert.cause) == ("bart:BSA_187874", "significant_delays", "medical_emergency")
    assert alert.entities[0].agency_id == "bart:BART" and alert.active == ()
    assert alert.text(
        "header",
        "de",
    ) is not None and alert.text(
        "header",
        "de",
    ).startswith("There is a major delay")
    assert alert.text("url", "en") == "http://www.bart.gov/schedules/advisories"
    router = TransitRouter(timetable=bart, timezone="America/Los_Angeles")
    trip = locator.index["bart:1011112WKDY"]
    stops = locator.shape(trip).stops
    day = date(2019, 8, 7)
    leave = service_day_reference(day, PACIFIC) + timedelta(seconds=int(bart.departure[locator.shape(trip).base]) - 60)
    leg = between_stops(router, leave, [int(stops[0])], [int(stops[-1])])[-1].legs[0]
    assert isinstance(leg, TransitLeg)
    route = bart.route_id.to_list().index(leg.route_id)
    found = ride_alerts(
        alerts.alerts,
        bart,
        route=route,
        trip_id=leg.trip_id,
        stops=(leg.from_stop, leg.to_stop),
        start=leg.departure,
        end=leg.arrival,
    )
    assert [a.id for a in found] == ["bart:BSA_187874"]


@pytest.mark.parametrize(
    ("path", "alerts", "selectors", "with_route", "with_stop", "with_trip", "with_agency", "periods"),
    [
        ("mbta/alerts.pb", 51, 275, 262, 223, 108, 262, 2069),
        ("puget_sound_alerts.pb", 20, 20, 0, 0, 0, 20, 20),
        ("ct-service-alerts.pb", 0, 0, 0, 0, 0, 0, 0),
    ],
)
def test_alert_samples_parse_with_exact_counts(
    caltrain: Timetable,
    shared_data: Path,
    path: str,
    alerts: int,
    selectors: int,
    with_route: int,
    with_stop: int,
    with_trip: int,
    with_agency: int,
    periods: int,
) -> None:
    data = (shared_data / "gtfs-rt" / "alerts" / path).read_bytes()
    overlay = parse_feed("alerts", data, TripLocator(caltrain), PACIFIC, feed="x", source=path)
    entities = [entity for alert in overlay.alerts for entity in alert.entities]
    assert overlay.problems == []
    assert (len(overlay.alerts), len(entities)) == (alerts, selectors)
    assert sum(e.route_id is not None for e in entities) == with_route
    assert sum(e.stop_id is not None for e in entities) == with_stop
    assert sum(e.trip_id is not None for e in entities) == with_trip
    assert sum(e.agency_id is not None for e in entities) == with_agency
    assert sum(len(alert.active) for alert in overlay.alerts) == periods
    assert all(alert.text("header", "de") for alert in overlay.alerts), "English-only texts serve German readers too"
