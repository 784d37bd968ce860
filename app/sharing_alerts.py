"""GBFS ``system_alerts`` as API warnings: on ``/plan`` for the systems a plan used, on ``/vehicles`` for the listed.

An alert is shown only while it is in effect (its ``times``, or always when it names none).
A *system-wide* alert (a ``system_closure``, or one naming no stations and no regions)
concerns every answer that considered the system; a station or region alert only answers
that used the system (``/plan``: an itinerary rides with it; ``/vehicles``: a listed
station is named, or lies in a named region).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from app.i18n import text
from app.schemas.plan import WarningOut
from app.sharing import FleetSnapshot
from providers.model import SystemAlert
from routing.planner.itinerary import Itinerary


def is_system_wide(alert: SystemAlert) -> bool:
    """The alert concerns the whole system, not particular stations or regions."""
    return alert.kind == "system_closure" or not (alert.station_ids or alert.region_ids)


def _warning(fleet: FleetSnapshot, alert: SystemAlert, language: str) -> WarningOut:
    operator = fleet.info.system.operator or fleet.info.system.name
    message = text("warning.system_alert", language, operator=operator, summary=alert.summary)
    if alert.description:
        message = f"{message} {alert.description}"
    return WarningOut(code="system_alert", message=message, provider=fleet.provider.name)


def plan_alert_warnings(
    fleets: Iterable[FleetSnapshot],
    considered: Collection[str],
    itineraries: Iterable[Itinerary],
    moment: datetime,
    language: str,
) -> list[WarningOut]:
    """Warnings for the alerts in effect at ``moment`` of the systems a plan ``considered`` or used.

    Parameters
    ----------
    fleets
        The fleets the request was planned with.
    considered
        Providers whose systems served a requested mode (their system-wide alerts concern the plan).
    itineraries
        The answered itineraries (their sharing legs' providers get every alert in effect).
    moment
        The trip's time.
    language
        The answer's language.
    """
    used = {leg.sharing.provider for itinerary in itineraries for leg in itinerary.legs if leg.sharing is not None}
    found = []
    for fleet in fleets:
        name = fleet.provider.name
        if name not in used and name not in considered:
            continue
        for alert in fleet.info.alerts_at(moment):
            if name in used or is_system_wide(alert):
                found.append(_warning(fleet, alert, language))
    return found


def vehicles_alert_warnings(
    fleets: Iterable[FleetSnapshot], listed_stations: Collection[tuple[str, str]], moment: datetime, language: str
) -> list[WarningOut]:
    """Warnings for the alerts in effect at ``moment`` that concern a ``/vehicles`` answer.

    ``listed_stations`` holds the (provider, station id) pairs of the answer.
    """
    found = []
    for fleet in fleets:
        name = fleet.provider.name
        stations = {station for provider, station in listed_stations if provider == name}
        regions = {fleet.info.stations[s].region_id for s in stations if s in fleet.info.stations}
        for alert in fleet.info.alerts_at(moment):
            if is_system_wide(alert) or stations & set(alert.station_ids) or regions & set(alert.region_ids):
                found.append(_warning(fleet, alert, language))
    return found
