"""A resident's saved places: home, work and favourites."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, TimestampMixin, UtcDateTime, utc_now


class PlaceKind(enum.StrEnum):
    """What a saved place is to its owner; an account has at most one home and one work place."""

    HOME = "home"
    WORK = "work"
    FAVOURITE = "favourite"


class SavedPlace(TimestampMixin, Base):
    """A named position an account keeps, usable as ``from``/``to`` of ``/plan`` as ``place:<public_id>``."""

    __tablename__ = "saved_places"
    __table_args__ = (
        CheckConstraint("kind IN ('home', 'work', 'favourite')", name="known_kind"),
        CheckConstraint("lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180", name="position_on_earth"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    """Opaque id shown in paths and ``place:`` references (the row sequence stays private)."""
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(120))
    lat: Mapped[float] = mapped_column(Float())
    lon: Mapped[float] = mapped_column(Float())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now, onupdate=utc_now)
