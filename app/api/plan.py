"""GET /plan: door-to-door itineraries, as JSON or as GeoJSON a map draws directly."""

from __future__ import annotations

import json
from datetime import datetime

from flask import Response, current_app, request

from app.accounts.policy import PUBLIC
from app.deadlines import request_deadline
from app.errors import ApiError, FieldProblem
from app.fares import companions_fare, fare_calculator, leg_fares, traveller_passes, traveller_price
from app.fleet_cache import RequestFleets, fleet_cache, stale_warnings
from app.flex_operators import with_flex_providers
from app.i18n import negotiate, text
from app.itinerary_ids import sign_itinerary
from app.local_times import local_moment
from app.openapi import ApiBlueprint
from app.place_refs import resolve_place_ref
from app.realtime import alerts_out, trip_info
from app.region_services import PLANNER, region_service
from app.schemas.plan import (
    FareOut,
    FlexOut,
    ItineraryOut,
    LegOut,
    LineString,
    PlaceOut,
    PlanQuery,
    PlanResponse,
    PriceOut,
    RideOut,
    SharingOut,
    StepOut,
    WarningOut,
)
from app.settings import Settings
from app.sharing import sharing_supply
from app.sharing_alerts import plan_alert_warnings
from routing.fares.engine import ItineraryFare, Travellers
from routing.planner.errors import NoItinerary, NoTransitInRegion, PlanningError
from routing.planner.itinerary import FlexDetails, Itinerary, Leg, Place, PriceQuote
from routing.planner.request import Mode, PlanRequest
from routing.street.steps import Step

blueprint = ApiBlueprint("plan", __name__, tag="plan")

GEOJSON = "application/geo+json"
GEOJSON_SCHEMA: dict[str, object] = {
    "type": "object",
    "description": "A GeoJSON FeatureCollection (RFC 7946): one LineString feature per leg; properties carry the "
    "leg's fields plus itineraryId, itineraryIndex, legIndex, summary and labels.",
    "required": ["type", "features"],
    "properties": {
        "type": {"const": "FeatureCollection"},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "geometry", "properties"],
                "properties": {
                    "type": {"const": "Feature"},
                    "geometry": {"type": "object"},
                    "properties": {"type": "object"},
                },
            },
        },
        "warnings": {"type": "array", "items": {"type": "object"}},
    },
}


class UnplannableRequest(ApiError):
    """The request names a point, time or mode the region cannot serve."""

    status = 422
    slug = "unplannable-request"
    title = "The request cannot be planned"


def _place(place: Place, language: str, names: dict[str, str] | None = None) -> PlaceOut:
    """``names``: the names ``from`` and ``to`` were given by (a geocode result's), by kind."""
    named = (names or {}).get(place.kind)
    name = (
        named
        if named
        else text(f"place.{place.kind}", language)
        if place.kind in ("origin", "destination", "parking", "bike_parking")
        else place.name
    )
    return PlaceOut(
        name=name,
        lat=place.lat,
        lon=place.lon,
        kind=place.kind,
        stop_id=place.stop_id,
        station_id=place.station_id,
        platform=trip_info().platform(place.stop_id) if place.stop_id else None,
    )


def _price(quote: PriceQuote | None) -> PriceOut | None:
    if quote is None:
        return None
    return PriceOut(
        amount_cents=quote.amount_cents, currency=quote.currency, source=quote.source, estimated=quote.estimated
    )


def _line_name(leg: Leg, language: str) -> str:
    assert leg.ride is not None
    kind = (
        f"route_type.{leg.ride.route_type}"
        if f"route_type.{leg.ride.route_type}" in _ROUTE_TYPES
        else "route_type.other"
    )
    return f"{text(kind, language)} {leg.ride.route_short_name or leg.ride.route_long_name}".strip()


_ROUTE_TYPES = {"route_type.0", "route_type.1", "route_type.2", "route_type.3"}


def _step_text(step: Step, language: str) -> str:
    street = step.name or text("step.unnamed", language)
    if step.action == "depart":
        direction = text(f"step.direction.{round(step.bearing_after / 45) % 8}", language)
        said = text("step.depart", language, direction=direction, street=street)
    elif step.action == "arrive":
        said = text("step.arrive", language)
    elif step.action == "continue" or step.modifier == "straight":
        said = text("step.continue", language, street=street)
    elif step.modifier == "uturn":
        said = text("step.uturn", language, street=street)
    else:
        said = text("step.turn", language, modifier=text(f"step.modifier.{step.modifier}", language), street=street)
    if step.notice:
        said = f"{said} ({text(f'step.notice.{step.notice}', language)})"
    return said


