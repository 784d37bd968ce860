"""Payments of bookings, their refunds, the gateway customers, and processed webhook events."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, TimestampMixin, UtcDateTime, utc_now


class PaymentState(enum.StrEnum):
    """Our own state of a payment (the gateway's object is re-read, never trusted from events).

    ``released``: the authorisation was given back and nothing was charged. ``captured``
    always means money was taken (``capturedCents`` > 0). The transitions are in
    :mod:`app.payments.states`.
    """

    REQUIRES_ACTION = "requires_action"
    AUTHORISED = "authorised"
    CAPTURED = "captured"
    RELEASED = "released"
    CANCELLED = "released"
    """Deprecated name of :attr:`RELEASED` (an alias: it is the same member)."""
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"
    FAILED = "failed"


class Payment(TimestampMixin, Base):
    """The money side of one booking: an authorisation, captured when the trip ends."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint(
            "authorised_cents >= 0 AND captured_cents >= 0 AND refunded_cents >= 0"
            " AND captured_cents <= authorised_cents AND refunded_cents <= captured_cents",
            name="consistent_amounts",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[str] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), unique=True)
    gateway: Mapped[str] = mapped_column(String(20))
    intent_id: Mapped[str | None] = mapped_column(String(255), unique=True, default=None)
    state: Mapped[str] = mapped_column(String(24))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    authorised_cents: Mapped[int] = mapped_column(Integer, default=0)
    captured_cents: Mapped[int] = mapped_column(Integer, default=0)
    refunded_cents: Mapped[int] = mapped_column(Integer, default=0)
    client_secret: Mapped[str | None] = mapped_column(String(255), default=None)
    failure_reason: Mapped[str | None] = mapped_column(Text, default=None)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now, onupdate=utc_now)


class Refund(TimestampMixin, Base):
    """Money given back on a captured payment, with the reason."""

    __tablename__ = "refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id", ondelete="CASCADE"), index=True)
    amount_cents: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(255))
    gateway_refund_id: Mapped[str | None] = mapped_column(String(255), default=None)


class GatewayCustomer(TimestampMixin, Base):
    """A user's customer object at the payment gateway."""

    __tablename__ = "gateway_customers"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    gateway: Mapped[str] = mapped_column(String(20), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(255))


class GatewayOperation(TimestampMixin, Base):
    """Our own idempotency record of one business operation at the gateway (authorise, capture, ...).

    A retried operation finds its row and returns the recorded result instead of calling
    the gateway again, so nothing is charged twice even where the gateway ignores
    idempotency keys.
    """

    __tablename__ = "gateway_operations"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    result: Mapped[str | None] = mapped_column(Text, default=None)
    """JSON of the gateway's answer; None while the call is in flight."""


class WebhookEvent(Base):
    """A gateway event already processed (de-duplication by event id)."""

    __tablename__ = "webhook_events"

    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(120))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    object_id: Mapped[str | None] = mapped_column(String(255), default=None)


class OfflinePayment(TimestampMixin, Base):
    """The offline gateway's own ledger (development only; refused in production)."""

    __tablename__ = "offline_payments"
    __table_args__ = (CheckConstraint("amount_cents >= 0", name="non_negative"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(40))
    amount_cents: Mapped[int] = mapped_column(Integer)
    captured_cents: Mapped[int] = mapped_column(Integer, default=0)
    refunded_cents: Mapped[int] = mapped_column(Integer, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    description: Mapped[str] = mapped_column(Text, default="")
