"""One handler per kind of booked leg: what reserving, confirming, riding, cancelling and recovering mean for it.

- :class:`OperatorLeg`: a shared vehicle booked with its operator; every operator call is an
  outbox step (intent before, result after) and can be recovered after a crash;
- :class:`TicketLeg`: a transit single ticket sold by the platform itself (no operator call);
  its steps are database-only and atomic, so there is nothing to recover.

- :class:`FlexLeg`: an on-demand ride (AST, Rufbus) booked with its dispatcher: reserved,
  confirmed and cancelled like an operator leg (outbox steps, recovery), but boarding and
  getting off are the rider's reports (no operator call), no vehicle is claimed (rides share
  buses), and the pickup time the dispatcher confirmed is kept on the leg; the ride is paid
  with the transit ticket.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from sqlalchemy.exc import IntegrityError

from app.booking.saga import outbox
from app.booking.saga.budget import check_budget
from app.booking.saga.context import TARIFF_PROVIDER, SagaContext, spec_of
from app.booking.saga.crash import crash_point
from app.booking.saga.errors import StepFailed
from app.booking.states import IllegalTransition, move_booking, move_leg
from app.models import Booking, BookingLeg, BookingState, SagaStep, StepOperation, VehicleClaim
from providers.checked import CheckedProvider
from providers.errors import ProviderError
from providers.model import BookingStatus

logger = logging.getLogger(__name__)
S = BookingState
Op = StepOperation


def ride_started(ctx: SagaContext, booking: Booking, leg: BookingLeg, leg_detail: str, booking_detail: str) -> None:
    """A confirmed leg's ride began: the leg is ``in_use``, and so is the booking when this is its first ride.

    Every kind of ride (a shared vehicle unlocked, an on-demand ride boarded, a start the
    reconciler found done at the operator) starts through here, so the booking's state follows
    its legs the same way whoever started it.
    """
    move_leg(ctx.db, booking, leg, S.IN_USE, leg_detail)
    if booking.state == S.CONFIRMED:
        move_booking(ctx.db, booking, S.IN_USE, booking_detail)
    ctx.db.commit()


class LegHandler(Protocol):
    """What the saga does with one kind of leg."""

    rideable: bool
    """Whether the rider starts and ends it (an operator's vehicle) or just holds it (a ticket)."""

    def reserve(self, ctx: SagaContext, booking: Booking, leg: BookingLeg) -> None:
        """Hold what the leg needs (state ``reserved``)."""
        ...

    def confirm(self, ctx: SagaContext, booking: Booking, leg: BookingLeg) -> None:
        """Make the hold a booking (state ``confirmed``)."""
        ...

    def cancel(self, ctx: SagaContext, booking: Booking, leg: BookingLeg, detail: str, *, charge_fee: bool) -> bool:
        """Release the leg (state ``cancelled``); False when the provider could not yet (retried later)."""
        ...

    def start(self, ctx: SagaContext, booking: Booking, leg: BookingLeg) -> None:
        """The ride begins (state ``in_use``)."""
        ...

    def end(self, ctx: SagaContext, booking: Booking, leg: BookingLeg) -> None:
        """The ride is over (state ``completed`` with its final price)."""
        ...

    def settle(self, ctx: SagaContext, booking: Booking, leg: BookingLeg) -> None:
        """The booking is being settled and this leg is still confirmed: count it as used (tickets)."""
        ...

    def recover(self, ctx: SagaContext, booking: Booking, leg: BookingLeg, step: SagaStep) -> None:
        """Finish or close an attempt left open by a crash, from the operator's own record."""
        ...


class TicketLeg:
    """A transit single ticket from the region's tariff: held, issued, used or voided in our own database."""

    rideable = False

    def reserve(self, ctx: SagaContext, booking: Booking, leg: BookingLeg) -> None:
        """Nothing to hold outside: the leg is reserved at once."""
        move_leg(ctx.db, booking, leg, S.RESERVED, f"ticket {leg.vehicle_type_id} held")
        ctx.db.commit()

    def confirm(self, ctx: SagaContext, booking: Booking, leg: BookingLeg) -> None:
        """Sign the ticket."""
        leg.ticket_token = ctx.issue_ticket(booking, leg) if ctx.issue_ticket is not None else None
        move_leg(ctx.db, booking, leg, S.CONFIRMED, f"ticket {leg.vehicle_type_id} issued")
        ctx.db.commit()

    def cancel(self, ctx: SagaContext, booking: Booking, leg: BookingLeg, detail: str, *, charge_fee: bool) -> bool:
        """Void the ticket (the revocation hook of :mod:`app.booking.states` runs on the transition)."""
        move_leg(ctx.db, booking, leg, S.CANCELLED, detail + "; ticket voided")
        leg.reason = leg.reason or detail
        return True

    def start(self, ctx: SagaContext, booking: Booking, leg: BookingLeg) -> None:
        """Tickets are not started.

        Raises
        ------
        IllegalTransition
            Always.
        """
        raise IllegalTransition(f"leg {leg.position} is a ticket: it is valid for its day, not started or ended")

    end = start

    def settle(self, ctx: SagaContext, booking: Booking, leg: BookingLeg) -> None:
        """A confirmed ticket of a settled booking was bought: it is charged at its price."""
        move_leg(ctx.db, booking, leg, S.IN_USE, "ticket valid")
        move_leg(ctx.db, booking, leg, S.COMPLETED, "ticket bought")
        leg.final_cents = leg.quote_cents

    def recover(self, ctx: SagaContext, booking: Booking, leg: BookingLeg, step: SagaStep) -> None:
        """Ticket steps are atomic; an open one is closed."""
        outbox.fail(step, "ticket steps need no recovery")
        ctx.db.commit()


class OperatorLeg:
    """A shared vehicle booked with its operator through the provider interface."""

    rideable = True

    # Reserving ---------------------------------------------------------------------------

    def reserve(self, ctx: SagaContext, booking: Booking, leg: BookingLeg) -> None:
        """Quote, record the intent with the offer, reserve with the attempt's key, record the result.

        Raises
        ------
        StepFailed
            The operator refused or answered against the interface.
        """
        provider = ctx.provider(leg)
        step = outbox.open_step(ctx.db, booking, leg, Op.RESERVE)
        if step is None:
            check_budget(ctx.deadline, f"quoting leg {leg.position}")
            quote = ctx.call(leg, "quote the ride", lambda: provider.quote(spec_of(leg)))
            step = outbox.record_intent(ctx.db, booking, leg, Op.RESERVE, outbox.quote_to_json(quote))
            ctx.db.commit()
            crash_point("reserve:intent")
        self._reserve_step(ctx, booking, leg, provider, step)

    def _reserve_step(
        self, ctx: SagaContext, booking: Booking, leg: BookingLeg, provider: CheckedProvider, step: SagaStep
    ) -> None:
        quote, key = outbox.quote_from_json(step.request), step.idempotency_key
        check_budget(ctx.deadline, f"reserving leg {leg.position}")
        status = ctx.call(
            leg, "reserve the vehicle", lambda: provider.reserve(quote, spec_of(leg), idempotency_key=key), step
        )
        crash_point("reserve:call")
        leg.provider_booking_id = status.booking_id
        if leg.vehicle_id is None and status.vehicle_id:
            leg.vehicle_id = status.vehicle_id
            ctx.db.add(VehicleClaim(provider=leg.provider, vehicle_id=status.vehicle_id, booking_id=booking.id))
        move_leg(ctx.db, booking, leg, S.RESERVED, f"{leg.provider} booking {status.booking_id}")
        outbox.finish(step, status)
        try:
            ctx.db.commit()
        except IntegrityError:
            ctx.db.rollback()
            leg.provider_booking_id = status.booking_id
            ctx.call(leg, "cancel a double-assigned vehicle", lambda: provider.cancel(status.booking_id))
            leg.reason = f"leg {leg.position}: the operator gave a vehicle another booking holds"
            outbox.fail(step, leg.reason)
            ctx.db.commit()
            raise StepFailed(leg.reason, provider=leg.provider) from None

    # Confirming --------------------------------------------------------------------------

    def confirm(self, ctx: SagaContext, booking: Booking, leg: BookingLeg) -> None:
        """Turn the reservation into a booking.

        Raises
        ------
        StepFailed
            The operator refused or answered against the interface.
        """
        provider, booking_id = ctx.provider(leg), self._booking_id(leg)
        step = outbox.open_step(ctx.db, booking, leg, Op.CONFIRM)
        if step is None:
            check_budget(ctx.deadline, f"confirming leg {leg.position}")
            step = outbox.record_intent(ctx.db, booking, leg, Op.CONFIRM, {"booking": booking_id})
            ctx.db.commit()
            crash_point("confirm:intent")
        status = ctx.call(leg, "confirm the booking", lambda: provider.confirm(booking_id), step)
        crash_point("confirm:call")
        outbox.finish(step, status)
        move_leg(ctx.db, booking, leg, S.CONFIRMED, f"{leg.provider} confirmed")
        ctx.db.commit()

    # Riding --------------------------------------------------------------------------------

    def start(self, ctx: SagaContext, booking: Booking, leg: BookingLeg) -> None:
        """Unlock the vehicle.

        Raises
        ------
        IllegalTransition
            The leg is not confirmed.
        StepFailed
            The operator refused or answered against the interface.
        """
        self._require(leg, S.CONFIRMED, "start the ride")
        provider = ctx.provider(leg)
        step, status = self._ride_step(ctx, booking, leg, Op.START, "start the ride", provider.start)
        self._started(ctx, booking, leg, step, status)

    def _ride_step(
        self,
        ctx: SagaContext,
        booking: Booking,
        leg: BookingLeg,
        operation: Op,
        doing: str,
        call: Callable[[str], BookingStatus],
    ) -> tuple[SagaStep, BookingStatus]:
        """Start or end a ride as an outbox step: the intent (reused after a crash), then the call."""
        booking_id = self._booking_id(leg)
        step = outbox.open_step(ctx.db, booking, leg, operation) or outbox.record_intent(
            ctx.db, booking, leg, operation, {"booking": booking_id}
        )
        ctx.db.commit()
        crash_point(f"{operation.value}:intent")
        status = ctx.call(leg, doing, lambda: call(booking_id), step)
        crash_point(f"{operation.value}:call")
        return step, status

    @staticmethod
    def _started(ctx: SagaContext, booking: Booking, leg: BookingLeg, step: SagaStep, status: BookingStatus) -> None:
        outbox.finish(step, status)
        ride_started(ctx, booking, leg, "ride started", f"leg {leg.position} started")

    def end(self, ctx: SagaContext, booking: Booking, leg: BookingLeg) -> None:
        """End the ride and record its final price (the caller settles the booking).

        Raises
        ------
        IllegalTransition
            The leg is not in use.
        StepFailed
            The operator refused or answered against the interface.
        """
        self._require(leg, S.IN_USE, "end the ride")
        provider = ctx.provider(leg)
        step, status = self._ride_step(ctx, booking, leg, Op.END, "end the ride", provider.end)
        self._ended(ctx, booking, leg, step, status)

    @staticmethod
    def _ended(ctx: SagaContext, booking: Booking, leg: BookingLeg, step: SagaStep, status: BookingStatus) -> None:
        outbox.finish(step, status)
        leg.final_cents = status.amount_cents if status.amount_cents is not None else leg.quote_cents
        move_leg(ctx.db, booking, leg, S.COMPLETED, f"ride ended, {leg.final_cents} cents")
        ctx.db.commit()

    def settle(self, ctx: SagaContext, booking: Booking, leg: BookingLeg) -> None:
        """Operator legs are settled by their own end or cancellation."""

    # Cancelling ------------------------------------------------------------------------------

    def cancel(self, ctx: SagaContext, booking: Booking, leg: BookingLeg, detail: str, *, charge_fee: bool) -> bool:
        """Cancel with the operator; the rider pays the operator's fee only when they cancelled themselves."""
        if leg.provider_booking_id is None:  # never reserved: nothing held outside
            move_leg(ctx.db, booking, leg, S.CANCELLED, detail)
            leg.reason = leg.reason or detail
            return True
        step = outbox.open_step(ctx.db, booking, leg, Op.CANCEL)
        if step is None:
            step = outbox.record_intent(
                ctx.db,
                booking,
                leg,
                Op.CANCEL,
                {"booking": leg.provider_booking_id, "fee": charge_fee, "detail": detail},
            )
            ctx.db.commit()
            crash_point("cancel:intent")
        return self._cancel_step(ctx, booking, leg, step)

    def _cancel_step(self, ctx: SagaContext, booking: Booking, leg: BookingLeg, step: SagaStep) -> bool:
        request = outbox.request_of(step)
        booking_id = str(request.get("booking") or leg.provider_booking_id)
        try:
            status = ctx.provider(leg).cancel(booking_id)
        except (ProviderError, StepFailed) as exc:
            logger.warning("cancelling leg %s of %s failed", leg.position, booking.id, exc_info=True)
            leg.reason = f"leg {leg.position}: cancelling with {leg.provider} failed ({exc}); retried automatically"
            return False
        crash_point("cancel:call")
        detail, fee = str(request.get("detail") or "cancelled"), status.amount_cents or 0
        if request.get("fee") and fee:
            leg.final_cents = fee
            detail += f"; cancellation fee {fee} cents ({leg.provider}'s policy)"
        outbox.finish(step, status)
        outbox.close_open(ctx.db, booking, leg, "superseded: the leg was cancelled")
        if leg.state != S.CANCELLED:
            move_leg(ctx.db, booking, leg, S.CANCELLED, detail)
        leg.reason = leg.reason or detail
        return True

    # Recovering ------------------------------------------------------------------------------

    def recover(self, ctx: SagaContext, booking: Booking, leg: BookingLeg, step: SagaStep) -> None:
        """Finish an attempt left open, from what the operator knows.

        - reserve: repeat it with the same key and offer: the operator answers with the hold
          it made (or refuses: nothing was held);
        - confirm, start, end: read the operator's status; done there, record it; not done,
          close the attempt (an end the rider asked for is repeated);
        - cancel: repeat it (cancelling is idempotent).

        Raises
        ------
        StepFailed
            The operator could not be asked (the attempt stays open).
        """
        operation = StepOperation(step.operation)
        provider = ctx.provider(leg)
        if operation is Op.RESERVE:
            if leg.state == S.PENDING:
                self._reserve_step(ctx, booking, leg, provider, step)
            else:
                outbox.fail(step, f"the leg is already {leg.state}")
                ctx.db.commit()
            return
        if operation is Op.CANCEL:
            if not self._cancel_step(ctx, booking, leg, step):
                ctx.db.commit()
                raise StepFailed(leg.reason or "cancelling failed", provider=leg.provider)
            ctx.db.commit()
            return
        booking_id = self._booking_id(leg)
        status = ctx.call(leg, "report the booking's status", lambda: provider.status(booking_id))
        if operation is Op.CONFIRM and status.state is S.CONFIRMED and leg.state == S.RESERVED:
            outbox.finish(step, status)
            move_leg(ctx.db, booking, leg, S.CONFIRMED, f"{leg.provider} confirmed (recovered)")
        elif operation is Op.START and status.state is S.IN_USE and leg.state == S.CONFIRMED:
            self._started(ctx, booking, leg, step, status)
        elif operation is Op.END and leg.state == S.IN_USE and status.state in (S.IN_USE, S.COMPLETED):
            if status.state is S.IN_USE:  # the rider asked to end: end it now
                status = ctx.call(leg, "end the ride", lambda: provider.end(booking_id), step)
            self._ended(ctx, booking, leg, step, status)
        else:
            outbox.fail(step, f"not done at the operator ({status.state.value}); our leg is {leg.state}")
        ctx.db.commit()

    # Helpers -----------------------------------------------------------------------------------

    @staticmethod
    def _require(leg: BookingLeg, required: BookingState, what: str) -> None:
        if leg.state != required or leg.provider_booking_id is None:
            raise IllegalTransition(f"leg {leg.position} is {leg.state}; it must be {required} to {what}")

    @staticmethod
    def _booking_id(leg: BookingLeg) -> str:
        if leg.provider_booking_id is None:
            raise IllegalTransition(f"leg {leg.position} has no booking with {leg.provider}")
        return leg.provider_booking_id


class FlexLeg(OperatorLeg):
    """An on-demand ride booked with its dispatcher: the bus comes to the rider, nothing is unlocked."""

    rideable = True
    """Open until the rider has ridden it (or cancelled it): a booking with one is not settled at once."""

    def _reserve_step(
        self, ctx: SagaContext, booking: Booking, leg: BookingLeg, provider: CheckedProvider, step: SagaStep
    ) -> None:
        quote, key = outbox.quote_from_json(step.request), step.idempotency_key
        check_budget(ctx.deadline, f"reserving leg {leg.position}")
        status = ctx.call(
            leg, "book the on-demand ride", lambda: provider.reserve(quote, spec_of(leg), idempotency_key=key), step
        )
        crash_point("reserve:call")
        leg.provider_booking_id = status.booking_id
        leg.vehicle_id = status.vehicle_id  # shared by pooled rides: no claim
        leg.pickup_at = status.pickup_at
        pickup = f", pickup {status.pickup_at.isoformat()}" if status.pickup_at else ""
        move_leg(ctx.db, booking, leg, S.RESERVED, f"{leg.provider} ride {status.booking_id}{pickup}")
        outbox.finish(step, status)
        ctx.db.commit()

    def start(self, ctx: SagaContext, booking: Booking, leg: BookingLeg) -> None:
        """The rider is on board (reported by the rider's app; the dispatcher is not asked).

        Raises
        ------
        IllegalTransition
            The leg is not confirmed.
        """
        self._require(leg, S.CONFIRMED, "board the on-demand ride")
        ride_started(ctx, booking, leg, "on board the on-demand ride", f"leg {leg.position} picked up")

    def end(self, ctx: SagaContext, booking: Booking, leg: BookingLeg) -> None:
        """The rider got off: the ride is paid with the ticket, so it closes at its quote (0).

        Raises
        ------
        IllegalTransition
            The leg is not in use.
        """
        self._require(leg, S.IN_USE, "get off the on-demand ride")
        leg.final_cents = leg.quote_cents
        move_leg(ctx.db, booking, leg, S.COMPLETED, "on-demand ride completed")
        ctx.db.commit()


_TICKET, _OPERATOR, _FLEX = TicketLeg(), OperatorLeg(), FlexLeg()


def handler_for(leg: BookingLeg) -> LegHandler:
    """The handler of a leg's kind: a ticket, an on-demand ride, or a shared vehicle."""
    if leg.provider == TARIFF_PROVIDER:
        return _TICKET
    return _FLEX if leg.mode == "flex" else _OPERATOR
