"""What the rider does after booking: start and end rides, cancel one leg or the whole booking; staff refunds."""

from __future__ import annotations

from dataclasses import dataclass

from app.booking.saga import payments
from app.booking.saga.context import SagaContext
from app.booking.saga.errors import StepFailed
from app.booking.saga.flow import SagaFlow
from app.booking.saga.legs import handler_for
from app.booking.states import OPEN_LEG_STATES, IllegalTransition
from app.models import Booking, BookingEvent, BookingLeg, BookingState, Refund

S = BookingState


@dataclass
class RideActions:
    """The rider's actions on a booked trip, each leg by its own handler."""

    ctx: SagaContext
    flow: SagaFlow

    def start_leg(self, booking: Booking, leg: BookingLeg) -> None:
        """Unlock the vehicle: the leg is in use.

        Raises
        ------
        StepFailed, IllegalTransition
        """
        handler_for(leg).start(self.ctx, booking, leg)

    def end_leg(self, booking: Booking, leg: BookingLeg) -> None:
        """End the ride; when no leg is left open, capture what the rides cost.

        Raises
        ------
        StepFailed, IllegalTransition
        """
        handler_for(leg).end(self.ctx, booking, leg)
        self.flow.settle_if_done(booking)

    def cancel(self, booking: Booking) -> None:
        """Cancel every leg not yet in use; release or capture the payment accordingly.

        Raises
        ------
        IllegalTransition
            The booking is failed, cancelled or completed, or a leg is being ridden.
        StepFailed
            A provider could not cancel yet (retried automatically).
        """
        if booking.state not in (S.RESERVED, S.CONFIRMED, S.IN_USE):
            raise IllegalTransition(f"booking {booking.id} is {booking.state} and cannot be cancelled")
        legs = self.ctx.legs(booking)
        if any(leg.state == S.IN_USE for leg in legs):
            raise IllegalTransition("a leg is being ridden; end it first")
        undone = all(
            [
                handler_for(leg).cancel(self.ctx, booking, leg, "cancelled by the rider", charge_fee=True)
                for leg in legs
                if leg.state in OPEN_LEG_STATES
            ]
        )
        self.ctx.db.commit()
        if not undone:
            raise StepFailed("a provider could not cancel yet; the cancellation is retried automatically")
        self.flow.after_leg_change(booking, "cancelled by the rider")

    def cancel_leg(self, booking: Booking, leg: BookingLeg) -> None:
        """Cancel one leg not yet ridden (the operator's fee applies); the other legs stay booked.

        What is left is priced again: when the remaining rides need another ticket (or none),
        the ticket leg is changed and re-issued (or voided) and the event says so. The booking
        is ``cancelled`` only when every leg is; it is settled when no ride is left open.

        Raises
        ------
        IllegalTransition
            The leg is being ridden, done, or already cancelled.
        StepFailed
            The provider could not cancel yet (retried automatically).
        """
        if leg.state not in OPEN_LEG_STATES:
            raise IllegalTransition(f"leg {leg.position} is {leg.state} and cannot be cancelled")
        if not handler_for(leg).cancel(self.ctx, booking, leg, "cancelled by the rider", charge_fee=True):
            self.ctx.db.commit()
            raise StepFailed("the provider could not cancel yet; the cancellation is retried automatically")
        self.ctx.db.commit()
        self._reprice(booking, leg)
        self.flow.after_leg_change(booking, "every leg cancelled by the rider")

    def _reprice(self, booking: Booking, cancelled: BookingLeg) -> None:
        """The ticket the rides left open need, compared with the ticket leg held."""
        ctx = self.ctx
        legs = ctx.legs(booking)
        tickets = [leg for leg in legs if not handler_for(leg).rideable and leg.state in OPEN_LEG_STATES]
        if ctx.reprice is None or not tickets or cancelled in tickets:
            return
        ticket_leg = tickets[0]
        needed = ctx.reprice(booking, [leg for leg in legs if leg.state not in (S.CANCELLED, S.FAILED)])
        if needed is None:
            handler_for(ticket_leg).cancel(
                ctx, booking, ticket_leg, "the remaining rides need no ticket", charge_fee=False
            )
        elif (needed.level, needed.cents) != (ticket_leg.vehicle_type_id, ticket_leg.quote_cents):
            was = f"{ticket_leg.vehicle_type_id} ({ticket_leg.quote_cents} cents)"
            ticket_leg.vehicle_type_id, ticket_leg.operator, ticket_leg.quote_cents = (
                needed.level,
                needed.label,
                needed.cents,
            )
            if ticket_leg.state == S.CONFIRMED and ctx.issue_ticket is not None:
                ticket_leg.ticket_token = ctx.issue_ticket(booking, ticket_leg)
            detail = (
                f"the remaining rides need ticket {needed.level} ({needed.cents} cents) instead of {was}; re-issued"
            )
            ctx.db.add(
                BookingEvent(
                    booking_id=booking.id,
                    leg_position=ticket_leg.position,
                    from_state=str(ticket_leg.state),
                    to_state=str(ticket_leg.state),
                    detail=detail,
                )
            )
        ctx.db.commit()

    def refund(self, booking: Booking, amount_cents: int, reason: str) -> Refund:
        """Give back part or all of what was captured, with the reason.

        Raises
        ------
        BookingError
            Nothing captured, or more than is left.
        """
        return payments.refund(self.ctx, booking, amount_cents, reason)
