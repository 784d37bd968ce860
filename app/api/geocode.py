"""Address and place search over the region's own OSM, and reverse geocoding."""

from __future__ import annotations

from app.accounts.policy import PUBLIC
from app.i18n import negotiate, text
from app.openapi import ApiBlueprint
from app.place_refs import GEOCODE_PREFIX
from app.region_services import GEOCODER, region_service
from app.schemas.geocode import GeocodeKind, GeocodeList, GeocodeQuery, GeocodeResult, ReverseQuery
from routing.geocode.extract import CATEGORY_WORDS, Kind
from routing.geocode.geocoder import GeocodeHit

blueprint = ApiBlueprint("geocode", __name__, tag="geocode")

_KIND_NAMES: dict[Kind, GeocodeKind] = {
    Kind.ADDRESS: "address",
    Kind.STREET: "street",
    Kind.PLACE: "place",
    Kind.POI: "poi",
    Kind.STOP: "stop",
}


def _result(hit: GeocodeHit, language: str, *, with_score: bool) -> GeocodeResult:
    kind = _KIND_NAMES[hit.kind]
    labels = CATEGORY_WORDS.get(hit.category)
    return GeocodeResult(
        id=GEOCODE_PREFIX + hit.ref,
        kind=kind,
        kind_name=text(f"geocode.kind.{kind}", language),
        name=hit.name,
        context=hit.context,
        label=f"{hit.name}, {hit.context}" if hit.context and hit.kind != Kind.POI else hit.name,
        category=hit.category,
        category_name=None if labels is None else labels[0] if language == "de" else labels[-1],
        lat=hit.lat,
        lon=hit.lon,
        stop_id=hit.ref[1:] if hit.kind == Kind.STOP else None,
        score=hit.score if with_score else None,
        distance_meters=hit.distance_m,
    )


@blueprint.operation(
    "/geocode",
    summary="Search addresses, streets, places, POIs and stops",
    query=GeocodeQuery,
    response=GeocodeList,
    errors=(503,),
    auth=PUBLIC,
)
def search(query: GeocodeQuery) -> GeocodeList:
    """One search box over the region's own OSM and timetable, best match first.

    Addresses (``addr:*`` on nodes, building outlines, interpolation lines), streets,
    named places, POIs (also by category: "Apotheke", "school") and stations.
    German-aware (ä = ae, ß = ss, Str. = Straße, "12 a" = "12a", any word order) and
    tolerant of small typos; ranked by how well the text matches, the kind of result and,
    with ``near``, the distance. Each ``id`` can be passed as ``from``/``to`` of ``GET /plan``.
    """
    language = negotiate()
    hits = region_service(GEOCODER).search(query.q, near=query.near, limit=query.limit)
    return GeocodeList(results=[_result(hit, language, with_score=True) for hit in hits], language=language)


@blueprint.operation(
    "/geocode/reverse",
    summary="Name a point: nearest address and street",
    query=ReverseQuery,
    response=GeocodeList,
    errors=(503,),
    auth=PUBLIC,
)
def reverse(query: ReverseQuery) -> GeocodeList:
    """The nearest address within 100 m and the nearest street within 500 m of ``at``.

    Empty when neither is that close (outside the region, say).
    """
    language = negotiate()
    lat, lon = query.at
    hits = region_service(GEOCODER).reverse(lat, lon)
    return GeocodeList(results=[_result(hit, language, with_score=False) for hit in hits], language=language)
