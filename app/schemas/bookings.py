"""Schemas of bookings, their legs, payments, receipts and refunds."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from app.schemas.common import ApiModel, BodyModel, trimmed_text


class BookingRequest(BodyModel):
    """Book an itinerary from ``GET /plan`` (prices come from the signed id, never from here)."""

    itinerary_id: Annotated[str, StringConstraints(min_length=10, max_length=20_000)]
    payment_method: Annotated[str, StringConstraints(min_length=3, max_length=255)] | None = Field(
        default=None, description="A saved card (Stripe PaymentMethod id); the offline gateway needs none"
    )


class BookingLegOut(ApiModel):
    """A booked leg."""

    position: int = Field(description="The leg's index in the itinerary")
    mode: str
    provider: str
    vehicle_type_id: str
    vehicle_id: str | None
    pickup_station_id: str | None
    dropoff_station_id: str | None
    starts_at: datetime
    state: str
    quote_cents: int
    final_cents: int | None
    reason: str | None = Field(description="Why the leg failed or was cancelled, when it did")
    ticket: str | None = Field(default=None, description="Transit ticket legs: the signed single ticket (QR content)")
    pickup_at: datetime | None = Field(default=None, description="On-demand legs: the pickup the operator confirmed")
    latest_pickup_at: datetime | None = Field(
        default=None, description="On-demand legs: the latest pickup asked for (startsAt is the earliest)"
    )


class PaymentOut(ApiModel):
    """The booking's payment."""

    gateway: str
    state: str
    currency: str
    authorised_cents: int
    captured_cents: int
    refunded_cents: int
    client_secret: str | None = Field(
        description="With state requires_action: finish 3-D Secure in the app with this, then POST .../authenticated"
    )


class BookingOut(ApiModel):
    """A booking and where it stands."""

    id: str
    state: str
    region: str
    currency: str
    price_cents: int = Field(description="What the rider pays as planned: the sum of the booked legs' quotes")
    authorised_cents: int = Field(
        description="What is held on the card (the quotes, with headroom for per-minute legs); 0 before authorising"
    )
    captured_cents: int = Field(description="What was charged (0 while nothing is charged, and when released)")
    refunded_cents: int = Field(description="What was given back of the captured amount")
    total_cents: int = Field(
        deprecated=True,
        description="Deprecated: the same as authorisedCents (the hold, not the price); use priceCents",
    )
    failure_reason: str | None
    created_at: datetime
    legs: list[BookingLegOut]
    payment: PaymentOut | None


class BookingList(ApiModel):
    """Bookings, newest first."""

    bookings: list[BookingOut]


class EventOut(ApiModel):
    """One recorded state change."""

    at: datetime
    leg_position: int | None
    from_state: str | None
    to_state: str
    detail: str


class EventList(ApiModel):
    """A booking's history, oldest first."""

    events: list[EventOut]


class RefundRequest(BodyModel):
    """Give money back on a booking (staff)."""

    amount_cents: Annotated[int, Field(gt=0, le=1_000_000)]
    reason: Annotated[str, trimmed_text(min_length=3, max_length=255)]


class RefundOut(ApiModel):
    """A refund made."""

    amount_cents: int
    reason: str
    created_at: datetime


class ReceiptLine(ApiModel):
    """One item of a receipt."""

    position: int
    description: str
    operator: str
    amount_cents: int
    vat_rate_percent: float
    vat_cents: int


class SellerOut(ApiModel):
    """Who sells (and issues the receipt)."""

    name: str
    address: str
    vat_id: str
    commercial_register: str = Field(description="Commercial register court and number")


class Receipt(ApiModel):
    """An itemised receipt of a booking or a pass purchase (amounts include VAT)."""

    booking_id: str | None = Field(description="The booking (None on a pass purchase's receipt)")
    pass_id: str | None = Field(default=None, description="The pass purchase (None on a booking's receipt)")
    issued_at: datetime
    currency: str
    seller: SellerOut
    language: str = Field(description="Language of the texts: de or en")
    lines: list[ReceiptLine]
    total_cents: int
    refunded_cents: int
    vat_cents: int


class SetupIntentOut(ApiModel):
    """Save a card: confirm this in the app (Stripe.js / mobile SDK) with the client secret."""

    setup_id: str
    status: str
    client_secret: str | None


LegOut = BookingLegOut
"""The name callers import; published as ``BookingLegOut`` (one name per schema in the OpenAPI document)."""
