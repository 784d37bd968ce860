"""GTFS-Realtime: TripUpdates change what RAPTOR finds; broken or stale feeds never break planning."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, date, datetime, timedelta
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from google.transit import gtfs_realtime_pb2 as rt

from routing.transit.compile import compile_timetable
from routing.transit.gtfs_load import load_gtfs
from routing.transit.journeys import TransitLeg
from routing.transit.options import TransitOptions
from routing.transit.queries import TransitRouter
from routing.transit.realtime import RealtimeFeedError, TripLocator
from routing.transit.realtime_parse import parse_trip_updates, parse_vehicle_positions
from routing.transit.realtime_poll import RealtimeFeed, RealtimePoller, RealtimeSource, url_fetcher
from routing.transit.reference import earliest_arrival_csa
from routing.transit.service_time import service_day_reference
from tests.routing.transit.point_queries import ALGORITHMS, between_stops
from tests.routing.transit.realtime_feeds import BERLIN, MONDAY, TRIPS, first_leg, message, trip_update
from tests.routing.transit.tiny_transit import tiny_router


@pytest.fixture(params=ALGORITHMS)
def algorithm(request: pytest.FixtureRequest) -> str:
    """Real-time updates hold under RAPTOR and under McRAPTOR."""
    return str(request.param)


@pytest.fixture
def router(tmp_path: Path) -> TransitRouter:
    return tiny_router(tmp_path, TRIPS, first_day=MONDAY)


def test_delay_propagates_downstream(router: TransitRouter, algorithm: str) -> None:
    overlay = parse_trip_updates(
        message(trip_update("t1", ("B", 2, 300))), TripLocator(router.timetable), BERLIN, feed="kvg"
    )
    router.apply_realtime(overlay)
    leg = first_leg(router, algorithm, "B", "E", datetime(2026, 11, 23, 8, 5, tzinfo=BERLIN))
    assert leg.trip_id == "kvg:t1" and leg.realtime
    assert leg.departure == datetime(2026, 11, 23, 8, 15, tzinfo=BERLIN)
    assert leg.arrival == datetime(2026, 11, 23, 8, 35, tzinfo=BERLIN), "the 5 minutes carry on to E"
    assert leg.scheduled_departure == datetime(2026, 11, 23, 8, 10, tzinfo=BERLIN)
    assert leg.scheduled_arrival == datetime(2026, 11, 23, 8, 30, tzinfo=BERLIN)
    # Before the update the trip keeps its schedule; a delay makes A -> B arrive later.
    early = first_leg(router, algorithm, "A", "B", datetime(2026, 11, 23, 7, 55, tzinfo=BERLIN))
    assert early.departure == datetime(2026, 11, 23, 8, 0, tzinfo=BERLIN)
    assert early.arrival == datetime(2026, 11, 23, 8, 15, tzinfo=BERLIN)


def test_delay_makes_a_missed_trip_catchable(router: TransitRouter, algorithm: str) -> None:
    clock = datetime(2026, 11, 23, 8, 12, tzinfo=BERLIN)
    assert first_leg(router, algorithm, "B", "E", clock).trip_id == "kvg:t2"
    router.apply_realtime(
        parse_trip_updates(message(trip_update("t1", ("B", 2, 300))), TripLocator(router.timetable), BERLIN, feed="kvg")
    )
    assert first_leg(router, algorithm, "B", "E", clock).trip_id == "kvg:t1"
    router.apply_realtime(None)
    assert first_leg(router, algorithm, "B", "E", clock).trip_id == "kvg:t2"


def test_cancelled_trip_is_not_used(router: TransitRouter, algorithm: str) -> None:
    router.apply_realtime(
        parse_trip_updates(
            message(trip_update("t1", cancelled=True)), TripLocator(router.timetable), BERLIN, feed="kvg"
        )
    )
    leg = first_leg(router, algorithm, "A", "E", datetime(2026, 11, 23, 7, 55, tzinfo=BERLIN))
    assert leg.trip_id == "kvg:t2"
    # Only that day: Tuesday's t1 still runs.
    assert first_leg(router, algorithm, "A", "E", datetime(2026, 11, 24, 7, 55, tzinfo=BERLIN)).trip_id == "kvg:t1"


def test_skipped_stop_cannot_be_used(router: TransitRouter, algorithm: str) -> None:
    router.apply_realtime(
        parse_trip_updates(
            message(trip_update("t1", ("B", 2, None))), TripLocator(router.timetable), BERLIN, feed="kvg"
        )
    )
    assert first_leg(router, algorithm, "B", "E", datetime(2026, 11, 23, 8, 5, tzinfo=BERLIN)).trip_id == "kvg:t2"
    assert first_leg(router, algorithm, "A", "E", datetime(2026, 11, 23, 7, 55, tzinfo=BERLIN)).trip_id == "kvg:t1"


def test_service_day_inferred_without_start_date(router: TransitRouter) -> None:
    data = message(
        trip_update("t1", ("C", 3, 120), start_date=None), timestamp=datetime(2026, 11, 24, 6, 50, tzinfo=UTC)
    )
    overlay = parse_trip_updates(data, TripLocator(router.timetable), BERLIN, feed="kvg")
    assert [day for _, day in overlay.trips] == [date(2026, 11, 24)]


def test_unmatched_updates_are_reported_not_fatal(router: TransitRouter) -> None:
    data = message(trip_update("ghost", ("B", 2, 60)), trip_update("t2", ("Z", 9, 60)), trip_update("t1", ("C", 3, 60)))
    overlay = parse_trip_updates(data, TripLocator(router.timetable), BERLIN, feed="kvg")
    assert len(overlay.trips) == 1
    assert any("ghost" in problem for problem in overlay.problems)
    assert any("matches no stop" in problem for problem in overlay.problems)


def test_garbage_is_a_clear_error(router: TransitRouter) -> None:
    with pytest.raises(RealtimeFeedError, match="not a GTFS-Realtime protobuf"):
        parse_trip_updates(b"\x08\x96\x01 this is not protobuf", TripLocator(router.timetable), BERLIN, feed="kvg")


def test_reference_agrees_under_an_overlay(router: TransitRouter) -> None:
    router.apply_realtime(
        parse_trip_updates(message(trip_update("t1", ("B", 2, 300))), TripLocator(router.timetable), BERLIN, feed="kvg")
    )
    stops = router.timetable.stop_id.to_list()
    day = MONDAY
    start = round((datetime(2026, 11, 23, 8, 12, tzinfo=BERLIN) - service_day_reference(day, BERLIN)).total_seconds())
    sources, targets = {stops.index("kvg:B"): start}, {stops.index("kvg:E"): 0}
    front = router.run(day, sources, targets, options=TransitOptions(), labels=router.new_labels(TransitOptions()))
    assert front[-1][1] == earliest_arrival_csa(router, day, sources, targets, options=TransitOptions())


def test_feed_ttl_and_broken_feeds(router: TransitRouter, tmp_path: Path) -> None:
    served = tmp_path / "www"
    served.mkdir()
    (served / "updates.pb").write_bytes(message(trip_update("t1", ("B", 2, 300))))
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(served)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/updates.pb"
        feed = RealtimeFeed(
            "kvg trip updates", TripLocator(router.timetable), BERLIN, feed="kvg", ttl=timedelta(minutes=2)
        )
        now = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
        assert feed.current(now) is None
        assert feed.refresh(url_fetcher(url), now)
        assert feed.current(now + timedelta(minutes=1)) is not None
        (served / "updates.pb").write_bytes(b"garbage")
        assert not feed.refresh(url_fetcher(url), now + timedelta(minutes=1))
        assert feed.current(now + timedelta(minutes=1, seconds=30)) is not None, (
            "the last good data stays until its TTL"
        )
        assert not feed.refresh(url_fetcher(url.replace("updates", "missing")), now + timedelta(minutes=1))
        assert not feed.refresh(url_fetcher("http://127.0.0.1:9/updates.pb", timeout_s=1), now + timedelta(minutes=1))
        assert feed.current(now + timedelta(minutes=3)) is None, "stale data is dropped"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.realdata
def test_caltrain_trip_updates(shared_data: Path) -> None:
    bay = shared_data / "bay-area"
    timetable = compile_timetable([load_gtfs(bay / "ct.zip", name="ct")], first_day=date(2023, 11, 6), days=4)
    zone = ZoneInfo("America/Los_Angeles")
    overlay = parse_trip_updates((bay / "ct-trip-updates.pb").read_bytes(), TripLocator(timetable), zone, feed="ct")
    assert len(overlay.trips) == 19
    assert overlay.problems == []
    router = TransitRouter(timetable=timetable, timezone="America/Los_Angeles")
    router.apply_realtime(overlay)
    (trip, day), state = next(iter(overlay.trips.items()))
    assert day == date(2023, 11, 7)
    assert state.departure is not None
    stops = TripLocator(timetable).shape(trip).stops
    board, alight = int(stops[-4]), int(stops[-1])
    reference = service_day_reference(day, zone)
    leave = reference + timedelta(seconds=int(state.departure[-4]) - 60)
    journeys = between_stops(router, leave, [board], [alight])
    leg = journeys[-1].legs[0]
    assert isinstance(leg, TransitLeg)
    assert leg.realtime and leg.trip_id == timetable.trip_id[trip]
    assert leg.departure == reference + timedelta(seconds=int(state.departure[-4]))


def test_vehicle_occupancy_reaches_the_leg(router: TransitRouter, algorithm: str) -> None:
    feed = rt.FeedMessage()
    feed.header.gtfs_realtime_version = "2.0"
    feed.header.timestamp = int(datetime(2026, 11, 23, 7, 0, tzinfo=UTC).timestamp())
    vehicle = feed.entity.add(id="v1").vehicle
    vehicle.trip.trip_id = "t1"
    vehicle.occupancy_status = rt.VehiclePosition.MANY_SEATS_AVAILABLE
    locator = TripLocator(router.timetable)
    occupancy = parse_vehicle_positions(feed.SerializeToString(), locator, feed="kvg")
    overlay = parse_trip_updates(message(trip_update("t1", ("B", 2, 60))), locator, BERLIN, feed="kvg")
    router.apply_realtime(dataclasses.replace(overlay, occupancy=occupancy))
    leg = first_leg(router, algorithm, "A", "E", datetime(2026, 11, 23, 7, 55, tzinfo=BERLIN))
    assert leg.occupancy == "many_seats_available"


def test_poller_merges_fresh_sources_and_drops_failing_ones(
    router: TransitRouter, algorithm: str, tmp_path: Path
) -> None:
    served = tmp_path / "www"
    served.mkdir()
    (served / "a.pb").write_bytes(message(trip_update("t1", ("B", 2, 300))))
    (served / "b.pb").write_bytes(message(trip_update("t2", cancelled=True)))
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(served)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    applied: list[object] = []
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        sources = [
            RealtimeSource("a", f"{base}/a.pb", feed="kvg", ttl=timedelta(minutes=2), interval=timedelta(seconds=30)),
            RealtimeSource("b", f"{base}/b.pb", feed="kvg", ttl=timedelta(minutes=2), interval=timedelta(seconds=30)),
            RealtimeSource("down", "http://127.0.0.1:9/x.pb", feed="kvg", timeout_s=1),
        ]

        def apply(overlay: object) -> None:
            applied.append(overlay)
            router.apply_realtime(overlay)  # type: ignore[arg-type]

        poller = RealtimePoller(sources, TripLocator(router.timetable), BERLIN, apply)
        now = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
        merged = poller.poll_once(now)
        assert merged is not None and len(merged.trips) == 2
        assert first_leg(router, algorithm, "A", "E", datetime(2026, 11, 23, 7, 55, tzinfo=BERLIN)).trip_id == "kvg:t1"
        (served / "b.pb").write_bytes(b"broken")
        assert poller.poll_once(now + timedelta(seconds=40)) is not None, "b's last good data is still fresh"
        (served / "a.pb").unlink()
        assert poller.poll_once(now + timedelta(minutes=5)) is None, "everything stale: plain timetable again"
        assert applied[-1] is None
    finally:
        server.shutdown()
        server.server_close()
