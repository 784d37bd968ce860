"""Schemas of saved places (``/me/places``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from app.models import PlaceKind
from app.schemas.common import ApiModel, BodyModel, trimmed_text

PlaceName = Annotated[str, trimmed_text(min_length=1, max_length=120)]
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]


class SavedPlaceIn(BodyModel):
    """A place to keep: home and work once each, favourites as many as wanted (up to the limit)."""

    kind: PlaceKind = Field(description="home, work or favourite")
    name: PlaceName = Field(description="What the resident calls it (Zuhause, Oma, Sportverein)")
    lat: Latitude
    lon: Longitude


class SavedPlaceUpdate(BodyModel):
    """Fields of a saved place to change; only those sent change."""

    kind: PlaceKind | None = None
    name: PlaceName | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None


class SavedPlaceOut(ApiModel):
    """A saved place; ``ref`` is what ``/plan`` takes as ``from`` or ``to``."""

    id: str
    kind: PlaceKind
    name: str
    lat: float
    lon: float
    ref: str = Field(description="place:<id>, usable as from/to of GET /plan when signed in")
    created_at: datetime
    updated_at: datetime


class SavedPlaceList(ApiModel):
    """The account's saved places: home, work, then favourites by name."""

    places: list[SavedPlaceOut]
