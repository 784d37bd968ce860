"""Where a trip starts or ends: the one parser of ``from``/``to`` and the lookup of what they name.

``from`` and ``to`` of ``/plan`` take three forms:

- ``LAT,LON`` in decimal degrees (``51.3155,9.4915``);
- ``geo:<id>``, the ``id`` of a ``GET /geocode`` or ``GET /geocode/reverse`` result;
- ``place:<id>``, a saved place of the signed-in account (``/me/places``).

:func:`parse_place_ref` reads the text (used by the query schema, so a malformed value is
a 400 naming the parameter); :func:`resolve_place_ref` turns what it names into
coordinates when the request runs (an unknown id is a 422 naming the parameter). A new
form of reference is added to both, here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from flask import request
from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema
from sqlalchemy import select

from app.accounts.access import authorize, current_user
from app.accounts.policy import ACCOUNT
from app.errors import ApiError, FieldProblem, Unauthorized
from app.extensions import db
from app.i18n import negotiate, text
from app.models import SavedPlace
from app.region_services import GEOCODER, region_service
from app.schemas.common import COORDINATE_PATTERN, parse_coordinate

__all__ = [
    "GEOCODE_PREFIX",
    "PLACE_PREFIX",
    "GeocodeRef",
    "PlaceRef",
    "PlaceReference",
    "ResolvedPlace",
    "SavedPlaceRef",
    "UnknownPlace",
    "parse_place_ref",
    "place_ref_text",
    "resolve_place_ref",
]

PLACE_PREFIX = "place:"
GEOCODE_PREFIX = "geo:"
_PLACE_ID = r"[0-9a-f]{32}"
_GEOCODE_ID = r"[A-Za-z0-9][A-Za-z0-9:_.\-]{0,200}"
_PLACE_REF = re.compile(f"^{PLACE_PREFIX}{_PLACE_ID}$")
_GEOCODE_REF = re.compile(f"^{GEOCODE_PREFIX}{_GEOCODE_ID}$")


@dataclass(frozen=True)
class SavedPlaceRef:
    """``place:<id>``: a saved place of the signed-in account."""

    place_id: str


@dataclass(frozen=True)
class GeocodeRef:
    """``geo:<id>``: a result of ``GET /geocode`` in the loaded region."""

    geocode_id: str


PlaceRef = tuple[float, float] | SavedPlaceRef | GeocodeRef


@dataclass(frozen=True)
class ResolvedPlace:
    """Where a place reference points, and its name when it has one (a geocode result's, a saved place's)."""

    lat: float
    lon: float
    name: str | None = None


class UnknownPlace(ApiError):
    """A ``place:`` or ``geo:`` reference that names nothing the request can see."""

    status = 422
    slug = "unknown-place"
    title = "Unknown place"


def parse_place_ref(value: object) -> PlaceRef:
    """A ``from``/``to`` value: coordinates, a geocode result, or a saved place.

    Raises
    ------
    ValueError
        None of ``LAT,LON``, ``geo:<id>`` or ``place:<32 hex digits>``; the message shows the expected form.
    """
    if isinstance(value, SavedPlaceRef | GeocodeRef):
        return value
    if isinstance(value, str) and value.startswith(PLACE_PREFIX):
        if not _PLACE_REF.match(value):
            msg = f"expected place:<id> with the 32-character id from GET /me/places, got {value!r}"
            raise ValueError(msg)
        return SavedPlaceRef(value.removeprefix(PLACE_PREFIX))
    if isinstance(value, str) and value.startswith(GEOCODE_PREFIX):
        if not _GEOCODE_REF.match(value):
            msg = f"expected geo:<id> as returned by GET /geocode, got {value!r}"
            raise ValueError(msg)
        return GeocodeRef(value.removeprefix(GEOCODE_PREFIX))
    return parse_coordinate(value)


def place_ref_text(ref: PlaceRef) -> str:
    """``ref`` written as the API takes it."""
    if isinstance(ref, SavedPlaceRef):
        return PLACE_PREFIX + ref.place_id
    if isinstance(ref, GeocodeRef):
        return GEOCODE_PREFIX + ref.geocode_id
    return f"{ref[0]},{ref[1]}"


def _bare(pattern: str) -> str:
    return pattern.removeprefix("^").removesuffix("$")


PlaceReference = Annotated[
    PlaceRef,
    BeforeValidator(parse_place_ref),
    PlainSerializer(place_ref_text, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": (f"^(?:{_bare(COORDINATE_PATTERN)}|{GEOCODE_PREFIX}{_GEOCODE_ID}|{PLACE_PREFIX}{_PLACE_ID})$"),
            "examples": ["51.3155,9.4915", "geo:n123456", "place:0f8c2b6d4a3e4f1b9c7d5e3a1b2c4d6e"],
        }
    ),
]
"""``LAT,LON``, ``geo:<id>`` (a ``GET /geocode`` result) or ``place:<id>`` (a saved place; needs the sign-in)."""


def _unknown(field: str, message: str) -> UnknownPlace:
    return UnknownPlace(message, errors=[FieldProblem(location="query", field=field, message=message)])


def resolve_place_ref(ref: PlaceRef, *, field: str) -> ResolvedPlace:
    """The position (and name) ``ref`` stands for, in the current request.

    Parameters
    ----------
    ref
        A parsed ``from``/``to`` value.
    field
        The query parameter it came from, named in errors.

    Raises
    ------
    Unauthorized
        A saved place without a bearer token (or with a bad one).
    UnknownPlace
        The signed-in account has no saved place with this id, or the region no geocode result.
    ServiceUnavailable
        A geocode id while no region is loaded.
    """
    if isinstance(ref, GeocodeRef):
        hit = region_service(GEOCODER).find(ref.geocode_id)
        if hit is None:
            raise _unknown(field, text("place_ref.unknown", negotiate(), id=place_ref_text(ref)))
        return ResolvedPlace(hit.lat, hit.lon, hit.name)
    if not isinstance(ref, SavedPlaceRef):
        return ResolvedPlace(*ref)
    if not request.headers.get("Authorization"):
        raise Unauthorized(f"{field}: place:<id> names a saved place; sign in to use it")
    authorize(ACCOUNT)
    place = db.session.scalar(
        select(SavedPlace).where(SavedPlace.public_id == ref.place_id, SavedPlace.user_id == current_user().id)
    )
    if place is None:
        message = f"{field}: the account has no saved place {PLACE_PREFIX}{ref.place_id} (GET /me/places lists them)"
        raise _unknown(field, message)
    return ResolvedPlace(place.lat, place.lon, place.name)
