"""Transit queries: a stateless service over a region's prepared timetable.

One entry point per query kind, each taking the query's street ends as
:class:`~routing.transit.ends.AccessEgress` (stops reachable from the origin and stops
from which the destination is reached, in seconds after the service day's reference; the
planner makes them, ``routing.planner.access``):

- :meth:`TransitRouter.earliest`: RAPTOR, journeys Pareto-optimal in arrival and trips;
- :meth:`TransitRouter.range_departures`: range RAPTOR over a departure window;
- :meth:`TransitRouter.pareto`: McRAPTOR, arrival x walking x transfers (x price);
- :meth:`TransitRouter.arrive_by`: the latest departures that arrive in time.

:meth:`TransitRouter.leave_late` moves a found journey to the latest trips that keep its
connections. Nothing is kept between queries but caches of derived arrays; a real-time
overlay replaces the network queries start on (:meth:`TransitRouter.apply_realtime`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from routing.errors import NoRoute
from routing.transit._candidates import departure_candidate_sources, departure_candidates
from routing.transit._mcraptor import mc_raptor
from routing.transit._range import range_runs, trip_bounds
from routing.transit._raptor import INF, raptor
from routing.transit._reverse import NEVER, reverse_raptor
from routing.transit.bounds import remaining_bounds
from routing.transit.ends import AccessEgress
from routing.transit.footpaths import Footpaths
from routing.transit.journeys import Bags, Journey, JourneyBuilder, Labels, TransitLeg, WalkLeg, pareto_filter
from routing.transit.late import leave_late
from routing.transit.network import Network
from routing.transit.options import TransitOptions
from routing.transit.realtime import RealtimeOverlay
from routing.transit.service_time import day_shift_seconds, elapsed_seconds, seconds_since_reference
from routing.transit.timetable import Timetable
from routing.transit.transfers import Transfers, build_transfers

logger = logging.getLogger(__name__)

ARRIVE_BY_WINDOW = timedelta(hours=3)
"""How far before the arrival an arrive-by query looks first (then three times as far)."""


class Boardings(NamedTuple):
    """Trips of one pattern and service day that can be boarded at one stop."""

    position: int
    """The stop's position in the pattern."""
    stop_count: int
    """Stops of the pattern (boarding at the last one leads nowhere)."""
    day_index: int
    """0: the day before the query's day, 1: that day, 2: the day after."""
    trips: NDArray[np.int64]
    times: NDArray[np.int64]
    """Departure times, seconds after the query day's reference."""


def _array(values: Iterator[int] | Mapping[int, int] | list[int], count: int) -> NDArray[np.int64]:
    return np.fromiter(values, dtype=np.int64, count=count)