def _steps(leg: Leg, language: str) -> list[StepOut]:
    return [
        StepOut(
            action=step.action,  # type: ignore[arg-type]  # build_steps only makes these four
            modifier=step.modifier,
            street_name=step.name,
            distance_meters=round(step.distance_m, 1),
            duration_seconds=round(step.duration_s, 1),
            lat=step.location[1],
            lon=step.location[0],
            bearing_before=round(step.bearing_before, 1),
            bearing_after=round(step.bearing_after, 1),
            notice=step.notice,  # type: ignore[arg-type]  # "", "steps" or "push" (routing.street.steps.NOTICES)
            instruction=_step_text(step, language),
        )
        for step in leg.steps
    ]


def _leg(leg: Leg, language: str, fare: FareOut | None = None, names: dict[str, str] | None = None) -> LegOut:
    destination = _place(leg.destination, language, names)
    if leg.ride is not None:
        instruction = text(
            "leg.transit", language, line=_line_name(leg, language), headsign=leg.ride.headsign, place=destination.name
        )
    elif leg.flex is not None:
        instruction = text("leg.flex", language, line=leg.flex.route_name, place=destination.name)
    elif leg.sharing is not None and leg.sharing.round_trip:
        instruction = text(
            f"leg.{leg.mode.value}_round_trip", language, place=destination.name, station=leg.origin.name
        )
    else:
        instruction = text(f"leg.{leg.mode.value}", language, place=destination.name)
    ride = leg.ride
    sharing = leg.sharing
    return LegOut(
        mode=leg.mode,
        instruction=instruction,
        origin=_place(leg.origin, language, names),
        destination=destination,
        start=leg.start,
        end=leg.end,
        duration_seconds=leg.duration_s,
        distance_meters=round(leg.distance_m, 1),
        geometry=LineString(coordinates=leg.geometry),
        transit=None
        if ride is None
        else RideOut(
            trip_id=ride.trip_id,
            route_id=ride.route_id,
            route_short_name=ride.route_short_name,
            route_long_name=ride.route_long_name,
            route_type=ride.route_type,
            agency=ride.agency,
            headsign=ride.headsign,
            service_day=ride.service_day.isoformat(),
            intermediate_stops=[_place(stop, language) for stop in ride.intermediate_stops],
            realtime=ride.realtime,
            scheduled_start=ride.scheduled_start,
            scheduled_end=ride.scheduled_end,
            occupancy=ride.occupancy,
            alerts=alerts_out(trip_info().leg_alerts(leg), language),
        ),
        sharing=None
        if sharing is None
        else SharingOut(
            provider=sharing.provider,
            operator=sharing.operator,
            vehicle_type_id=sharing.vehicle_type_id,
            vehicle_type=sharing.vehicle_type,
            vehicle_id=sharing.vehicle_id,
            pickup_station_id=sharing.pickup_station_id,
            dropoff_station_id=sharing.dropoff_station_id,
            quote=_price(sharing.quote),
            bookable=sharing.bookable,
            deep_link=sharing.deep_link,
            round_trip=sharing.round_trip,
        ),
        flex=_flex(leg.flex, language),
        fare=fare,
        steps=_steps(leg, language),
    )


def _clock(moment: datetime) -> str:
    return f"{moment:%H:%M}"


