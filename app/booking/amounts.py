"""The money of a booking as the rider sees it: one computation for the API and the GDPR export."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.models import Booking, BookingLeg, Payment


@dataclass(frozen=True)
class BookingAmounts:
    """Cents of one booking: the planned price and what the payment has held, taken and given back."""

    price_cents: int
    authorised_cents: int
    captured_cents: int
    refunded_cents: int


def booking_amounts(booking: Booking, legs: Sequence[BookingLeg], payment: Payment | None) -> BookingAmounts:
    """The price is the sum of the legs' quotes; without a payment nothing was held or refunded."""
    return BookingAmounts(
        price_cents=sum(leg.quote_cents for leg in legs),
        authorised_cents=0 if payment is None else payment.authorised_cents,
        captured_cents=booking.captured_cents if payment is None else payment.captured_cents,
        refunded_cents=0 if payment is None else payment.refunded_cents,
    )
