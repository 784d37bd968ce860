"""Where a trip starts or ends: the one parser of ``from``/``to`` and the lookup of what they name.

``from`` and ``to`` of ``/plan`` are ``LAT,LON`` in decimal degrees or ``place:<id>``, a
saved place of the signed-in account (``/me/places``). :func:`parse_place_ref` reads the
text (used by the query schema, so a malformed value is a 400 naming the parameter);
:func:`resolve_place_ref` turns what it names into coordinates when the request runs.
New forms of reference (a geocoder result id, say) are added to both, here.
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
from app.models import SavedPlace
from app.schemas.common import COORDINATE_PATTERN, parse_coordinate

__all__ = [
    "PLACE_PREFIX",
    "PlaceReference",
    "SavedPlaceRef",
    "UnknownPlace",
    "parse_place_ref",
    "place_ref_text",
    "resolve_place_ref",
]

PLACE_PREFIX = "place:"
_PLACE_ID = r"[0-9a-f]{32}"
PLACE_REF_PATTERN = f"^{PLACE_PREFIX}{_PLACE_ID}$"
_PLACE_REF = re.compile(PLACE_REF_PATTERN)


@dataclass(frozen=True)
class SavedPlaceRef:
    """``place:<id>``: a saved place of the signed-in account."""

    place_id: str


PlaceRef = tuple[float, float] | SavedPlaceRef


class UnknownPlace(ApiError):
    """A ``place:`` reference the signed-in account has no saved place for."""

    status = 422
    slug = "unknown-place"
    title = "Unknown saved place"


def parse_place_ref(value: object) -> PlaceRef:
    """A ``from``/``to`` value: coordinates, or a reference to a saved place.

    Raises
    ------
    ValueError
        Neither ``LAT,LON`` nor ``place:<32 hex digits>``; the message shows both forms.
    """
    if isinstance(value, SavedPlaceRef):
        return value
    if isinstance(value, str) and value.startswith(PLACE_PREFIX):
        if not _PLACE_REF.match(value):
            msg = f"expected place:<id> with the 32-character id from GET /me/places, got {value!r}"
            raise ValueError(msg)
        return SavedPlaceRef(value.removeprefix(PLACE_PREFIX))
    return parse_coordinate(value)


def place_ref_text(ref: PlaceRef) -> str:
    """``ref`` written as the API takes it."""
    if isinstance(ref, SavedPlaceRef):
        return PLACE_PREFIX + ref.place_id
    return f"{ref[0]},{ref[1]}"


PlaceReference = Annotated[
    PlaceRef,
    BeforeValidator(parse_place_ref),
    PlainSerializer(place_ref_text, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": f"^(?:{COORDINATE_PATTERN.removeprefix('^').removesuffix('$')}|{PLACE_PREFIX}{_PLACE_ID})$",
            "examples": ["51.3155,9.4915", "place:0f8c2b6d4a3e4f1b9c7d5e3a1b2c4d6e"],
        }
    ),
]
"""``LAT,LON`` in decimal degrees or ``place:<id>`` (a saved place; needs the sign-in)."""


def resolve_place_ref(ref: PlaceRef, *, field: str) -> tuple[float, float]:
    """The coordinates ``ref`` stands for, in the current request.

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
        The signed-in account has no saved place with this id.
    """
    if not isinstance(ref, SavedPlaceRef):
        return ref
    if not request.headers.get("Authorization"):
        raise Unauthorized(f"{field}: place:<id> names a saved place; sign in to use it")
    authorize(ACCOUNT)
    place = db.session.scalar(
        select(SavedPlace).where(SavedPlace.public_id == ref.place_id, SavedPlace.user_id == current_user().id)
    )
    if place is None:
        msg = f"{field}: the account has no saved place {PLACE_PREFIX}{ref.place_id} (GET /me/places lists them)"
        raise UnknownPlace(msg, errors=[FieldProblem(location="query", field=field, message=msg)])
    return place.lat, place.lon
