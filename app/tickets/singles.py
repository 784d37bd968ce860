"""Single tickets of bookings: their claims when issued, and finding one by its ticket id."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Booking, BookingLeg
from app.tickets.revocation import single_ticket_id
from app.tickets.signing import TicketClaims
from app.tickets.view import SINGLE_COMPANIONS, single_area


def single_claims(
    booking: Booking, leg: BookingLeg, *, holder_name: str, day: date, level_name: str, issued: str
) -> TicketClaims:
    """What the single ticket of a transit ticket leg says: valid on its operating day, for the holder only."""
    return TicketClaims(
        ticket_id=single_ticket_id(booking.id, leg.position),
        holder=holder_name,
        product_id=leg.vehicle_type_id,
        product=leg.operator,
        valid_from=day,
        valid_until=day,
        issued=issued,
        area=single_area(level_name),
        companions=SINGLE_COMPANIONS,
    )


def find_single(db: Session, ticket_id: str) -> tuple[Booking, BookingLeg] | None:
    """The booking and leg behind a single ticket id (``BOOKING-POSITION``), when there is one with a ticket."""
    booking_id, _, position = ticket_id.rpartition("-")
    if not booking_id or not position.isdigit():
        return None
    booking = db.get(Booking, booking_id)
    if booking is None:
        return None
    leg = db.scalar(select(BookingLeg).where(BookingLeg.booking_id == booking.id, BookingLeg.position == int(position)))
    if leg is None or leg.ticket_token is None:
        return None
    return booking, leg


__all__ = ["find_single", "single_claims"]
