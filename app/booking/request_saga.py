"""The booking saga as a request uses it: this request's session, providers, gateway and time budget.

Also the fare-engine callbacks the saga needs: the single ticket an itinerary's rides need for
the traveller's passes, issuing it signed, and repricing after a leg is cancelled.
"""

from __future__ import annotations

from flask import current_app

from app.booking.saga import TARIFF_PROVIDER, BookingSaga, TransitTicket
from app.deadlines import request_deadline
from app.extensions import db, orm_session
from app.fares import fare_calculator, level_name
from app.itinerary_ids import ItineraryRecord, stored_record
from app.models import Booking, BookingLeg, User, as_utc, utc_now
from app.tickets.service import held_passes
from app.tickets.signing import sign_ticket
from app.tickets.singles import single_claims
from routing.planner.request import Mode


def _issue_ticket(booking: Booking, leg: BookingLeg) -> str:
    """The signed single ticket of a transit ticket leg, valid on its operating day."""
    holder = db.session.get(User, booking.user_id) if booking.user_id is not None else None
    calculator = fare_calculator()
    day = calculator.operating_day(as_utc(leg.starts_at)) if calculator is not None else as_utc(leg.starts_at).date()
    claims = single_claims(
        booking,
        leg,
        holder_name=holder.display_name if holder else "",
        day=day,
        level_name=level_name(leg.vehicle_type_id),
        issued=utc_now().isoformat(timespec="seconds"),
    )
    return sign_ticket(current_app.extensions["mobility.ticket_key"], claims)


def transit_ticket(user: User, record: ItineraryRecord | None) -> TransitTicket | None:
    """The single ticket the itinerary's rides need for this user's passes (None: covered, or no fares)."""
    calculator = fare_calculator()
    if calculator is None or record is None:
        return None
    itinerary = record.itinerary()
    if not itinerary.legs or not any(leg.mode in (Mode.TRANSIT, Mode.FLEX) for leg in itinerary.legs):
        return None
    fare = calculator.price(itinerary, held_passes(orm_session(), user.id, itinerary.start.date()))
    paid = [item for item in fare.legs if item.cents > 0]
    if not paid or fare.ticket_level is None:
        return None
    first = paid[0]
    fixed = next((item for item in paid if itinerary.legs[item.leg_index].mode is Mode.TRANSIT), None)
    return TransitTicket(
        position=fixed.leg_index if fixed is not None else len(itinerary.legs),
        planned=first.leg_index,
        cents=sum(item.cents for item in paid),
        level=fare.ticket_level,
        label=f"Einzelfahrschein {level_name(fare.ticket_level)}",
        valid_on=calculator.operating_day(itinerary.legs[first.leg_index].start),
    )


def _reprice(booking: Booking, remaining: list[BookingLeg]) -> TransitTicket | None:
    """The ticket the booking's rides need now that a leg was cancelled (the fare engine decides)."""
    held = next((leg for leg in remaining if leg.provider == TARIFF_PROVIDER), None)
    holder = db.session.get(User, booking.user_id) if booking.user_id is not None else None
    if held is not None and (holder is None or fare_calculator() is None):  # nothing to price with: keep it
        return TransitTicket(
            held.position, held.quote_cents, held.vehicle_type_id, held.operator, held.starts_at.date()
        )
    if holder is None:
        return None
    return transit_ticket(holder, stored_record(booking.itinerary))


def saga() -> BookingSaga:
    """The booking saga on this request's database session, within the request's time budget.

    The budget is the request's deadline (``MOBILITY_BOOKING_BUDGET_SECONDS`` for booking
    actions, :mod:`app.deadlines`); provider calls made by the saga share it.
    """
    deadline = request_deadline()
    return BookingSaga(
        orm_session(),
        current_app.extensions["mobility.providers"],
        current_app.extensions["mobility.payments"],
        current_app.config["SECRET_KEY"],
        issue_ticket=_issue_ticket,
        reprice=_reprice,
        deadline=deadline,
    )
