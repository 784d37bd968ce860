"""The booking's path: advance it, compensate a failure, settle what was ridden, and reconcile what a crash left."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import exists, or_, select, update

from app.booking.saga import outbox, payments
from app.booking.saga.budget import check_budget
from app.booking.saga.context import SagaContext
from app.booking.saga.errors import OutOfBudget, StepFailed
from app.booking.saga.legs import handler_for
from app.booking.states import (
    CLOSED_LEG_STATES,
    FINAL_STATES,
    OPEN_LEG_STATES,
    IllegalTransition,
    move_booking,
    move_leg,
)
from app.models import (
    Booking,
    BookingLeg,
    BookingState,
    PaymentState,
    SagaStep,
    StepOperation,
    StepState,
    VehicleClaim,
    as_utc,
    utc_now,
)
from app.payments.gateway import GatewayUnavailable, PaymentError

logger = logging.getLogger(__name__)
S = BookingState
RIDE_OPEN = frozenset({S.RESERVED, S.CONFIRMED, S.IN_USE})


@dataclass
class SagaFlow:
    """Advance, compensate, settle and reconcile bookings."""

    ctx: SagaContext
    failure: StepFailed | None = None
    """The step that failed in the last :meth:`advance` (None: it went through or waits)."""
    out_of_budget: OutOfBudget | None = None
    """Set when the last :meth:`advance` stopped because the time budget ran out (the booking stays pending)."""
    handled: list[str] = field(default_factory=list)

    # Forward -----------------------------------------------------------------------------------

    def advance(self, booking: Booking, payment_method: str | None = None) -> None:
        """Run the saga from wherever the booking stands; on a failed step, compensate (see :attr:`failure`)."""
        self.failure = self.out_of_budget = None
        ctx = self.ctx
        try:
            for leg in ctx.legs(booking):
                if leg.state == S.PENDING:
                    handler_for(leg).reserve(ctx, booking, leg)
            payment = ctx.payment(booking)
            if payment is None:
                check_budget(ctx.deadline, "authorising the payment")
                payment = payments.authorise(ctx, booking, payment_method)
            if payment.state == PaymentState.REQUIRES_ACTION.value:
                if booking.state == S.PENDING:
                    move_booking(
                        ctx.db, booking, S.RESERVED, "waiting for the card holder to authenticate (3-D Secure)"
                    )
                    ctx.db.commit()
                return
            if payment.state != PaymentState.AUTHORISED.value:
                raise StepFailed(payment.failure_reason or f"the payment is {payment.state}")
            for leg in ctx.legs(booking):
                if leg.state == S.RESERVED:
                    handler_for(leg).confirm(ctx, booking, leg)
            move_booking(ctx.db, booking, S.CONFIRMED, "every leg confirmed, payment authorised")
            ctx.db.commit()
            if not any(handler_for(leg).rideable for leg in ctx.legs(booking)):
                self.settle_if_done(booking)  # only tickets: bought now
        except OutOfBudget as exhausted:
            ctx.db.rollback()
            self.out_of_budget = exhausted
            logger.info("booking %s left in flight: %s", booking.id, exhausted)
        except StepFailed as failure:
            ctx.db.rollback()
            self.failure = failure
            self.compensate(booking, failure.reason)

    def authenticated(self, booking: Booking) -> None:
        """Continue after 3-D Secure: re-read the payment and confirm the legs, or compensate."""
        ctx = self.ctx
        payment = ctx.payment(booking)
        if booking.state != S.RESERVED or payment is None or payment.intent_id is None:
            return
        intent = ctx.gateway.retrieve(payment.intent_id)
        payment.state = payments.payment_state(intent.status).value
        ctx.db.commit()
        if payment.state == PaymentState.REQUIRES_ACTION.value:
            return
        if payment.state != PaymentState.AUTHORISED.value:
            self.compensate(booking, "payment: the card holder did not authenticate")
            return
        self.advance(booking)

    # Undoing -------------------------------------------------------------------------------------

    def compensate(self, booking: Booking, reason: str) -> None:
        """Undo every reserved leg and the authorisation; the booking ends ``failed`` (or stays for the reconciler)."""
        ctx = self.ctx
        booking.failure_reason = reason
        undone = True
        for leg in ctx.legs(booking):
            if leg.state == S.PENDING:
                undone &= self._undo_pending(booking, leg)
            elif leg.state in OPEN_LEG_STATES:
                undone &= handler_for(leg).cancel(ctx, booking, leg, "compensation: " + reason, charge_fee=False)
        ctx.db.commit()
        undone &= payments.release(ctx, booking)
        if undone:
            self.free_claims(booking)
            if booking.state not in FINAL_STATES:
                move_booking(ctx.db, booking, S.FAILED, reason)
        ctx.db.commit()

    def _undo_pending(self, booking: Booking, leg: BookingLeg) -> bool:
        """A leg never reserved, unless an open reservation says the operator may hold something: find and free it."""
        ctx = self.ctx
        step = outbox.open_step(ctx.db, booking, leg, StepOperation.RESERVE)
        if step is not None:
            try:
                handler_for(leg).recover(ctx, booking, leg, step)
            except StepFailed:
                ctx.db.rollback()
                if outbox.open_step(ctx.db, booking, leg, StepOperation.RESERVE) is not None:
                    return False  # the operator could not be asked: the reconciler tries again
        if leg.state == S.RESERVED:  # the lost hold was found: release it
            return handler_for(leg).cancel(
                ctx, booking, leg, "compensation: a hold found after a crash", charge_fee=False
            )
        if leg.state == S.PENDING:
            leg.reason = leg.reason or "not reserved: an earlier step failed"
            move_leg(ctx.db, booking, leg, S.FAILED, leg.reason)
        return True

    def free_claims(self, booking: Booking) -> None:
        """The booking no longer holds its vehicles."""
        self.ctx.db.execute(update(VehicleClaim).where(VehicleClaim.booking_id == booking.id).values(active=False))

    # Settling ---------------------------------------------------------------------------------------

    def after_leg_change(self, booking: Booking, detail: str) -> None:
        """A leg was cancelled or ended: close the booking when every leg is cancelled, settle when none is open."""
        ctx = self.ctx
        legs = ctx.legs(booking)
        if all(leg.state in CLOSED_LEG_STATES for leg in legs) and not any(leg.final_cents for leg in legs):
            if payments.release(ctx, booking):
                self.free_claims(booking)
                move_booking(ctx.db, booking, S.CANCELLED, detail)
            ctx.db.commit()
            return
        self.settle_if_done(booking)

    def settle_if_done(self, booking: Booking) -> None:
        """No ride left open: tickets still confirmed count as bought, capture rides and fees, close the booking."""
        ctx = self.ctx
        legs = ctx.legs(booking)
        if any(handler_for(leg).rideable and leg.state in RIDE_OPEN for leg in legs):
            return
        for leg in legs:
            if leg.state == S.CONFIRMED:
                handler_for(leg).settle(ctx, booking, leg)
        amount = sum(leg.final_cents or 0 for leg in legs if leg.state in (S.COMPLETED, S.CANCELLED))
        captured = payments.capture(ctx, booking, amount)
        self.free_claims(booking)
        ridden = any(leg.state == S.COMPLETED for leg in legs)
        if booking.state not in FINAL_STATES:
            move_booking(ctx.db, booking, S.COMPLETED if ridden else S.CANCELLED, f"settled: {captured} cents captured")
        ctx.db.commit()

    # Recovery ------------------------------------------------------------------------------------

    def reconcile(self, *, older_than: timedelta = timedelta(minutes=2)) -> list[str]:
        """Finish or compensate every booking a crash or a timeout left in flight; the ids handled.

        In flight: ``pending`` or ``reserved``; any booking with a step attempt left open;
        a ``confirmed``/``in_use`` booking with no ride left open (settling was cut short).
        """
        ctx = self.ctx
        cutoff = utc_now() - older_than
        open_ride = exists().where(
            BookingLeg.booking_id == Booking.id,
            BookingLeg.state.in_([S.RESERVED, S.CONFIRMED, S.IN_USE]),
            BookingLeg.provider != "tariff",
        )
        query = (
            select(Booking)
            .where(
                or_(
                    Booking.state.in_([S.PENDING, S.RESERVED]),
                    Booking.id.in_(select(SagaStep.booking_id).where(SagaStep.state == StepState.INTENT.value)),
                    Booking.state.in_([S.CONFIRMED, S.IN_USE]) & ~open_ride,
                )
            )
            .with_for_update(skip_locked=True)
        )  # two reconcilers never take the same booking
        stale_steps = set(outbox.bookings_with_open_steps(ctx.db, cutoff))
        handled = []
        for booking in list(ctx.db.scalars(query)):
            if as_utc(booking.updated_at) > cutoff and booking.id not in stale_steps:
                continue  # still being worked on by its own request
            try:
                self._reconcile_one(booking, cutoff)
            except (StepFailed, IllegalTransition, PaymentError, GatewayUnavailable, OutOfBudget):
                logger.warning("reconciling %s failed; it is retried next time", booking.id, exc_info=True)
                ctx.db.rollback()
            handled.append(booking.id)
        return handled

    def _reconcile_one(self, booking: Booking, cutoff: object) -> None:
        ctx = self.ctx
        legs = {leg.position: leg for leg in ctx.legs(booking)}
        for step in outbox.open_steps(ctx.db, booking):
            if step.operation == StepOperation.REFUND.value:
                payments.finish_refund(ctx, booking, step)
                continue
            leg = legs.get(step.leg_position if step.leg_position is not None else -1)
            if leg is None:
                outbox.fail(step, "no such leg")
                ctx.db.commit()
                continue
            if booking.failure_reason is not None and step.operation != StepOperation.RESERVE.value:
                if step.operation != StepOperation.CANCEL.value:
                    outbox.fail(step, "superseded: the booking is being compensated")
                    ctx.db.commit()
                    continue
            try:
                handler_for(leg).recover(ctx, booking, leg, step)
            except StepFailed as failed:
                if failed.in_flight:
                    raise  # the operator still does not answer: try again next time
                booking.failure_reason = booking.failure_reason or failed.reason  # refused: undo the booking
                ctx.db.commit()
        if booking.state == S.PENDING:
            if booking.failure_reason is not None:
                self.compensate(booking, booking.failure_reason)
            else:
                self.advance(booking)
        elif booking.state == S.RESERVED:
            self.authenticated(booking)
            if booking.state == S.RESERVED:  # still not authenticated: give the vehicles back
                self.compensate(booking, "payment: not authenticated in time")
        elif booking.state in (S.CONFIRMED, S.IN_USE):
            self.after_leg_change(booking, "every leg cancelled (finished after an interruption)")
        elif booking.state in FINAL_STATES:
            ctx.db.commit()