def _flex(flex: FlexDetails | None, language: str) -> FlexOut | None:
    """The booking facts of a flex leg, with the instructions in ``language``."""
    if flex is None:
        return None
    deadline = f"{flex.booking_deadline:%d.%m. %H:%M}" if flex.booking_deadline else text("flex.until_pickup", language)
    instructions = text(
        f"flex.book_{flex.booking_method}",
        language,
        deadline=deadline,
        url=flex.booking_url,
        phone=flex.phone,
        message=flex.message,
    )
    return FlexOut(
        trip_id=flex.trip_id,
        route_id=flex.route_id,
        route_name=flex.route_name,
        agency=flex.agency,
        service_day=flex.service_day.isoformat(),
        pickup_window_start=flex.pickup_window_start,
        pickup_window_end=flex.pickup_window_end,
        latest_arrival=flex.latest_arrival,
        booking_time=flex.booking_time,
        booking_deadline=flex.booking_deadline,
        booking_method=flex.booking_method,  # type: ignore[arg-type]
        booking_phone=flex.phone or None,
        booking_url=flex.booking_url or None,
        booking_message=flex.message or None,
        booking_instructions=instructions,
        pickup_window_text=text(
            "flex.pickup_window",
            language,
            start=_clock(flex.pickup_window_start),
            end=_clock(flex.pickup_window_end),
        ),
        wheelchair_accessible=flex.wheelchair_accessible,
        bookable=flex.provider is not None,
        provider=flex.provider,
    )


def _summary(itinerary: Itinerary, language: str) -> str:
    transfers = itinerary.transfers
    transfer_text = text(
        "transfers.0" if transfers == 0 else "transfers.1" if transfers == 1 else "transfers.n", language, n=transfers
    )
    parts: list[str] = []
    for leg in itinerary.legs:
        part = _line_name(leg, language) if leg.ride is not None else text(f"mode.{leg.mode.value}", language)
        if not parts or parts[-1] != part:
            parts.append(part)
    return text(
        "summary", language, minutes=round(itinerary.duration_s / 60), transfers=transfer_text, modes=" · ".join(parts)
    )


def _itinerary(
    itinerary: Itinerary,
    language: str,
    region: str,
    fare: ItineraryFare | None = None,
    names: dict[str, str] | None = None,
) -> ItineraryOut:
    fares = leg_fares(itinerary, fare, language)
    known = [item for item in fares if item is not None]
    price = None
    if fare is not None:
        companions = fare.companions_cents + fare.companions_surcharge_cents
        price = PriceOut(
            amount_cents=sum(item.amount_cents for item in known) + companions,
            currency=fare.currency,
            source="fares",
            estimated=any(item.reason_code == "sharing_estimate" for item in known),
        )
    return ItineraryOut(
        id=sign_itinerary(itinerary, region=region, secret_key=current_app.config["SECRET_KEY"]),
        summary=_summary(itinerary, language),
        start=itinerary.start,
        end=itinerary.end,
        duration_seconds=itinerary.duration_s,
        transfers=itinerary.transfers,
        walk_distance_meters=round(itinerary.walk_distance_m, 1),
        walk_seconds=itinerary.walk_seconds,
        distance_meters=round(itinerary.distance_m, 1),
        modes=itinerary.modes,
        labels=itinerary.labels,
        realtime=itinerary.realtime,
        long_wait=itinerary.long_wait,
        price=price,
        companions=companions_fare(fare, language),
        legs=[_leg(leg, language, item, names) for leg, item in zip(itinerary.legs, fares, strict=True)],
    )


def _geojson(response: PlanResponse) -> Response:
    """One LineString feature per leg; properties say which itinerary and what leg."""
    features = []
    for number, itinerary in enumerate(response.itineraries):
        for index, leg in enumerate(itinerary.legs):
            properties = leg.model_dump(mode="json", by_alias=True, exclude={"geometry"})
            properties.update(
                {
                    "itineraryId": itinerary.id,
                    "itineraryIndex": number,
                    "legIndex": index,
                    "summary": itinerary.summary,
                    "labels": itinerary.labels,
                }
            )
            features.append(
                {"type": "Feature", "geometry": leg.geometry.model_dump(mode="json"), "properties": properties}
            )
    body = {
        "type": "FeatureCollection",
        "features": features,
        "warnings": [warning.model_dump(mode="json") for warning in response.warnings],
    }
    return Response(json.dumps(body), mimetype=GEOJSON)


