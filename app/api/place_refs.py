"""The places ``from`` and ``to`` may name: coordinates, or a geocode result id.

One parser for every operation that takes a place: :data:`PlaceRefParam` checks the
syntax at validation time (a bad value is a 400 naming the parameter), and
:func:`resolve_place_ref` turns a valid value into a position, looking ids up in the
loaded region (an unknown id is a 422 naming the parameter). Accepted forms:

- ``LAT,LON`` in decimal degrees (``51.3155,9.4915``);
- ``geo:<id>``, the ``id`` of a ``GET /geocode`` or ``GET /geocode/reverse`` result.

Other schemes (saved places, ``place:<id>``) join here: a prefix in :data:`SCHEMES` and a
branch in :func:`resolve_place_ref`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from pydantic import BeforeValidator, WithJsonSchema

from app.errors import ApiError, FieldProblem
from app.i18n import negotiate, text
from app.region_services import GEOCODER, region_service
from app.schemas.common import COORDINATE_PATTERN, parse_coordinate

GEOCODE_PREFIX = "geo:"
SCHEMES = (GEOCODE_PREFIX,)
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9:_.\-]{0,200}$")
PLACE_REF_PATTERN = rf"{COORDINATE_PATTERN}|^geo:[A-Za-z0-9][A-Za-z0-9:_.\-]{{0,200}}$"


class UnknownPlace(ApiError):
    """``from`` or ``to`` names an id the loaded region does not have."""

    status = 422
    slug = "unknown-place"
    title = "Unknown place"


@dataclass(frozen=True)
class ResolvedPlace:
    """Where a place reference points, and its name when it has one."""

    lat: float
    lon: float
    name: str | None = None


def check_place_ref(value: object) -> str:
    """``value`` when it is a coordinate or an id of a known scheme (pydantic validator).

    Raises
    ------
    ValueError
        With a message naming what is expected.
    """
    if isinstance(value, str):
        for scheme in SCHEMES:
            if value.startswith(scheme):
                if not _ID.match(value[len(scheme) :]):
                    msg = f"expected {scheme}<id> as returned by GET /geocode, got {value!r}"
                    raise ValueError(msg)
                return value
    lat, lon = parse_coordinate(value)  # raises ValueError("expected LAT,LON ...")
    return f"{lat},{lon}"


PlaceRefParam = Annotated[
    str,
    BeforeValidator(check_place_ref),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": PLACE_REF_PATTERN,
            "examples": ["51.3155,9.4915", "geo:n123456"],
            "description": "LAT,LON in decimal degrees, or the id of a GET /geocode result (geo:...)",
        }
    ),
]
"""A ``from``/``to`` query parameter."""


def resolve_place_ref(value: str, *, parameter: str) -> ResolvedPlace:
    """The position ``value`` (checked by :func:`check_place_ref`) names.

    Raises
    ------
    UnknownPlace
        When ``value`` is an id the loaded region does not have (422, naming ``parameter``).
    ServiceUnavailable
        When an id needs the region and none is loaded.
    """
    if value.startswith(GEOCODE_PREFIX):
        hit = region_service(GEOCODER).find(value[len(GEOCODE_PREFIX) :])
        if hit is None:
            message = text("place_ref.unknown", negotiate(), id=value)
            raise UnknownPlace(message, errors=[FieldProblem(location="query", field=parameter, message=message)])
        return ResolvedPlace(lat=hit.lat, lon=hit.lon, name=hit.name)
    lat, lon = parse_coordinate(value)
    return ResolvedPlace(lat=lat, lon=lon)
