"""Schemas of address and place search (``GET /geocode``) and reverse geocoding."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from app.schemas.common import ApiModel, Coordinate, QueryModel

GeocodeKind = Literal["address", "street", "place", "poi", "stop"]


class GeocodeQuery(QueryModel):
    """Search text, and optionally where the resident is."""

    q: Annotated[str, Field(min_length=1, max_length=200)] = Field(
        description="Address, street, place, POI (or its category: Apotheke, school) or stop; umlauts, ß, "
        "Str./Straße, house numbers like 12a, any word order and small typos are fine"
    )
    near: Coordinate | None = Field(default=None, description="Prefer results near this point, LAT,LON")
    limit: Annotated[int, Field(ge=1, le=50, description="Most results to return")] = 10


class ReverseQuery(QueryModel):
    """The point to name."""

    at: Coordinate = Field(description="LAT,LON in decimal degrees")


class GeocodeResult(ApiModel):
    """One place found: usable as ``from``/``to`` of ``GET /plan`` by its ``id``."""

    id: str = Field(description="geo:<id>; pass it as from or to of GET /plan")
    kind: GeocodeKind
    kind_name: str = Field(description="The kind in the response language (Adresse, Straße, ...)")
    name: str = Field(description="Street and house number, street, place, POI or stop name")
    context: str = Field(description="Postcode and city (addresses, streets) or the OSM category (POIs)")
    label: str = Field(description="Name and context, ready to show")
    category: str = Field(description="OSM key=value of a POI or place; address, highway or stop otherwise")
    category_name: str | None = Field(default=None, description="The POI category in the response language")
    lat: float
    lon: float
    stop_id: str | None = Field(default=None, description="Stops: the id GET /stops/{id}/departures takes")
    score: float | None = Field(default=None, description="Rank score (higher is better; search only)")
    distance_meters: float | None = Field(default=None, description="Straight-line distance from near (or at)")


class GeocodeList(ApiModel):
    """Results, best first (search) or nearest address then street (reverse)."""

    results: list[GeocodeResult]
    language: str