@blueprint.operation(
    "/plan",
    summary="Plan a door-to-door trip",
    query=PlanQuery,
    response=PlanResponse,
    errors=(401, 422, 503),
    alternate_media={GEOJSON: GEOJSON_SCHEMA},
    auth=PUBLIC,
)
def plan(query: PlanQuery) -> PlanResponse | Response:
    """Itineraries from ``from`` to ``to`` with the allowed ``modes``, best first.

    Each itinerary is Pareto-optimal in arrival time (departure time with ``arriveBy``),
    transfers and walking, and labelled with what it is best at. Modes that could not be
    considered (a provider down, say) are listed in ``warnings``; the other modes are
    still planned. ``from`` and ``to`` are coordinates, a ``GET /geocode`` result
    (``geo:<id>``) or a signed-in account's saved place (``place:<id>`` from
    ``GET /me/places``; 401 without the sign-in, 422 ``unknown-place`` when the account has
    none with that id); a named place's name is shown on the first and last place. Texts
    follow ``Accept-Language`` (de, en; default de). With
    ``Accept: application/geo+json`` the answer is a GeoJSON FeatureCollection with one
    feature per leg.
    """
    planner = region_service(PLANNER)
    language = negotiate()
    settings: Settings = current_app.extensions["mobility.settings"]
    origin = resolve_place_ref(query.origin, field="from")
    destination = resolve_place_ref(query.destination, field="to")
    names = {kind: place.name for kind, place in (("origin", origin), ("destination", destination)) if place.name}
    request_ = PlanRequest(
        origin=(origin.lat, origin.lon),
        destination=(destination.lat, destination.lon),
        time=local_moment(query.time, planner.transit.zone),
        modes=query.modes,
        arrive_by=query.arrive_by,
        wheelchair=query.wheelchair,
        walk_speed=query.walk_speed,
        max_walk_m=query.max_walk_meters,
        max_wait_s=settings.plan_max_wait_minutes * 60.0,
        booking_time=local_moment(query.booking_time, planner.transit.zone, parameter="bookingTime"),
    )
    warnings: list[str] = []
    calculator = fare_calculator()
    travellers = Travellers(adults=query.adults, children=query.children)
    held = traveller_passes(calculator, query.passes, request_.time.date()) if calculator is not None else []
    price = traveller_price(calculator, held, travellers, query.modes)
    fleets = RequestFleets(fleet_cache(current_app), request_deadline())
    supply = sharing_supply(current_app.extensions["mobility.providers"], query.modes, request_.time, fleets=fleets)
    try:
        result = planner.plan(request_, supply, price)
        itineraries, warnings = result.itineraries, result.warnings
        registry = current_app.extensions["mobility.providers"]
        itineraries = [with_flex_providers(itinerary, registry) for itinerary in itineraries]
    except NoItinerary:
        itineraries, warnings = [], ["no_itinerary"]
    except NoTransitInRegion as exc:
        detail = text("error.no_transit", language)
        raise UnplannableRequest(
            detail, errors=[FieldProblem(location="query", field=exc.parameter, message=detail)]
        ) from exc
    except PlanningError as exc:
        raise UnplannableRequest(
            str(exc), errors=[FieldProblem(location="query", field=exc.parameter, message=str(exc))]
        ) from exc
    region = planner.region.manifest.name
    if calculator is None and Mode.TRANSIT in query.modes:
        warnings.append("fares_unavailable")
    fares = [calculator.price(it, held, travellers) if calculator is not None else None for it in itineraries]
    if query.sort == "cheapest" and price is not None:  # the same complete price the planner chose and labelled by
        order = sorted(range(len(itineraries)), key=lambda i: (price(itineraries[i]), itineraries[i].end))
        itineraries, fares = [itineraries[i] for i in order], [fares[i] for i in order]
    notes = (
        [
            WarningOut(
                code="provider_unavailable",
                message=text("warning.provider_unavailable", language, provider=name),
                provider=name,
            )
            for name in supply.unavailable
        ]
        + [
            WarningOut(code="service_alert", message=alert.text("header", language) or alert.effect)
            for alert in trip_info().plan_alerts(itineraries)
        ]
        + stale_warnings(fleets.stale, language)
        + plan_alert_warnings(
            fleets.answered, {system.provider for system in supply.systems}, itineraries, request_.time, language
        )
    )
    response = PlanResponse(
        itineraries=[
            _itinerary(itinerary, language, region, fare, names)
            for itinerary, fare in zip(itineraries, fares, strict=True)
        ],
        warnings=notes + [WarningOut(code=code, message=text(f"warning.{code}", language)) for code in warnings],
        language=language,
    )
    if request.accept_mimetypes.best_match(["application/json", GEOJSON], default="application/json") == GEOJSON:
        return _geojson(response)
    return response


__all__ = ["Mode", "blueprint"]