class TransitRouter:
    """RAPTOR and McRAPTOR queries over a timetable (stateless between queries; safe to share between threads)."""

    def __init__(self, timetable: Timetable, timezone: str, footpaths: Mapping[str, Footpaths] | None = None) -> None:
        self.timetable = timetable
        self.zone = ZoneInfo(timezone)
        self.footpaths: Mapping[str, Footpaths] = footpaths or {}
        self._static = Network.static(timetable)
        self._network = self._static
        self._transfers = {
            profile: build_transfers(timetable, self.footpaths.get(profile)) for profile in ("walk", "wheelchair")
        }
        self._day_cache: dict[date, tuple[NDArray[np.int64], NDArray[np.int64]]] = {}
        self._builder = JourneyBuilder(timetable, self.zone)
        self._local = threading.local()
        self._unbounded_cache: dict[tuple[int, ...], NDArray[np.int64]] = {}
        self._zero_cache: dict[int, NDArray[np.int64]] = {}

    # The prepared data ----------------------------------------------------------------

    @property
    def network(self) -> Network:
        """The arrays queries run on now (the timetable, with the real-time overlay when one is applied)."""
        return self._network

    def apply_realtime(self, overlay: RealtimeOverlay | None) -> None:
        """Route on ``overlay`` from now on (None: the plain timetable). Queries under way keep theirs."""
        self._network = self._static if overlay is None else Network.with_overlay(self.timetable, overlay, self._static)

    def transfers(self, options: TransitOptions) -> Transfers:
        """The transfer rules of the street profile ``options`` walk on."""
        return self._transfers[options.profile]

    def transfer_rules(
        self, options: TransitOptions
    ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int32], NDArray[np.int64]]:
        """Change time per stop (-1 forbidden), and transfer CSR (offsets, to stop, seconds) for ``options``."""
        transfers = self.transfers(options)
        return (
            transfers.change(options.change_slack_s),
            transfers.offsets,
            transfers.to_stop,
            transfers.query_seconds(options),
        )

    def days(self, day: date) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Day-window bits and shifts (seconds) of the service days before, of and after ``day``."""
        cached = self._day_cache.get(day)
        if cached is not None:
            return cached
        bits = np.full(3, -1, dtype=np.int64)
        shifts = np.zeros(3, dtype=np.int64)
        for i, offset in enumerate((-1, 0, 1)):
            index = (day - self.timetable.day0).days + offset
            if 0 <= index < self.timetable.day_count:
                bits[i] = index
            shifts[i] = day_shift_seconds(day, offset, self.zone)
        bits.flags.writeable = False
        shifts.flags.writeable = False
        self._day_cache[day] = (bits, shifts)
        return bits, shifts

    def service_day_of(self, moment: datetime) -> tuple[date, int]:
        """The service day a query at ``moment`` counts from, and seconds since its reference."""
        day = moment.astimezone(self.zone).date()
        return day, seconds_since_reference(moment, day, self.zone)

    def boardings(self, stop: int, day: date, *, wheelchair: bool = False) -> Iterator[Boardings]:
        """The runs that take passengers on at ``stop`` on the day before, of and after ``day``.

        One :class:`Boardings` per pattern through the stop and service day in the window,
        with running trips only (and wheelchair-accessible ones with ``wheelchair``).
        """
        kernel = self._network.kernel
        bits, shifts = self.days(day)
        stop_offsets, trip_offsets = kernel.pattern_stop_offsets, kernel.pattern_trip_offsets
        for j in range(int(kernel.stop_pattern_offsets[stop]), int(kernel.stop_pattern_offsets[stop + 1])):
            pattern, position = int(kernel.stop_patterns[j]), int(kernel.stop_pattern_positions[j])
            if not kernel.pattern_flags[stop_offsets[pattern] + position] & 1:
                continue
            n = int(stop_offsets[pattern + 1] - stop_offsets[pattern])
            first, last = int(trip_offsets[pattern]), int(trip_offsets[pattern + 1])
            base = int(kernel.pattern_time_offsets[pattern]) + position
            times = kernel.departure[base : base + (last - first) * n : n].astype(np.int64)
            trips = np.arange(first, last, dtype=np.int64)
            for d in range(3):
                if bits[d] < 0:
                    continue
                running = (kernel.trip_days[first:last] >> np.uint32(bits[d])) & 1 == 1
                if wheelchair:
                    running &= kernel.trip_wheelchair[first:last] == 1
                yield Boardings(
                    position=position, stop_count=n, day_index=d, trips=trips[running], times=times[running] + shifts[d]
                )

    # RAPTOR runs ------------------------------------------------------------------------

    def new_labels(self, options: TransitOptions) -> Labels:
        """Fresh labels for one query, or for the runs of one range query (see :meth:`run`)."""
        return Labels.fresh(options.max_transfers + 2, len(self.timetable.stop_id))

    def _pooled_labels(self, options: TransitOptions) -> Labels:
        """Labels of the calling thread for arrival-only runs, arrivals reset (back-pointers are not read then)."""
        rounds = options.max_transfers + 2
        pool: dict[int, Labels] | None = getattr(self._local, "labels", None)
        if pool is None:
            pool = {}
            self._local.labels = pool
        labels = pool.get(rounds)
        if labels is None:
            labels = pool[rounds] = self.new_labels(options)
        else:
            labels.arrays.arrival_trip.fill(INF)
            labels.arrays.arrival_walk.fill(INF)
        labels.network = None  # this run's network (a real-time overlay may have arrived)
        return labels

    def run(
        self,
        day: date,
        sources: dict[int, int],
        targets: dict[int, int],
        *,
        options: TransitOptions,
        labels: Labels,
        direct_arrival: int | None = None,
        round_bound: NDArray[np.int64] | None = None,
        source_mark: NDArray[np.bool_] | None = None,
    ) -> list[tuple[int, int]]:
        """One RAPTOR run on ``labels`` (which later runs with earlier departures may reuse: range RAPTOR).

        ``sources``: stop -> arrival there, ``targets``: stop -> seconds on to the
        destination, in seconds after ``day``'s reference. Returns the Pareto front
        ``[(trips, arrival)]`` of this run (improving rounds only). ``round_bound[k]``
        (range queries): journeys with k trips arriving at or after it are not looked for;
        ``source_mark`` (range queries, in ``sources``' order): the sources to scan from (all
        of them get their labels).
        """
        destination = self._raptor(
            day,
            (_array(iter(sources), len(sources)), _array(iter(sources.values()), len(sources))),
            (_array(iter(targets), len(targets)), _array(iter(targets.values()), len(targets))),
            options=options,
            labels=labels,
            direct_arrival=direct_arrival,
            round_bound=round_bound,
            source_mark=source_mark,
        )
        front = []
        previous = INF if direct_arrival is None else direct_arrival + 1
        for trips, arrival in enumerate(destination.tolist()):
            if arrival < previous:
                front.append((trips, arrival))
                previous = arrival
        return front

    def _raptor(
        self,
        day: date,
        sources: tuple[NDArray[np.int64], NDArray[np.int64]],
        targets: tuple[NDArray[np.int64], NDArray[np.int64]],
        *,
        options: TransitOptions,
        labels: Labels,
        direct_arrival: int | None = None,
        round_bound: NDArray[np.int64] | None = None,
        source_mark: NDArray[np.bool_] | None = None,
        remaining: NDArray[np.int64] | None = None,
    ) -> NDArray[np.int64]:
        """:meth:`run` on arrays: (stops, times) of the sources and (stops, seconds on) of the targets.

        Returns the kernel's ``destination`` (best arrival with at most k trips, per k);
        ``remaining``: per stop, a lower bound of the seconds left to the destination.
        """
        transfers = self.transfers(options)
        speed_factor, slack, bound = options.speed_factor, options.change_slack_s, options.max_walk_s
        bits, shifts = self.days(day)
        if labels.network is None:  # a range query stays on the network it started on
            labels.network = self._network
        labels.speed_factor = speed_factor
        labels.arrays.best_trip.fill(INF)
        labels.arrays.best_walk.fill(INF)
        arrays = labels.arrays
        return raptor(
            labels.network.kernel,
            transfers.change(slack),
            transfers.offsets,
            transfers.to_stop,
            transfers.seconds(speed_factor, slack, bound),
            transfers.floor(speed_factor, slack, bound),
            bits,
            shifts,
            sources[0],
            sources[1],
            targets[0],
            targets[1],
            int(INF) if direct_arrival is None else direct_arrival,
            options.wheelchair,
            arrays,
            np.full(arrays.arrival_trip.shape[0], INF, dtype=np.int64) if round_bound is None else round_bound,
            np.ones(sources[0].size, dtype=np.bool_) if source_mark is None else source_mark,
            self._no_bound(arrays.best_trip.size) if remaining is None else remaining,
            self._unbounded(arrays.arrival_trip.shape),
            False,
        )

    def _no_bound(self, stops: int) -> NDArray[np.int64]:
        """Zero lower bounds of the time left, per stop, made once (the kernel only reads them)."""
        cached = self._zero_cache.get(stops)
        if cached is None:
            cached = self._zero_cache[stops] = np.zeros(stops, dtype=np.int64)
        return cached

    def _unbounded(self, shape: tuple[int, ...]) -> NDArray[np.int64]:
        """INF labels bounds of ``shape`` (``[rounds, stops]``), made once (the kernel only reads them)."""
        cached = self._unbounded_cache.get(shape)
        if cached is None:
            cached = self._unbounded_cache[shape] = np.full(shape, INF, dtype=np.int64)
        return cached

    def _journey(self, labels: Labels, trips: int, arrival: int, ends: AccessEgress, leave: int) -> Journey:
        """The journey of the front point ``(trips, arrival)`` of a run leaving the origin at ``leave``."""
        day = ends.day
        k, end_stop = self._builder.end_label(labels, trips, arrival, ends.targets)
        access = {stop: (leave, ends.access_meters[stop]) for stop in ends.sources}
        legs = self._builder.rebuild(labels, (k, end_stop), day, access, self._transfers["walk"])
        stop_arrival = self._builder.moment(day, arrival - ends.targets[end_stop])
        reach = self._builder.moment(day, arrival)
        legs.append(WalkLeg(end_stop, None, stop_arrival, reach, ends.egress_meters[end_stop]))
        rides = sum(isinstance(leg, TransitLeg) for leg in legs)
        walking = sum(elapsed_seconds(leg.departure, leg.arrival) for leg in legs if isinstance(leg, WalkLeg))
        return Journey(
            departure=legs[0].departure if legs else self._builder.moment(day, leave),
            arrival=self._builder.moment(day, arrival),
            legs=legs,
            transfers=max(rides - 1, 0),
            walking_seconds=walking,
        )

    def _direct(self, ends: AccessEgress) -> Journey | None:
        """Walking the whole way, when the ends allow it."""
        if ends.direct_arrival is None:
            return None
        leave = self._builder.moment(ends.day, ends.start)
        reach = self._builder.moment(ends.day, ends.direct_arrival)
        return Journey(
            departure=leave,
            arrival=reach,
            legs=[WalkLeg(None, None, leave, reach, ends.direct_meters)],
            transfers=0,
            walking_seconds=float(ends.direct_arrival - ends.start),
        )

    # Entry points -----------------------------------------------------------------------

    def earliest(self, ends: AccessEgress, options: TransitOptions | None = None) -> list[Journey]:
        """Journeys Pareto-optimal in arrival and number of trips (RAPTOR), fewest trips first.

        Walking the whole way comes first when the ends allow it (``direct_arrival``);
        a transit journey is kept only when it arrives earlier.

        Raises
        ------
        NoRoute
            When nothing (transit or walking) connects the ends.
        """
        options = options or TransitOptions()
        direct = ends.direct_arrival
        labels = self.new_labels(options)
        front = self.run(ends.day, ends.sources, ends.targets, options=options, labels=labels, direct_arrival=direct)
        journeys = [
            self._journey(labels, trips, arrival, ends, ends.start)
            for trips, arrival in front
            if trips > 0 and arrival < INF and (direct is None or arrival < direct)
        ]
        walk = self._direct(ends)
        if walk is not None:
            journeys.insert(0, walk)
        if not journeys:
            raise NoRoute("transit", "no trip connects the points within the walking limits")
        return journeys

    def earliest_arrival(self, ends: AccessEgress, options: TransitOptions | None = None) -> int | None:
        """The earliest arrival of :meth:`earliest`'s journeys, without building them (None: no route).

        Seconds after ``ends.day``'s reference: the kernel's best arrival with at least one
        trip when it beats walking the whole way, else the direct walk's arrival; equal to
        ``min(journey.arrival)`` of :meth:`earliest` (which raises NoRoute where this is None).
        """
        options = options or TransitOptions()
        direct = ends.direct_arrival
        labels = self._pooled_labels(options)
        front = self.run(ends.day, ends.sources, ends.targets, options=options, labels=labels, direct_arrival=direct)
        arrivals = [
            arrival for trips, arrival in front if trips > 0 and arrival < INF and (direct is None or arrival < direct)
        ]
        if direct is not None:
            arrivals.append(direct)
        return min(arrivals, default=None)

    def _departure_candidates(self, ends: AccessEgress, end: int, options: TransitOptions) -> list[int]:
        """Every origin departure time in [ends.start, end] that catches some trip at an access stop, latest first."""
        bits, shifts = self.days(ends.day)
        stops = list(ends.sources)
        candidates = departure_candidates(
            self._network.kernel,
            bits,
            shifts,
            _array(iter(stops), len(stops)),
            _array((ends.sources[stop] - ends.start for stop in stops), len(stops)),
            ends.start,
            end,
            options.wheelchair,
        )
        return [int(leave) for leave in candidates.tolist()]

    def _departure_sources(
        self, ends: AccessEgress, end: int, options: TransitOptions
    ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
        """:meth:`_departure_candidates` with, per departure, the access stops making it (``ends.sources`` indices)."""
        bits, shifts = self.days(ends.day)
        stops = list(ends.sources)
        return departure_candidate_sources(
            self._network.kernel,
            bits,
            shifts,
            _array(iter(stops), len(stops)),
            _array((ends.sources[stop] - ends.start for stop in stops), len(stops)),
            ends.start,
            end,
            options.wheelchair,
        )

    def range_departures(
        self,
        ends: AccessEgress,
        latest: datetime,
        options: TransitOptions | None = None,
        *,
        range_pruning: bool = True,
    ) -> list[Journey]:
        """Every Pareto-optimal journey leaving between ``ends.start`` and ``latest`` (range RAPTOR).

        Pareto over departure (later is better), arrival (earlier is better) and number of
        trips: one run per departure that catches a trip, from the latest to the earliest,
        keeping labels between runs. Walking the whole way is not among them. With
        ``range_pruning`` each run looks only for journeys that beat, with as many trips,
        what the later departures found (the same answer, faster; False: every run
        whole, which the tests compare it with).
        """
        options = options or TransitOptions()
        end = seconds_since_reference(latest, ends.day, self.zone)
        if end < ends.start:
            msg = "the window ends before it starts"
            raise ValueError(msg)
        labels = self.new_labels(options)
        best_by_trips = np.full(options.max_transfers + 2, INF, dtype=np.int64)
        journeys: list[Journey] = []
        source_stops = _array(iter(ends.sources), len(ends.sources))
        walks = _array(iter(ends.sources.values()), len(ends.sources)) - ends.start
        target_stops = _array(iter(ends.targets), len(ends.targets))
        target_extra = _array(iter(ends.targets.values()), len(ends.targets))
        leaves, offsets, making = self._departure_sources(ends, end, options)
        walking = int(INF) if ends.direct_arrival is None else ends.direct_arrival - ends.start
        transfers = self.transfers(options)
        speed_factor, slack, bound = options.speed_factor, options.change_slack_s, options.max_walk_s
        bits, shifts = self.days(ends.day)
        labels.network = self._network
        labels.speed_factor = speed_factor
        if range_pruning:  # beat later departures' trips, with lower bounds of the time left
            round_bound = best_by_trips
            trips_left = trip_bounds(
                labels.network.kernel,
                transfers.offsets,
                transfers.to_stop,
                transfers.seconds(speed_factor, slack, bound),
                target_stops,
                target_extra,
                best_by_trips.size,
            )
            remaining = trips_left[-1]  # with as many trips as a label can still take
            stop_bound = np.empty(labels.arrays.arrival_trip.shape, dtype=np.int64)
        else:
            round_bound = np.full(best_by_trips.size, INF, dtype=np.int64)
            remaining = np.zeros(len(self.timetable.stop_id), dtype=np.int64)
            trips_left = np.zeros((0, 0), dtype=np.int64)
            stop_bound = self._unbounded(labels.arrays.arrival_trip.shape)
        c = -1
        while True:
            c, destination = range_runs(
                labels.network.kernel,
                transfers.change(slack),
                transfers.offsets,
                transfers.to_stop,
                transfers.seconds(speed_factor, slack, bound),
                transfers.floor(speed_factor, slack, bound),
                bits,
                shifts,
                source_stops,
                walks,
                target_stops,
                target_extra,
                options.wheelchair,
                labels.arrays,
                leaves,
                offsets,
                making,
                c + 1,
                best_by_trips,
                round_bound,
                remaining,
                trips_left,
                stop_bound,
                range_pruning,
                walking,
            )
            if c < 0:
                break
            leave = int(leaves[c])
            previous = int(INF)
            for trips, arrival in enumerate(destination.tolist()):
                if arrival >= previous:
                    continue  # not on this run's front
                previous = arrival
                if trips == 0 or arrival >= best_by_trips[trips] or arrival - leave >= walking:
                    continue  # no trip; beaten by a later departure; or walking the whole way is as fast
                best_by_trips[trips:] = np.minimum(best_by_trips[trips:], arrival)
                journeys.append(self._journey(labels, trips, arrival, ends, leave))
        journeys.sort(key=lambda j: (j.departure, j.arrival, j.transfers))
        return journeys

    def latest_departures(self, ends: AccessEgress, arrival: datetime, options: TransitOptions) -> list[int]:
        """Reverse RAPTOR: per number of trips k, the latest departure that arrives by ``arrival`` with at most k.

        Seconds after ``ends.day``'s reference; only departures from ``ends.start`` on count
        (``NEVER`` where none arrives in time; index 0, no trip, is always ``NEVER``).
        """
        transfers = self.transfers(options)
        into = transfers.reversed()
        bits, shifts = self.days(ends.day)
        sources, targets = list(ends.sources), list(ends.targets)
        departures = reverse_raptor(
            self._network.kernel,
            transfers.change(options.change_slack_s),
            into.offsets,
            into.tail,
            into.order,
            transfers.query_seconds(options),
            bits,
            shifts,
            _array(iter(sources), len(sources)),
            _array((ends.sources[stop] - ends.start for stop in sources), len(sources)),
            _array(iter(targets), len(targets)),
            _array(iter(ends.targets.values()), len(targets)),
            seconds_since_reference(arrival, ends.day, self.zone),
            ends.start,
            options.max_transfers + 2,
            options.wheelchair,
        )
        return [int(leave) for leave in departures.tolist()]

    def _arrive_by_reverse(
        self, ends: AccessEgress, arrival: datetime, options: TransitOptions
    ) -> list[Journey] | None:
        """The latest departures of :meth:`latest_departures`, each built by one forward RAPTOR run.

        None when the range search has to decide instead: a journey found is no faster
        than walking (the whole way, or from an access stop that is also an egress stop),
        which the range search does not count; it then looks for earlier ones that are.
        """
        deadline = seconds_since_reference(arrival, ends.day, self.zone)
        shared = [ends.sources[stop] - ends.start + ends.targets[stop] for stop in ends.sources if stop in ends.targets]
        if ends.direct_arrival is not None:
            shared.append(ends.direct_arrival - ends.start)
        walking = min(shared, default=int(INF))
        journeys: list[Journey] = []
        previous = int(NEVER)
        for most, leave in enumerate(self.latest_departures(ends, arrival, options)):
            if leave <= previous:
                continue  # no later than with fewer trips
            previous = leave
            labels = self.new_labels(options)
            sources = {stop: leave + reach - ends.start for stop, reach in ends.sources.items()}
            front = self.run(ends.day, sources, ends.targets, options=options, labels=labels)
            trips, reach = next(((t, a) for t, a in front if 0 < t and a <= deadline), (0, int(INF)))
            if trips != most or reach - leave >= walking:
                if walking >= INF:
                    logger.warning(
                        "reverse and forward RAPTOR disagree; arrive-by falls back to the range search",
                        extra={"trips": most, "forward_trips": trips},
                    )
                return None
            journeys.append(self._journey(labels, trips, reach, ends, leave))
        return journeys

    def arrive_by(
        self,
        ends_at: Callable[[datetime], AccessEgress],
        arrival: datetime,
        options: TransitOptions | None = None,
        *,
        window: timedelta = ARRIVE_BY_WINDOW,
    ) -> list[Journey]:
        """Journeys arriving by ``arrival`` that leave as late as possible (Pareto with trips), fewest trips first.

        ``ends_at(earliest departure)`` makes the street ends of a window (walks, or feeder
        rides); the ``window`` before ``arrival`` is searched, then three times as far once.
        A reverse RAPTOR finds the latest departure per number of trips
        (:meth:`latest_departures`) and a forward run from each builds its journey; when
        walking the whole way competes, :meth:`arrive_by_ranges` decides.

        Raises
        ------
        NoRoute
            When nothing arrives in time.
        """
        options = options or TransitOptions()
        for span in (window, window * 3):
            ends = ends_at(arrival - span)
            journeys = self._arrive_by_reverse(ends, arrival, options)
            if journeys is None:
                journeys = self._latest_of(self.range_departures(ends, arrival, options), arrival)
            if journeys:
                return sorted(journeys, key=lambda j: j.transfers)
        raise NoRoute("transit", f"nothing arrives by {arrival:%Y-%m-%d %H:%M}")

    def arrive_by_ranges(
        self,
        ends_at: Callable[[datetime], AccessEgress],
        arrival: datetime,
        options: TransitOptions | None = None,
        *,
        window: timedelta = ARRIVE_BY_WINDOW,
    ) -> list[Journey]:
        """:meth:`arrive_by` by range RAPTOR over the window, then three times as far (the reference of its tests).

        Raises
        ------
        NoRoute
            When nothing arrives in time.
        """
        options = options or TransitOptions()
        for span in (window, window * 3):
            pareto = self._latest_of(self.range_departures(ends_at(arrival - span), arrival, options), arrival)
            if pareto:
                return sorted(pareto, key=lambda j: j.transfers)
        raise NoRoute("transit", f"nothing arrives by {arrival:%Y-%m-%d %H:%M}")

    @staticmethod
    def _latest_of(found: list[Journey], arrival: datetime) -> list[Journey]:
        """The journeys of ``found`` arriving by ``arrival`` that no later departure with as few trips beats."""
        pareto: list[Journey] = []
        in_time = (j for j in found if j.arrival <= arrival)
        for journey in sorted(in_time, key=lambda j: (-j.departure.timestamp(), j.transfers)):
            if all(journey.transfers < kept.transfers for kept in pareto):
                pareto.append(journey)
        return pareto

    def pareto(
        self, ends: AccessEgress, options: TransitOptions | None = None, *, target_pruning: bool = True
    ) -> list[Journey]:
        """Journeys Pareto-optimal in arrival, walking time and transfers (McRAPTOR), earliest first.

        Access may be more than a walk (``ends.source_walk``). With
        ``options.ride_price_cents`` the summed ride price is a search criterion; with
        ``options.extra_criterion`` (for example a price), that value is one more
        criterion of the final Pareto filter. ``target_pruning`` drops labels that lower
        bounds to the destination show beaten (the same answer, found faster; False: the
        plain search, which the tests compare it with).

        Raises
        ------
        NoRoute
            When nothing connects the ends.
        """
        options = options or TransitOptions()
        transfers = self.transfers(options)
        bits, shifts = self.days(ends.day)
        network = self._network
        sources, targets = list(ends.sources), list(ends.targets)
        footpath_seconds = transfers.query_seconds(options)
        footpath_walk = np.ceil(transfers.walk_seconds * options.speed_factor).astype(np.int64)
        target_stops = _array(iter(targets), len(targets))
        target_seconds = _array(iter(ends.targets.values()), len(targets))
        target_walk = _array((ends.egress_walk_s(stop) for stop in targets), len(targets))
        if target_pruning:
            bound_time, bound_walk = remaining_bounds(
                network.ride_floors,
                transfers.reversed(),
                footpath_seconds,
                target_stops,
                target_seconds,
                target_walk,
            )
        else:
            bound_time = bound_walk = np.zeros(len(self.timetable.stop_id), dtype=np.int64)
        trip_labels, trip_counts, walk_labels, walk_counts, found, count, overflow = mc_raptor(
            network.kernel,
            transfers.change(options.change_slack_s),
            transfers.offsets,
            transfers.to_stop,
            footpath_seconds,
            footpath_walk,
            self._pattern_prices(network, options),
            bits,
            shifts,
            _array(iter(sources), len(sources)),
            _array(iter(ends.sources.values()), len(sources)),
            _array((ends.access_walk_s(stop) for stop in sources), len(sources)),
            target_stops,
            target_seconds,
            target_walk,
            options.max_transfers + 2,
            options.wheelchair,
            bound_time,
            bound_walk,
            target_pruning,
        )
        if overflow:
            logger.info(
                "multi-criteria bags overflowed; some Pareto points may be missing", extra={"overflow": overflow}
            )
        bags = Bags(trip_labels, trip_counts, walk_labels, walk_counts, network)
        journeys = []
        moment = self._builder.moment
        for arrival, walk, price, trips, kind, stop in found[:count].tolist():
            legs = self._builder.rebuild_from_bags(
                bags,
                (trips, "trip" if kind == 1 else "walk", stop),
                (arrival - ends.targets[stop], walk - ends.egress_walk_s(stop), price),
                (ends.day, ends.start),
                ends.access_meters,
                transfers,
            )
            if legs is None:
                logger.warning("a multi-criteria journey could not be rebuilt and is left out", extra={"stop": stop})
                continue
            stop_arrival = moment(ends.day, arrival - ends.targets[stop])
            legs.append(WalkLeg(stop, None, stop_arrival, moment(ends.day, arrival), ends.egress_meters[stop]))
            rides = sum(isinstance(leg, TransitLeg) for leg in legs)
            journeys.append(
                Journey(
                    departure=legs[0].departure,  # the access walk's start, or the first ride's (as RAPTOR's)
                    arrival=moment(ends.day, arrival),
                    legs=legs,
                    transfers=max(rides - 1, 0),
                    walking_seconds=float(walk),
                    price_cents=int(price) if options.ride_price_cents is not None else None,
                )
            )
        direct = self._direct(ends)
        if direct is not None:
            journeys.append(direct)
        journeys = pareto_filter(journeys, options.extra_criterion)
        if not journeys:
            raise NoRoute("transit", "no trip connects the points within the walking limits")
        return sorted(journeys, key=lambda j: (j.arrival, j.transfers, j.walking_seconds))

    def _pattern_prices(self, network: Network, options: TransitOptions) -> NDArray[np.int32]:
        prices = np.zeros(network.pattern_route.size, dtype=np.int32)
        if options.ride_price_cents:
            route_ids = self.timetable.route_id.to_list()
            per_route = np.array([options.ride_price_cents.get(route_id, 0) for route_id in route_ids], dtype=np.int32)
            prices = per_route[network.pattern_route]
        return prices

    def leave_late(self, journey: Journey, options: TransitOptions | None = None) -> Journey:
        """``journey`` with the same connections, leaving as late as they allow (see :mod:`routing.transit.late`)."""
        options = options or TransitOptions()
        return leave_late(
            journey,
            options,
            network=self._network,
            transfers=self.transfers(options),
            days=self.days(journey.departure.astimezone(self.zone).date()),
            builder=self._builder,
        )
