"""GTFS-Realtime ServiceAlerts: what is disrupted, when, in which words, and whom it concerns.

An alert names what it affects with informed entities (``EntitySelector``): any mix of
agency, route, route type, trip and stop. The fields of one selector must all match
(route 5 *at* stop X); the selectors of an alert are alternatives. Ids are namespaced with
the GTFS feed name (``<feed>:<id>``) like the timetable's, so matching is by id and needs
no timetable; an alert with no selector is reported and ignored, as the spec requires one.
Texts are kept per language (``""`` for an untagged translation) and read back with
:meth:`ServiceAlert.text`, falling back from ``de-DE`` to ``de``, then to the untagged,
English or first translation.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime

from google.transit import gtfs_realtime_pb2

from routing.transit.timetable import Timetable

MAX_REPORTED_PROBLEMS = 50

_CAUSE = {value.number: value.name.lower() for value in gtfs_realtime_pb2.Alert.Cause.DESCRIPTOR.values}
_EFFECT = {value.number: value.name.lower() for value in gtfs_realtime_pb2.Alert.Effect.DESCRIPTOR.values}
_SEVERITY = {value.number: value.name.lower() for value in gtfs_realtime_pb2.Alert.SeverityLevel.DESCRIPTOR.values}


@dataclass(frozen=True)
class InformedEntity:
    """One selector of an alert; None fields match anything."""

    agency_id: str | None = None
    route_id: str | None = None
    route_type: int | None = None
    trip_id: str | None = None
    stop_id: str | None = None
    direction_id: int | None = None

    def matches_service(
        self,
        *,
        agency_id: str | None,
        route_id: str | None,
        route_type: int | None,
        trip_id: str | None,
        stops: Collection[str],
    ) -> bool:
        """Whether a ride (its agency, route, trip) calling at ``stops`` is selected."""
        return (
            (self.agency_id is None or self.agency_id == agency_id)
            and (self.route_id is None or self.route_id == route_id)
            and (self.route_type is None or self.route_type == route_type)
            and (self.trip_id is None or self.trip_id == trip_id)
            and (self.stop_id is None or self.stop_id in stops)
        )


@dataclass(frozen=True)
class ServiceAlert:
    """One alert, with namespaced ids (``<feed>:<id>``)."""

    id: str
    cause: str
    effect: str
    severity: str
    header: dict[str, str]
    description: dict[str, str]
    url: dict[str, str]
    active: tuple[tuple[datetime | None, datetime | None], ...]
    """Active periods (start, end; None open); empty: active while it is in the feed."""
    entities: tuple[InformedEntity, ...]

    def active_during(self, start: datetime, end: datetime | None = None) -> bool:
        """Whether some active period overlaps ``[start, end]`` (``end`` None: the moment ``start``)."""
        if not self.active:
            return True
        until = start if end is None else end
        return any(
            (begin is None or begin <= until) and (finish is None or start <= finish) for begin, finish in self.active
        )

    def affects_service(
        self,
        *,
        agency_id: str | None,
        route_id: str | None,
        route_type: int | None,
        trip_id: str | None,
        stops: Collection[str],
    ) -> bool:
        """Whether any selector picks a ride of this agency/route/trip calling at ``stops``."""
        return any(
            entity.matches_service(
                agency_id=agency_id, route_id=route_id, route_type=route_type, trip_id=trip_id, stops=stops
            )
            for entity in self.entities
        )

    def affects_stop(self, stops: Collection[str]) -> bool:
        """Whether a selector names one of ``stops`` (a stop, its station)."""
        return any(entity.stop_id is not None and entity.stop_id in stops for entity in self.entities)

    def text(self, which: str, language: str) -> str | None:
        """``header``, ``description`` or ``url`` in ``language`` (``de``/``en``), with fallbacks."""
        texts: dict[str, str] = getattr(self, which)
        if not texts:
            return None
        if language in texts:
            return texts[language]
        for tag, value in texts.items():
            if tag.split("-")[0].lower() == language:
                return value
        for fallback in ("", "en"):
            for tag, value in texts.items():
                if tag.split("-")[0].lower() == fallback:
                    return value
        return next(iter(texts.values()))


def _translations(value: gtfs_realtime_pb2.TranslatedString) -> dict[str, str]:
    return {translation.language: translation.text for translation in value.translation if translation.text}


def _entity(selector: gtfs_realtime_pb2.EntitySelector, feed: str) -> InformedEntity | None:
    def named(text: str) -> str | None:
        return f"{feed}:{text}" if text else None

    trip_id = named(selector.trip.trip_id) if selector.HasField("trip") else None
    route_id = named(selector.route_id)
    if route_id is None and selector.HasField("trip"):
        route_id = named(selector.trip.route_id)
    entity = InformedEntity(
        agency_id=named(selector.agency_id),
        route_id=route_id,
        route_type=int(selector.route_type) if selector.HasField("route_type") else None,
        trip_id=trip_id,
        stop_id=named(selector.stop_id),
        direction_id=int(selector.direction_id) if selector.HasField("direction_id") else None,
    )
    if (entity.agency_id, entity.route_id, entity.route_type, entity.trip_id, entity.stop_id) == (None,) * 5:
        return None
    return entity


def _moment(seconds: int) -> datetime | None:
    return datetime.fromtimestamp(seconds, UTC) if seconds else None


def parse_alerts(message: gtfs_realtime_pb2.FeedMessage, *, feed: str) -> tuple[list[ServiceAlert], list[str]]:
    """The alerts of a decoded feed message, and the problems found (alerts without selectors are left out).

    Parameters
    ----------
    message
        A decoded GTFS-Realtime message.
    feed
        The GTFS feed name its ids belong to.
    """
    alerts: list[ServiceAlert] = []
    problems: list[str] = []
    for item in message.entity:
        if not item.HasField("alert") or item.is_deleted:
            continue
        alert = item.alert
        entities = tuple(e for selector in alert.informed_entity if (e := _entity(selector, feed)) is not None)
        if not entities:
            if len(problems) < MAX_REPORTED_PROBLEMS:
                problems.append(f"entity {item.id}: alert names no agency, route, trip or stop; ignored")
            continue
        alerts.append(
            ServiceAlert(
                id=f"{feed}:{item.id}",
                cause=_CAUSE.get(alert.cause, "unknown_cause"),
                effect=_EFFECT.get(alert.effect, "unknown_effect"),
                severity=_SEVERITY.get(alert.severity_level, "unknown_severity"),
                header=_translations(alert.header_text),
                description=_translations(alert.description_text),
                url=_translations(alert.url),
                active=tuple((_moment(p.start), _moment(p.end)) for p in alert.active_period),
                entities=entities,
            )
        )
    return alerts, problems


def stop_keys(timetable: Timetable, stops: Collection[int]) -> set[str]:
    """The namespaced ids alerts may name for ``stops``: each stop's own and its parent station's."""
    keys = set()
    for stop in stops:
        keys.add(timetable.stop_id[stop])
        parent = int(timetable.stop_parent[stop])
        if parent >= 0:
            keys.add(timetable.stop_id[parent])
    return keys


def ride_alerts(
    alerts: Collection[ServiceAlert],
    timetable: Timetable,
    *,
    route: int,
    trip_id: str,
    stops: Collection[int],
    start: datetime,
    end: datetime | None = None,
) -> tuple[ServiceAlert, ...]:
    """The alerts active during ``[start, end]`` that concern a ride on ``trip_id`` of ``route`` at ``stops``.

    Parameters
    ----------
    alerts
        The current alerts.
    timetable
        The timetable the route and stop indexes belong to.
    route
        Route index of the ride.
    trip_id
        Namespaced trip id.
    stops
        Stops where the traveller boards or alights (an alert naming only a stop elsewhere on
        the trip does not concern them).
    start, end
        When the ride runs (``end`` None: the moment of a departure).
    """
    if not alerts:
        return ()
    agency_id = timetable.route_agency_id[route] if timetable.route_agency_id is not None else None
    keys = stop_keys(timetable, stops)
    return tuple(
        alert
        for alert in alerts
        if alert.active_during(start, end)
        and alert.affects_service(
            agency_id=agency_id,
            route_id=timetable.route_id[route],
            route_type=int(timetable.route_type[route]),
            trip_id=trip_id,
            stops=keys,
        )
    )


def stop_alerts(
    alerts: Collection[ServiceAlert], timetable: Timetable, stops: Collection[int], moment: datetime
) -> tuple[ServiceAlert, ...]:
    """The alerts active at ``moment`` that name one of ``stops`` (or their station)."""
    keys = stop_keys(timetable, stops)
    return tuple(alert for alert in alerts if alert.active_during(moment) and alert.affects_stop(keys))
