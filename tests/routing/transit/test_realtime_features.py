"""Real-time feature tests in OTP's module-test style: one tiny inline timetable, one feature each.

RT01 explicit predictions win over propagated delays, RT02 out-of-order updates, RT03 added
trips, RT04 vehicle positions polled with trip updates, RT05 alerts on a route, RT06
platforms on a board.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from google.transit import gtfs_realtime_pb2 as rt

from routing.transit.alerts import parse_alerts, ride_alerts
from routing.transit.departures import departure_board
from routing.transit.journeys import TransitLeg
from routing.transit.queries import TransitRouter
from routing.transit.realtime import RealtimeOverlay, TripLocator, merge_overlays
from routing.transit.realtime_parse import parse_feed, parse_trip_updates
from routing.transit.realtime_poll import RealtimePoller, RealtimeSource
from tests.routing.transit.point_queries import ALGORITHMS
from tests.routing.transit.realtime_feeds import BERLIN, MONDAY, TRIPS, first_leg, message
from tests.routing.transit.tiny_transit import STOPS, tiny_router

FEED_TIME = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


def at(hour: int, minute: int) -> datetime:
    return datetime(2026, 11, 23, hour, minute, tzinfo=BERLIN)


def epoch(hour: int, minute: int) -> int:
    return int(at(hour, minute).timestamp())


@pytest.fixture
def router(tmp_path: Path) -> TransitRouter:
    return tiny_router(tmp_path, TRIPS, first_day=MONDAY)


def apply(router: TransitRouter, *updates: rt.TripUpdate) -> RealtimeOverlay:
    overlay = parse_trip_updates(message(*updates), TripLocator(router.timetable), BERLIN, feed="kvg")
    router.apply_realtime(overlay)
    return overlay


def update_for(trip_id: str) -> rt.TripUpdate:
    update = rt.TripUpdate()
    update.trip.trip_id = trip_id
    update.trip.start_date = "20261123"
    return update


def stop_index(router: TransitRouter, stop: str) -> int:
    return router.timetable.stop_id.to_list().index(f"kvg:{stop}")


# RT01 ------------------------------------------------------------------------------


@pytest.fixture(params=ALGORITHMS)
def algorithm(request: pytest.FixtureRequest) -> str:
    """The real-time features hold under RAPTOR and under McRAPTOR."""
    return str(request.param)


def test_rt01_explicit_prediction_wins_over_a_propagated_delay(router: TransitRouter, algorithm: str) -> None:
    """t1 leaves B 10 min late, but the feed predicts E at 08:28: the train makes up time.

    The old code carried B's delay to C (08:30) and then pushed E's explicit 08:28 up to it.
    """
    update = update_for("t1")
    b = update.stop_time_update.add(stop_id="B", stop_sequence=2)
    b.arrival.delay = 600
    b.departure.delay = 600
    update.stop_time_update.add(stop_id="E", stop_sequence=4).arrival.time = epoch(8, 28)
    overlay = apply(router, update)
    assert overlay.problems == []
    state = next(iter(overlay.trips.values()))
    assert state.arrival is not None and state.departure is not None
    leg = first_leg(router, algorithm, "A", "E", at(7, 55))
    assert leg.trip_id == "kvg:t1"
    assert leg.arrival == at(8, 28), "the explicit prediction is kept as given"
    from_b = first_leg(router, algorithm, "B", "E", at(8, 15))
    assert (from_b.departure, from_b.arrival) == (at(8, 20), at(8, 28))
    # C has no prediction: B's delay would put it at 08:30, after E's prediction; it is fitted to 08:28.
    times = [int(t) for pair in zip(state.arrival, state.departure, strict=True) for t in pair]
    assert times == sorted(times), "times never decrease along the trip"
    assert int(state.arrival[2]) == int(state.departure[2]) == int(state.arrival[3])


def test_rt01_explicit_times_that_go_backwards_are_reported(router: TransitRouter) -> None:
    update = update_for("t1")
    update.stop_time_update.add(stop_id="B", stop_sequence=2).departure.time = epoch(8, 25)
    update.stop_time_update.add(stop_id="C", stop_sequence=3).arrival.time = epoch(8, 21)
    overlay = apply(router, update)
    assert overlay.trips == {}
    assert any("go backwards" in problem for problem in overlay.problems)


# RT02 ------------------------------------------------------------------------------


def test_rt02_out_of_order_updates_are_sorted_not_dropped(router: TransitRouter, algorithm: str) -> None:
    update = update_for("t1")
    e = update.stop_time_update.add(stop_id="E", stop_sequence=4)
    e.arrival.delay = 240
    b = update.stop_time_update.add(stop_id="B", stop_sequence=2)
    b.arrival.delay = 120
    b.departure.delay = 120
    overlay = apply(router, update)
    assert overlay.problems == [] and len(overlay.trips) == 1, "the trip is kept"
    leg = first_leg(router, algorithm, "B", "E", at(8, 5))
    assert leg.trip_id == "kvg:t1" and leg.realtime
    assert (leg.departure, leg.arrival) == (at(8, 12), at(8, 34))


def test_rt02_updates_without_stop_sequence_match_by_stop_id(router: TransitRouter, algorithm: str) -> None:
    update = update_for("t1")
    update.stop_time_update.add(stop_id="C").departure.time = epoch(8, 24)
    update.stop_time_update.add(stop_id="B").departure.time = epoch(8, 13)
    overlay = apply(router, update)
    assert overlay.problems == []
    leg = first_leg(router, algorithm, "B", "C", at(8, 5))
    assert (leg.departure, leg.arrival) == (at(8, 13), at(8, 23)), "C's arrival carries B's delay, below 08:24"


def test_rt02_a_wrong_stop_sequence_is_overruled_by_the_stop_id(router: TransitRouter, algorithm: str) -> None:
    update = update_for("t1")
    update.stop_time_update.add(stop_id="C", stop_sequence=1).departure.time = epoch(8, 25)
    overlay = apply(router, update)
    assert overlay.problems == []
    assert first_leg(router, algorithm, "C", "E", at(8, 15)).departure == at(8, 25)
    assert first_leg(router, algorithm, "A", "B", at(7, 55)).departure == at(8, 0), "A keeps its schedule"


# RT03 ------------------------------------------------------------------------------


def added_trip(trip_id: str = "x1", route_id: str | None = "1") -> rt.TripUpdate:
    update = rt.TripUpdate()
    update.trip.trip_id = trip_id
    update.trip.start_date = "20261123"
    update.trip.schedule_relationship = rt.TripDescriptor.ADDED
    if route_id:
        update.trip.route_id = route_id
    for sequence, (stop, minute) in enumerate((("A", 5), ("C", 15), ("E", 25)), start=1):
        call = update.stop_time_update.add(stop_id=stop, stop_sequence=sequence)
        call.arrival.time = epoch(9, minute)
        call.departure.time = epoch(9, minute)
    return update


def test_rt03_added_trip_is_routed_and_on_the_board(router: TransitRouter, algorithm: str) -> None:
    overlay = apply(router, added_trip())
    assert overlay.problems == []
    assert list(overlay.added) == [("kvg:x1", MONDAY)]
    leg = first_leg(router, algorithm, "A", "E", at(9, 0))
    assert leg.trip_id == "kvg:x1" and leg.realtime
    assert (leg.departure, leg.arrival) == (at(9, 5), at(9, 25))
    assert leg.route_id == "kvg:1" and leg.headsign == "Echo"
    board = departure_board(router, [stop_index(router, "C")], at(9, 0), limit=5)
    assert [(d.trip_id, d.expected, d.realtime) for d in board] == [("kvg:x1", at(9, 15), True)]
    router.apply_realtime(None)
    assert first_leg(router, algorithm, "A", "E", at(9, 0)).trip_id != "kvg:x1"


def test_rt03_added_trip_without_a_known_route_is_reported(router: TransitRouter) -> None:
    overlay = apply(router, added_trip("x2", route_id=None), added_trip("x3", route_id="nope"))
    assert overlay.added == {}
    assert [p.split(":")[0] for p in overlay.problems] == ["entity 0", "entity 1"]
    assert "no route_id" in overlay.problems[0] and "'nope' is not in the timetable" in overlay.problems[1]


# RT04 ------------------------------------------------------------------------------


def vehicle_feed() -> bytes:
    feed = rt.FeedMessage()
    feed.header.gtfs_realtime_version = "2.0"
    feed.header.timestamp = int(FEED_TIME.timestamp())
    vehicle = feed.entity.add(id="v1").vehicle
    vehicle.trip.trip_id = "t1"
    vehicle.vehicle.id = "bus-42"
    vehicle.position.latitude = 51.305
    vehicle.position.longitude = 9.405
    vehicle.stop_id = "B"
    vehicle.current_status = rt.VehiclePosition.IN_TRANSIT_TO
    vehicle.occupancy_status = rt.VehiclePosition.STANDING_ROOM_ONLY
    return feed.SerializeToString()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    folder = tmp_path / "www"
    folder.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_rt04_vehicle_positions_are_polled_with_trip_updates(
    router: TransitRouter, algorithm: str, served: tuple[Path, str]
) -> None:
    folder, base = served
    delayed = update_for("t1")
    call = delayed.stop_time_update.add(stop_id="B", stop_sequence=2)
    call.arrival.delay = call.departure.delay = 60
    (folder / "trips.pb").write_bytes(message(delayed))
    (folder / "vehicles.pb").write_bytes(vehicle_feed())
    sources = [
        RealtimeSource("trips", f"{base}/trips.pb", feed="kvg", ttl=timedelta(minutes=2)),
        RealtimeSource(
            "vehicles", f"{base}/vehicles.pb", feed="kvg", ttl=timedelta(minutes=2), kind="vehicle_positions"
        ),
    ]
    poller = RealtimePoller(sources, TripLocator(router.timetable), BERLIN, router.apply_realtime)
    merged = poller.poll_once(FEED_TIME)
    assert merged is not None and len(merged.trips) == 1
    vehicle = merged.vehicles["kvg:t1"]
    assert (vehicle.vehicle_id, vehicle.lat, vehicle.status) == ("bus-42", pytest.approx(51.305), "in_transit_to")
    assert vehicle.stop == stop_index(router, "B")
    leg = first_leg(router, algorithm, "A", "E", at(7, 55))
    assert leg.occupancy == "standing_room_only"
    board = departure_board(router, [stop_index(router, "B")], at(8, 0), limit=1)
    assert board[0].occupancy == "standing_room_only" and board[0].expected == at(8, 11)
    (folder / "trips.pb").unlink()
    (folder / "vehicles.pb").unlink()
    assert poller.poll_once(FEED_TIME + timedelta(minutes=1)) is not None, "the last good data stays within its TTL"
    assert poller.poll_once(FEED_TIME + timedelta(minutes=5)) is None, "vehicles go stale like trip updates"
    assert first_leg(router, algorithm, "A", "E", at(7, 55)).occupancy is None


# RT05 ------------------------------------------------------------------------------


def alert_feed(*, route_id: str = "1", start: datetime | None = None, end: datetime | None = None) -> bytes:
    feed = rt.FeedMessage()
    feed.header.gtfs_realtime_version = "2.0"
    feed.header.timestamp = int(FEED_TIME.timestamp())
    alert = feed.entity.add(id="works-1").alert
    alert.informed_entity.add(route_id=route_id)
    alert.informed_entity.add(stop_id="F")
    if start or end:
        period = alert.active_period.add()
        if start:
            period.start = int(start.timestamp())
        if end:
            period.end = int(end.timestamp())
    alert.cause = rt.Alert.CONSTRUCTION
    alert.effect = rt.Alert.DETOUR
    alert.header_text.translation.add(text="Umleitung Linie 1", language="de")
    alert.header_text.translation.add(text="Line 1 detour", language="en")
    return feed.SerializeToString()


def test_rt05_alert_on_a_route_reaches_leg_and_departure(router: TransitRouter, algorithm: str) -> None:
    locator = TripLocator(router.timetable)
    overlay = parse_feed("alerts", alert_feed(start=at(7, 0), end=at(8, 15)), locator, BERLIN, feed="kvg", source="a")
    (alert,) = overlay.alerts
    assert (alert.id, alert.cause, alert.effect) == ("kvg:works-1", "construction", "detour")
    assert alert.text("header", "de") == "Umleitung Linie 1" and alert.text("header", "en") == "Line 1 detour"
    router.apply_realtime(merge_overlays([overlay]))
    leg = first_leg(router, algorithm, "A", "E", at(7, 55))
    timetable = router.timetable
    route = timetable.route_id.to_list().index(leg.route_id)

    def leg_alerts(ride: TransitLeg) -> list[str]:
        found = ride_alerts(
            overlay.alerts,
            timetable,
            route=route,
            trip_id=ride.trip_id,
            stops=(ride.from_stop, ride.to_stop),
            start=ride.departure,
            end=ride.arrival,
        )
        return [a.id for a in found]

    assert leg_alerts(leg) == ["kvg:works-1"]
    later = first_leg(router, algorithm, "A", "E", at(8, 25))
    assert later.trip_id == "kvg:t2" and leg_alerts(later) == [], "the 08:30 ride runs after the alert ends"
    board = departure_board(router, [stop_index(router, "B")], at(8, 0), limit=2)
    assert [(d.trip_id, [a.id for a in d.alerts]) for d in board] == [("kvg:t1", ["kvg:works-1"]), ("kvg:t2", [])]


def test_rt05_alert_selectors_combine_fields(router: TransitRouter) -> None:
    feed = rt.FeedMessage()
    feed.header.gtfs_realtime_version = "2.0"
    alert = feed.entity.add(id="a").alert
    alert.informed_entity.add(route_id="1", stop_id="C")  # route 1 at C only
    alert.header_text.translation.add(text="untagged")
    feed.entity.add(id="empty").alert.header_text.translation.add(text="no selector")
    alerts, problems = parse_alerts(feed, feed="kvg")
    assert [a.id for a in alerts] == ["kvg:a"] and "names no agency" in problems[0]
    timetable = router.timetable
    kwargs = {"route": 0, "trip_id": "kvg:t1", "start": at(8, 0)}
    assert ride_alerts(alerts, timetable, stops=(stop_index(router, "C"),), **kwargs)  # type: ignore[arg-type]
    assert not ride_alerts(alerts, timetable, stops=(stop_index(router, "B"),), **kwargs)  # type: ignore[arg-type]
    assert alerts[0].text("header", "de") == "untagged"


# RT06 ------------------------------------------------------------------------------


def test_rt06_platform_on_a_board(tmp_path: Path) -> None:
    stops = (
        STOPS.replace("stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station,wheelchair_boarding\n", "")
        .replace("A,Alpha,", '"A","Kassel Hauptbahnhof Gleis 3",')
        .replace("B,Bravo,", '"B","Heidelberg, Bismarckplatz Bstg A",')
        .replace("C,Charlie,", '"C","Heidelberg, Steigerweg",')
    )
    header = "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station,wheelchair_boarding,platform_code\n"
    rows = [line + (",7" if line.startswith("D,") else ",") for line in stops.strip().splitlines()]
    router = tiny_router(
        tmp_path,
        "t1 1 WD: A 08:00, B 08:10, C 08:20, D 08:25, E 08:30",
        first_day=MONDAY,
        stops_txt=header + "\n".join(rows) + "\n",
    )

    def platform(stop: str) -> str | None:
        (departure,) = departure_board(router, [stop_index(router, stop)], at(7, 50), limit=1)
        return departure.platform

    assert platform("A") == "3", "DELFI style: the platform ends the name"
    assert platform("B") == "A"
    assert platform("C") is None, "Steigerweg is a street, not a platform"
    assert platform("D") == "7", "platform_code wins"
