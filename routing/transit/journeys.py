"""Journeys and their legs, rebuilt from the kernels' labels.

A :class:`Journey` is a list of :class:`TransitLeg` rides and :class:`WalkLeg` walks with
aware datetimes in the region's time zone. :class:`JourneyBuilder` follows the
back-pointers of a RAPTOR run (:class:`Labels`) or of McRAPTOR's bags (:class:`Bags`) from
a destination label to the access walk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from routing.pareto import non_dominated
from routing.transit._raptor import INF, RaptorLabels
from routing.transit.network import Network
from routing.transit.service_time import elapsed_seconds, moment_at
from routing.transit.timetable import Timetable
from routing.transit.transfers import Transfers


@dataclass(frozen=True)
class TransitLeg:
    """A ride on one trip (times are aware datetimes in the region's time zone)."""

    trip: int
    trip_id: str
    route_short_name: str
    route_long_name: str
    route_type: int
    agency: str
    headsign: str
    from_stop: int
    to_stop: int
    departure: datetime
    arrival: datetime
    intermediate_stops: list[int]
    service_day: date
    realtime: bool = False
    """True when the times come from GTFS-Realtime (else scheduled)."""
    scheduled_departure: datetime | None = None
    scheduled_arrival: datetime | None = None
    occupancy: str | None = None
    """GTFS-Realtime occupancy status (e.g. ``many_seats_available``), when known."""
    route_id: str = ""
    """Region-wide route id (``<feed>:<GTFS route_id>``)."""


@dataclass(frozen=True)
class WalkLeg:
    """A walk: access (``from_stop`` None), transfer, or egress (``to_stop`` None)."""

    from_stop: int | None
    to_stop: int | None
    departure: datetime
    arrival: datetime
    meters: float


@dataclass(frozen=True)
class Journey:
    """One Pareto-optimal way: arrival time versus number of trips (and walking, for McRAPTOR)."""

    departure: datetime
    arrival: datetime
    legs: list[TransitLeg | WalkLeg]
    transfers: int
    walking_seconds: float
    price_cents: int | None = None
    """Sum of the ride prices a Pareto plan was given (None without prices)."""

    @property
    def duration_s(self) -> float:
        """Door-to-door time in seconds."""
        return elapsed_seconds(self.departure, self.arrival)

    def describe(self, timetable: Timetable) -> str:
        """A readable one-line summary (used by tests and logs)."""
        parts = []
        for leg in self.legs:
            if isinstance(leg, TransitLeg):
                parts.append(
                    f"{leg.route_short_name} {timetable.stop_id[leg.from_stop]} {leg.departure:%H:%M}"
                    f" ~ {timetable.stop_id[leg.to_stop]} {leg.arrival:%H:%M}"
                )
            elif leg.from_stop is not None and leg.to_stop is not None:
                parts.append(f"walk {timetable.stop_id[leg.from_stop]} ~ {timetable.stop_id[leg.to_stop]}")
        return " | ".join(parts)


def pareto_filter(journeys: list[Journey], extra: Callable[[Journey], float] | None = None) -> list[Journey]:
    """Keep the journeys no other journey beats in arrival, walking, transfers (and ``extra``)."""

    def key(journey: Journey) -> tuple[float, ...]:
        values = (
            journey.arrival.timestamp(),
            journey.walking_seconds,
            float(journey.transfers),
            float(journey.price_cents or 0),
        )
        return (*values, extra(journey)) if extra else values

    kept: dict[tuple[float, ...], Journey] = {}
    for journey in non_dominated(journeys, key):
        kept.setdefault(key(journey), journey)  # an identical journey is kept once
    return list(kept.values())


@dataclass
class Labels:
    """The labels of a RAPTOR query, kept across the runs of a range query.

    ``network`` is the network the first run used (a range query stays on it when a
    real-time overlay arrives meanwhile); ``speed_factor`` the walking speed's.
    """

    arrays: RaptorLabels
    network: Network | None = None
    speed_factor: float = 1.0

    @classmethod
    def fresh(cls, rounds: int, stops: int) -> Labels:
        """Label arrays for one query (or one range query) of ``rounds`` rounds."""
        shape = (rounds, stops)
        return cls(
            RaptorLabels(
                arrival_trip=np.full(shape, INF, dtype=np.int32),
                arrival_walk=np.full(shape, INF, dtype=np.int32),
                trip_of=np.full(shape, -1, dtype=np.int32),
                trip_day=np.zeros(shape, dtype=np.int8),
                board_stop=np.full(shape, -1, dtype=np.int32),
                board_time=np.zeros(shape, dtype=np.int32),
                walk_from=np.full(shape, -1, dtype=np.int32),
                best_trip=np.full(stops, INF, dtype=np.int32),
                best_walk=np.full(stops, INF, dtype=np.int32),
            )
        )


@dataclass(frozen=True)
class Bags:
    """McRAPTOR's label bags (rows as documented in :mod:`routing.transit._mcraptor`) and their network."""

    trip_labels: NDArray[np.int32]
    trip_counts: NDArray[np.int32]
    walk_labels: NDArray[np.int32]
    walk_counts: NDArray[np.int32]
    network: Network


class JourneyBuilder:
    """Turns labels into legs: trip texts read from the timetable's string tables once per trip and route."""

    def __init__(self, timetable: Timetable, zone: ZoneInfo) -> None:
        self.timetable = timetable
        self.zone = zone
        self._route_texts: dict[int, tuple[str, str, str, str]] = {}
        self._trip_texts: dict[int, tuple[str, str]] = {}

    def moment(self, day: date, seconds: int) -> datetime:
        """``seconds`` after ``day``'s reference as an aware datetime."""
        return moment_at(day, seconds, self.zone)

    def trip_leg(
        self,
        network: Network,
        trip: int,
        day_offset: int,
        stops: tuple[int, int],
        times: tuple[int, int],
        day: date,
    ) -> TransitLeg:
        """The ride on ``trip`` (of service day ``day_offset`` - 1 from ``day``) from ``stops[0]`` to ``stops[1]``."""
        timetable = self.timetable
        board, alight = stops
        board_time, alight_time = times
        pattern = network.pattern_of(trip)
        pattern_stops = network.pattern_stop_list(pattern)
        board_at = pattern_stops.index(board)
        alight_at = pattern_stops.index(alight, board_at + 1)
        route = int(network.pattern_route[pattern])
        static_trip = int(network.trip_origin[trip])
        realtime = bool(network.realtime[trip])
        scheduled_board, scheduled_alight = board_time, alight_time
        added = network.added.get(trip)
        trip_id, headsign = (added.trip_id, added.headsign) if added is not None else self._trip_text(static_trip)
        if realtime and added is None:
            _, base, _ = timetable.trip_layout(static_trip)
            kernel = network.kernel
            shift = board_time - int(kernel.departure[int(kernel.pattern_time_offsets[pattern]) + board_at])
            scheduled_board = int(timetable.departure[base + board_at]) + shift
            scheduled_alight = int(timetable.arrival[base + alight_at]) + shift
        overlay = network.overlay
        occupancy = overlay.occupancy.get(static_trip) if overlay is not None and added is None else None
        if occupancy is None and overlay is not None and trip_id in overlay.vehicles:
            occupancy = overlay.vehicles[trip_id].occupancy
        short_name, long_name, agency, route_id = self._route_text(route)
        return TransitLeg(
            trip=static_trip,
            trip_id=trip_id,
            route_short_name=short_name,
            route_long_name=long_name,
            route_type=int(timetable.route_type[route]),
            agency=agency,
            headsign=headsign,
            from_stop=board,
            to_stop=alight,
            departure=self.moment(day, board_time),
            arrival=self.moment(day, alight_time),
            intermediate_stops=pattern_stops[board_at + 1 : alight_at],
            service_day=day + timedelta(days=day_offset - 1),
            realtime=realtime,
            scheduled_departure=self.moment(day, scheduled_board),
            scheduled_arrival=self.moment(day, scheduled_alight),
            occupancy=occupancy,
            route_id=route_id,
        )

    def _route_text(self, route: int) -> tuple[str, str, str, str]:
        """Short name, long name, agency and id of ``route``, read from the string tables once."""
        texts = self._route_texts.get(route)
        if texts is None:
            timetable = self.timetable
            texts = (
                timetable.route_short_name[route],
                timetable.route_long_name[route],
                timetable.route_agency[route],
                timetable.route_id[route],
            )
            self._route_texts[route] = texts
        return texts

    def _trip_text(self, trip: int) -> tuple[str, str]:
        """Id and headsign of the static ``trip``, read from the string tables once."""
        texts = self._trip_texts.get(trip)
        if texts is None:
            texts = (self.timetable.trip_id[trip], self.timetable.trip_headsign[trip])
            self._trip_texts[trip] = texts
        return texts

    # RAPTOR labels -------------------------------------------------------------------

    def rebuild(
        self,
        labels: Labels,
        end: tuple[int, int],
        day: date,
        access: dict[int, tuple[int, float]],
        transfers: Transfers,
    ) -> list[TransitLeg | WalkLeg]:
        """Follow the back-pointers from the trip label ``end`` = (round, stop) to an access stop."""
        legs: list[TransitLeg | WalkLeg] = []
        k, stop = end
        kind = "trip"
        arrays = labels.arrays
        network = labels.network
        assert network is not None  # set by the run that made the labels
        while True:
            if kind == "walk":
                origin = int(arrays.walk_from[k, stop])
                arrival = int(arrays.arrival_walk[k, stop])
                if origin < 0:
                    start_time, meters = access[stop]
                    if meters > 0 or arrival > start_time:
                        legs.append(
                            WalkLeg(None, stop, self.moment(day, start_time), self.moment(day, arrival), meters)
                        )
                    break
                leaving = int(arrays.arrival_trip[k, origin])
                seconds, meters = transfers.footpath(origin, stop)
                walked = min(arrival, leaving + round(seconds * labels.speed_factor))
                legs.append(WalkLeg(origin, stop, self.moment(day, leaving), self.moment(day, walked), meters))
                stop, kind = origin, "trip"
                continue
            board = int(arrays.board_stop[k, stop])
            board_time = int(arrays.board_time[k, stop])
            legs.append(
                self.trip_leg(
                    network,
                    int(arrays.trip_of[k, stop]),
                    int(arrays.trip_day[k, stop]),
                    (board, stop),
                    (board_time, int(arrays.arrival_trip[k, stop])),
                    day,
                )
            )
            k -= 1
            stop = board
            kind = "walk" if int(arrays.arrival_walk[k, stop]) <= board_time else "trip"
        legs.reverse()
        return legs

    @staticmethod
    def end_label(labels: Labels, trips: int, arrival: int, targets: dict[int, int]) -> tuple[int, int]:
        """The (round, stop) of the trip label a front point ``(trips, arrival)`` ends with.

        A journey ends where a trip is left: no egress follows a footpath (one walk per end).
        """
        arrival_trip = labels.arrays.arrival_trip
        end_stop, best = -1, int(INF)
        for stop, extra in targets.items():
            value = int(arrival_trip[trips, stop])
            if value < INF and value + extra == arrival and value + extra < best:
                end_stop, best = stop, value + extra
        if end_stop >= 0:
            return trips, end_stop
        for k in range(trips, -1, -1):  # reached in an earlier round; the label sits there
            for stop, extra in targets.items():
                value = int(arrival_trip[k, stop])
                if value < INF and value + extra == arrival:
                    return k, stop
        return trips, end_stop

    # McRAPTOR bags -------------------------------------------------------------------

    def rebuild_from_bags(
        self,
        bags: Bags,
        label: tuple[int, str, int],
        criteria: tuple[int, int, int],
        start: tuple[date, int],
        access_meters: dict[int, float],
        transfers: Transfers,
    ) -> list[TransitLeg | WalkLeg] | None:
        """Follow the back-pointers of ``label`` = (round, kind, stop) with ``criteria`` = (arrival, walk, price).

        Returns the legs from the access walk (leaving at ``start`` = (day, seconds)) on;
        None when no label in the bag has those criteria.
        """
        k, kind, stop = label
        day, start_time = start
        legs: list[TransitLeg | WalkLeg] = []
        rows = bags.trip_labels if kind == "trip" else bags.walk_labels
        count = int((bags.trip_counts if kind == "trip" else bags.walk_counts)[k, stop])
        wanted = list(criteria)
        index = next((i for i in range(count) if [int(v) for v in rows[k, stop, i, :3]] == wanted), -1)
        if index < 0:
            return None
        while True:
            if kind == "walk":
                row = bags.walk_labels[k, stop, index]
                origin = int(row[3])
                if origin < 0:
                    if int(row[0]) > start_time:
                        legs.append(
                            WalkLeg(
                                None,
                                stop,
                                self.moment(day, start_time),
                                self.moment(day, int(row[0])),
                                access_meters.get(stop, 0.0),
                            )
                        )
                    break
                parent = bags.trip_labels[k, origin, int(row[4])]
                walked = int(parent[0]) + int(row[1]) - int(parent[1])
                meters = transfers.footpath(origin, stop)[1]  # the query's profile (wheelchair too)
                legs.append(WalkLeg(origin, stop, self.moment(day, int(parent[0])), self.moment(day, walked), meters))
                stop, kind, index = origin, "trip", int(row[4])
                continue
            row = bags.trip_labels[k, stop, index]
            trip, trip_day, board, board_time = int(row[3]), int(row[4]), int(row[5]), int(row[6])
            legs.append(self.trip_leg(bags.network, trip, trip_day, (board, stop), (board_time, int(row[0])), day))
            k -= 1
            stop, kind, index = board, ("walk" if int(row[7]) == 0 else "trip"), int(row[8])
        legs.reverse()
        return legs
