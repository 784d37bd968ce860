"""Bookings of planned itineraries: a saga over the bookable legs, with an append-only event log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from app.models.base import Base, TimestampMixin, UtcDateTime, utc_now
from providers.model import BookingState

__all__ = ["Booking", "BookingEvent", "BookingLeg", "BookingState", "VehicleClaim"]

_STATES = ", ".join(f"'{state.value}'" for state in BookingState)


class StateColumn(TypeDecorator[BookingState]):
    """A :class:`BookingState` stored as its value in a ``VARCHAR(20)`` (the check constraint lists the values)."""

    impl = String(20)
    cache_ok = True

    def process_bind_param(self, value: BookingState | str | None, dialect: Dialect) -> str | None:
        """The stored text; an unknown state is refused before it reaches the database."""
        return None if value is None else BookingState(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> BookingState | None:
        """The enum member of a stored value."""
        return None if value is None else BookingState(value)


class Booking(TimestampMixin, Base):
    """One checkout of one itinerary by one user (or by a deleted user's pseudonym)."""

    __tablename__ = "bookings"
    __table_args__ = (
        UniqueConstraint("user_id", "idempotency_key", name="uq_bookings_user_key"),
        CheckConstraint(f"state IN ({_STATES})", name="known_state"),
        CheckConstraint("total_cents >= 0 AND captured_cents >= 0", name="non_negative_amounts"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    holder: Mapped[str] = mapped_column(String(64))
    """Pseudonym of the holder, kept when the account is deleted (records the law requires)."""
    idempotency_key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    region: Mapped[str] = mapped_column(String(120))
    itinerary: Mapped[str] = mapped_column(Text)
    """The signed itinerary record the booking was made from (JSON)."""
    state: Mapped[BookingState] = mapped_column(StateColumn(), default=BookingState.PENDING)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    total_cents: Mapped[int] = mapped_column(Integer)
    """The quoted price of the booked legs."""
    captured_cents: Mapped[int] = mapped_column(Integer, default=0)
    failure_reason: Mapped[str | None] = mapped_column(Text, default=None)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now, onupdate=utc_now)


class BookingLeg(Base):
    """A bookable leg: a shared vehicle from one provider."""

    __tablename__ = "booking_legs"
    __table_args__ = (
        UniqueConstraint("booking_id", "position", name="uq_booking_legs_position"),
        CheckConstraint(f"state IN ({_STATES})", name="known_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[str] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    """The leg's index in the itinerary."""
    mode: Mapped[str] = mapped_column(String(20))
    provider: Mapped[str] = mapped_column(String(80))
    operator: Mapped[str] = mapped_column(String(255), default="")
    vehicle_type_id: Mapped[str] = mapped_column(String(120))
    vehicle_id: Mapped[str | None] = mapped_column(String(255), default=None)
    pickup_station_id: Mapped[str | None] = mapped_column(String(255), default=None)
    dropoff_station_id: Mapped[str | None] = mapped_column(String(255), default=None)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime())
    minutes: Mapped[float]
    km: Mapped[float]
    from_lat: Mapped[float]
    from_lon: Mapped[float]
    to_lat: Mapped[float]
    to_lon: Mapped[float]
    quote_cents: Mapped[int] = mapped_column(Integer)
    estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    final_cents: Mapped[int | None] = mapped_column(Integer, default=None)
    state: Mapped[BookingState] = mapped_column(StateColumn(), default=BookingState.PENDING)
    provider_booking_id: Mapped[str | None] = mapped_column(String(255), default=None)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    ticket_token: Mapped[str | None] = mapped_column(Text, default=None)
    """For a transit ticket leg: the signed single ticket."""
    latest_pickup_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    """For an on-demand (flex) leg: the latest pickup the rider accepts (``starts_at`` is the earliest)."""
    pickup_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    """For an on-demand (flex) leg: the pickup time the dispatcher confirmed."""
    wheelchair_place: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """For an on-demand (flex) leg: the rider needs a wheelchair place (planned in wheelchair mode)."""


class BookingEvent(Base):
    """One state transition of a booking or one of its legs; rows are only ever added."""

    __tablename__ = "booking_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[str] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    leg_position: Mapped[int | None] = mapped_column(Integer, default=None)
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    detail: Mapped[str] = mapped_column(Text, default="")


class VehicleClaim(Base):
    """A vehicle held by a booking in flight or in use: at most one active claim per vehicle."""

    __tablename__ = "vehicle_claims"
    __table_args__ = (
        Index(
            "uq_vehicle_claims_active",
            "provider",
            "vehicle_id",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(80))
    vehicle_id: Mapped[str] = mapped_column(String(255))
    booking_id: Mapped[str] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
