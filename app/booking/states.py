"""Legal state transitions of bookings and legs, each recorded as an event."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.models import Booking, BookingEvent, BookingLeg, BookingState
from app.tickets.revocation import revoke_on_transition

S = BookingState
LEG_TRANSITIONS: dict[BookingState, frozenset[BookingState]] = {
    S.PENDING: frozenset({S.RESERVED, S.FAILED, S.CANCELLED}),
    S.RESERVED: frozenset({S.CONFIRMED, S.CANCELLED, S.FAILED}),
    S.CONFIRMED: frozenset({S.IN_USE, S.CANCELLED}),
    S.IN_USE: frozenset({S.COMPLETED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
    S.FAILED: frozenset(),
}
"""A leg is reserved, then confirmed, used and completed; until it is in use it may be cancelled."""

BOOKING_TRANSITIONS: dict[BookingState, frozenset[BookingState]] = {
    S.PENDING: frozenset({S.RESERVED, S.CONFIRMED, S.FAILED}),
    S.RESERVED: frozenset({S.CONFIRMED, S.FAILED, S.CANCELLED}),
    S.CONFIRMED: frozenset({S.IN_USE, S.CANCELLED, S.COMPLETED}),
    S.IN_USE: frozenset({S.COMPLETED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
    S.FAILED: frozenset(),
}
"""A booking is ``reserved`` while its payment waits for 3-D Secure, ``confirmed`` once every leg is."""


class IllegalTransition(Exception):
    """A state change the rules do not allow (a bug or a race; nothing is changed)."""


def _checked(
    transitions: dict[BookingState, frozenset[BookingState]], state: str, to: BookingState, what: str
) -> BookingState:
    current = BookingState(state)
    if to not in transitions[current]:
        raise IllegalTransition(f"{what} cannot go from {current} to {to}")
    return current


def move_leg(db: Session, booking: Booking, leg: BookingLeg, to: BookingState, detail: str = "") -> None:
    """Change a leg's state and record the event.

    Raises
    ------
    IllegalTransition
        When the leg may not go from its state to ``to``.
    """
    current = _checked(LEG_TRANSITIONS, leg.state, to, f"leg {leg.position} of booking {booking.id}")
    leg.state = to.value
    revoke_on_transition(db, booking, leg, to, detail)
    db.add(
        BookingEvent(
            booking_id=booking.id,
            leg_position=leg.position,
            from_state=current.value,
            to_state=to.value,
            detail=detail,
        )
    )


def move_booking(db: Session, booking: Booking, to: BookingState, detail: str = "") -> None:
    """Change a booking's state and record the event.

    Raises
    ------
    IllegalTransition
        When the booking may not go from its state to ``to``.
    """
    current = _checked(BOOKING_TRANSITIONS, booking.state, to, f"booking {booking.id}")
    booking.state = to.value
    revoke_on_transition(db, booking, None, to, detail)
    db.add(BookingEvent(booking_id=booking.id, from_state=current.value, to_state=to.value, detail=detail))


def record_created(db: Session, booking: Booking) -> None:
    """The first event of a booking."""
    db.add(BookingEvent(booking_id=booking.id, from_state=None, to_state=booking.state, detail="created"))
