"""The money steps of the saga: authorise, release, capture, refund; each runs once through the ledger."""

from __future__ import annotations

import logging

from sqlalchemy import select

from app.booking.saga import outbox
from app.booking.saga.context import SagaContext
from app.booking.saga.crash import crash_point
from app.booking.saga.errors import BookingError, StepFailed
from app.models import Booking, Payment, PaymentState, Refund, SagaStep, StepOperation, User
from app.payments import ledger
from app.payments.customers import gateway_customer
from app.payments.gateway import Intent, IntentStatus, PaymentDeclined, PaymentError
from app.payments.states import settle_authorisation

logger = logging.getLogger(__name__)


def payment_state(status: IntentStatus) -> PaymentState:
    """Our payment state for a gateway intent status."""
    return {
        IntentStatus.REQUIRES_CAPTURE: PaymentState.AUTHORISED,
        IntentStatus.REQUIRES_ACTION: PaymentState.REQUIRES_ACTION,
        IntentStatus.SUCCEEDED: PaymentState.CAPTURED,
        IntentStatus.CANCELED: PaymentState.CANCELLED,
    }.get(status, PaymentState.FAILED)


def customer(ctx: SagaContext, user_id: int | None) -> str:
    """The user's customer id at the gateway (created once, recorded).

    Raises
    ------
    StepFailed
        The account was deleted.
    """
    user = None if user_id is None else ctx.db.get(User, user_id)
    if user is None:
        raise StepFailed("the account was deleted")
    return gateway_customer(ctx.db, ctx.gateway, ctx.secret_key, user)


def authorise(ctx: SagaContext, booking: Booking, payment_method: str | None) -> Payment:
    """Hold the booking's total on the card (once per booking, whatever the retries).

    Raises
    ------
    StepFailed
        The card was declined or the gateway refused.
    """
    key = f"booking:{booking.id}:authorise"
    try:
        holder = customer(ctx, booking.user_id)
        intent = ledger.once(
            ctx.db,
            key,
            {"amount": booking.total_cents, "currency": booking.currency, "method": payment_method},
            lambda: ctx.gateway.authorise(
                amount_cents=booking.total_cents,
                currency=booking.currency,
                customer_id=holder,
                payment_method=payment_method,
                description=f"kassel-mobility booking {booking.id}",
                metadata={"booking": booking.id},
                idempotency_key=key,
            ),
        )
    except PaymentDeclined as exc:
        raise StepFailed(f"payment: {exc.reason}", declined=True) from exc
    except PaymentError as exc:
        raise StepFailed(f"payment: {exc.reason}") from exc
    assert isinstance(intent, Intent)
    payment = Payment(
        booking_id=booking.id,
        gateway=ctx.gateway.name,
        intent_id=intent.intent_id,
        state=payment_state(intent.status).value,
        currency=booking.currency,
        authorised_cents=booking.total_cents,
        client_secret=intent.client_secret,
    )
    if payment.state == PaymentState.FAILED.value:
        payment.failure_reason = f"payment: the card needs attention ({intent.status})"
    ctx.db.add(payment)
    ctx.db.commit()
    return payment


def release(ctx: SagaContext, booking: Booking) -> bool:
    """Give the authorisation back; False when the gateway could not (retried by the reconciler)."""
    payment = ctx.payment(booking)
    if payment is None or payment.state not in (PaymentState.AUTHORISED.value, PaymentState.REQUIRES_ACTION.value):
        return True
    assert payment.intent_id is not None
    intent_id = payment.intent_id
    key = f"booking:{booking.id}:release"
    try:
        ledger.once(ctx.db, key, {"intent": intent_id}, lambda: ctx.gateway.cancel(intent_id, idempotency_key=key))
    except PaymentError:
        logger.warning("releasing the authorisation of %s failed", booking.id, exc_info=True)
        return False
    payment.state = PaymentState.RELEASED.value
    return True


def capture(ctx: SagaContext, booking: Booking, amount: int) -> int:
    """Capture ``amount`` (at most what was authorised); what was captured.

    Raises
    ------
    PaymentError
        The gateway refused (the booking stays open for the reconciler).
    """
    payment = ctx.payment(booking)
    if payment is None or payment.state != PaymentState.AUTHORISED.value or not payment.intent_id:
        return 0
    amount = min(amount, payment.authorised_cents)
    crash_point("capture:intent")
    # Nothing to charge: the hold is released, not captured for 0.
    settle_authorisation(ctx.db, ctx.gateway, payment, amount, f"booking:{booking.id}")
    crash_point("capture:call")
    booking.captured_cents = amount
    return amount


def refund(ctx: SagaContext, booking: Booking, amount_cents: int, reason: str) -> Refund:
    """Give back part or all of what was captured, with the reason; an outbox step like the provider calls.

    Raises
    ------
    BookingError
        Nothing captured, or more than is left.
    """
    payment = ctx.payment(booking)
    if payment is None or payment.intent_id is None or payment.captured_cents == 0:
        raise BookingError("nothing-captured", "nothing was charged for this booking")
    left = payment.captured_cents - payment.refunded_cents
    if amount_cents > left:
        raise BookingError("refund-too-large", f"at most {left} cents can still be refunded")
    number = len(list(ctx.db.scalars(select(Refund).where(Refund.payment_id == payment.id)))) + 1
    step = outbox.record_intent(
        ctx.db, booking, None, StepOperation.REFUND, {"amount": amount_cents, "reason": reason, "number": number}
    )
    ctx.db.commit()
    crash_point("refund:intent")
    return finish_refund(ctx, booking, step)


def finish_refund(ctx: SagaContext, booking: Booking, step: SagaStep) -> Refund:
    """Run (or repeat, with the same key) the refund of an outbox step and record it.

    Raises
    ------
    PaymentError
        The gateway refused (the step stays open).
    """
    payment = ctx.payment(booking)
    assert payment is not None and payment.intent_id is not None
    request = outbox.request_of(step)
    amount, reason, number = int(request["amount"]), str(request["reason"]), int(request["number"])
    key, intent_id = f"booking:{booking.id}:refund:{number}", payment.intent_id
    refund_id = ledger.once(
        ctx.db,
        key,
        {"amount": amount, "reason": reason},
        lambda: ctx.gateway.refund(intent_id, amount, reason=reason, idempotency_key=key),
    )
    crash_point("refund:call")
    row = Refund(payment_id=payment.id, amount_cents=amount, reason=reason, gateway_refund_id=str(refund_id))
    ctx.db.add(row)
    payment.refunded_cents += amount
    payment.state = (
        PaymentState.REFUNDED if payment.refunded_cents == payment.captured_cents else PaymentState.PARTIALLY_REFUNDED
    ).value
    outbox.finish(step, {"refund": str(refund_id)})
    ctx.db.commit()
    return row
