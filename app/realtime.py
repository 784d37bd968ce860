"""Real time in the app: which GTFS-Realtime feeds to poll, and what they add to answers.

The feeds come from the settings (TripUpdates, VehiclePositions and ServiceAlerts URLs per
GTFS feed name), are polled together by one :class:`RealtimePoller` per worker and region,
and share the TTL rules (``routing.transit.realtime_poll``). :class:`TripInfo` reads the overlay
the router plans on for what the schedule alone cannot say: platforms, alerts of a leg or a
stop, and live vehicles.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from app.schemas.alerts import AlertOut
from app.settings import Settings
from routing.planner.itinerary import Itinerary, Leg
from routing.transit.alerts import ServiceAlert, ride_alerts, stop_alerts
from routing.transit.queries import TransitRouter
from routing.transit.realtime import VehicleState
from routing.transit.realtime_parse import FeedKind
from routing.transit.realtime_poll import RealtimeSource


def realtime_sources(settings: Settings) -> list[RealtimeSource]:
    """Every configured real-time feed, each with its kind (same interval and TTL for all)."""
    kinds: tuple[tuple[FeedKind, tuple[tuple[str, str], ...]], ...] = (
        ("trip_updates", settings.realtime_feeds),
        ("vehicle_positions", settings.realtime_vehicle_feeds),
        ("alerts", settings.realtime_alert_feeds),
    )
    return [
        RealtimeSource(name=f"{feed}:{url}", url=url, feed=feed, kind=kind)
        for kind, pairs in kinds
        for feed, url in pairs
    ]


class TripInfo:
    """Platforms, alerts and vehicles for API answers, from the router's current network."""

    def __init__(self, router: TransitRouter) -> None:
        self.router = router
        timetable = router.timetable
        self._stops = {stop_id: i for i, stop_id in enumerate(timetable.stop_id.to_list())}
        self._routes = {route_id: i for i, route_id in enumerate(timetable.route_id.to_list())}

    def stop_index(self, stop_id: str | None) -> int | None:
        """The timetable index of a namespaced stop id, or None."""
        return None if stop_id is None else self._stops.get(stop_id)

    def platform(self, stop_id: str | None) -> str | None:
        """The platform of a stop (``platform_code`` or the name's suffix), or None."""
        index = self.stop_index(stop_id)
        return None if index is None else self.router.timetable.platform(index)

    def _alerts(self) -> tuple[ServiceAlert, ...]:
        overlay = self.router.network.overlay
        return () if overlay is None else overlay.alerts

    def leg_alerts(self, leg: Leg) -> tuple[ServiceAlert, ...]:
        """Alerts that concern a transit leg (its agency, route, trip, or where it boards or alights)."""
        alerts = self._alerts()
        ride = leg.ride
        if not alerts or ride is None or ride.route_id not in self._routes:
            return ()
        stops = [
            i for i in (self.stop_index(leg.origin.stop_id), self.stop_index(leg.destination.stop_id)) if i is not None
        ]
        return ride_alerts(
            alerts,
            self.router.timetable,
            route=self._routes[ride.route_id],
            trip_id=ride.trip_id,
            stops=stops,
            start=leg.start,
            end=leg.end,
        )

    def plan_alerts(self, itineraries: Iterable[Itinerary]) -> list[ServiceAlert]:
        """Every alert concerning a leg of ``itineraries``, once each, in order of appearance."""
        seen: dict[str, ServiceAlert] = {}
        for itinerary in itineraries:
            for leg in itinerary.legs:
                for alert in self.leg_alerts(leg):
                    seen.setdefault(alert.id, alert)
        return list(seen.values())

    def stop_alerts(self, stops: list[int], moment: datetime) -> tuple[ServiceAlert, ...]:
        """Alerts naming one of ``stops`` (or their station) active at ``moment``."""
        alerts = self._alerts()
        return stop_alerts(alerts, self.router.timetable, stops, moment) if alerts else ()

    def vehicle(self, trip_id: str) -> VehicleState | None:
        """The live vehicle serving a namespaced trip id, when a VehiclePositions feed reports it."""
        overlay = self.router.network.overlay
        return None if overlay is None else overlay.vehicles.get(trip_id)


def alerts_out(alerts: Iterable[ServiceAlert], language: str) -> list[AlertOut]:
    """Alerts as the API shows them, texts in ``language``."""
    return [AlertOut.from_alert(alert, language) for alert in alerts]


def trip_info() -> TripInfo:
    """The :class:`TripInfo` of the loaded region's planner (built once per region and worker)."""
    from app.region_services import TRIP_INFO, region_service  # the planner service reads this module

    return region_service(TRIP_INFO)
