"""GTFS-Realtime test feeds over one tiny timetable: trip updates, messages, the leg a query rides.

Shared by the real-time, real-time feature and departure-board tests.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from google.transit import gtfs_realtime_pb2 as rt

from routing.transit.journeys import TransitLeg
from routing.transit.queries import TransitRouter
from tests.routing.transit.point_queries import between_stops

__all__ = ["BERLIN", "MONDAY", "TRIPS", "first_leg", "message", "trip_update"]

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 11, 23)
TRIPS = """
    t1 1 WD: A 08:00, B 08:10, C 08:20, E 08:30
    t2 1 WD: A 08:30, B 08:40, C 08:50, E 09:00
"""


def message(*updates: rt.TripUpdate, timestamp: datetime = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)) -> bytes:
    """A serialised GTFS-Realtime feed of these trip updates."""
    feed = rt.FeedMessage()
    feed.header.gtfs_realtime_version = "2.0"
    feed.header.timestamp = int(timestamp.timestamp())
    for number, update in enumerate(updates):
        entity = feed.entity.add(id=str(number))
        entity.trip_update.CopyFrom(update)
    return feed.SerializeToString()


def trip_update(
    trip_id: str, *stops: tuple[str, int, int | None], start_date: str | None = "20261123", cancelled: bool = False
) -> rt.TripUpdate:
    """A trip update; stops as (stop_id, sequence, delay seconds or None for SKIPPED)."""
    update = rt.TripUpdate()
    update.trip.trip_id = trip_id
    if start_date:
        update.trip.start_date = start_date
    if cancelled:
        update.trip.schedule_relationship = rt.TripDescriptor.CANCELED
    for stop_id, sequence, delay in stops:
        stop = update.stop_time_update.add(stop_id=stop_id, stop_sequence=sequence)
        if delay is None:
            stop.schedule_relationship = rt.TripUpdate.StopTimeUpdate.SKIPPED
        else:
            stop.arrival.delay = delay
            stop.departure.delay = delay
    return update


def first_leg(router: TransitRouter, algorithm: str, origin: str, destination: str, clock: datetime) -> TransitLeg:
    """The first leg of the last journey ``algorithm`` finds between two ``kvg:`` stops."""
    stops = router.timetable.stop_id.to_list()
    journeys = between_stops(
        router, clock, [stops.index(f"kvg:{origin}")], [stops.index(f"kvg:{destination}")], algorithm=algorithm
    )
    leg = journeys[-1].legs[0]
    assert isinstance(leg, TransitLeg)
    return leg
