"""The payment state machine: which state follows which, and settling an authorisation.

```
requires_action -> authorised | failed | released
authorised      -> captured (amount > 0) | released (nothing charged) | failed
captured        -> partially_refunded | refunded
partially_refunded -> partially_refunded | refunded
```
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.models import Payment, PaymentState
from app.payments import ledger
from app.payments.gateway import PaymentGateway

P = PaymentState
PAYMENT_TRANSITIONS: dict[PaymentState, frozenset[PaymentState]] = {
    P.REQUIRES_ACTION: frozenset({P.AUTHORISED, P.FAILED, P.RELEASED}),
    P.AUTHORISED: frozenset({P.CAPTURED, P.RELEASED, P.FAILED}),
    P.CAPTURED: frozenset({P.PARTIALLY_REFUNDED, P.REFUNDED}),
    P.PARTIALLY_REFUNDED: frozenset({P.PARTIALLY_REFUNDED, P.REFUNDED}),
    P.REFUNDED: frozenset(),
    P.RELEASED: frozenset(),
    P.FAILED: frozenset(),
}


class IllegalPaymentTransition(Exception):
    """A payment state change the rules do not allow (nothing is changed)."""


def move_payment(payment: Payment, to: PaymentState) -> None:
    """Change the payment's state.

    Raises
    ------
    IllegalPaymentTransition
        When the payment may not go from its state to ``to``.
    """
    current = PaymentState(payment.state)
    if to not in PAYMENT_TRANSITIONS[current]:
        msg = f"payment of booking {payment.booking_id} cannot go from {current} to {to}"
        raise IllegalPaymentTransition(msg)
    payment.state = to.value


def settled_state(amount_cents: int) -> PaymentState:
    """The state of an authorisation settled for ``amount_cents``: nothing charged is ``released``."""
    return PaymentState.CAPTURED if amount_cents > 0 else PaymentState.RELEASED


def record_settlement(payment: Payment, amount_cents: int) -> None:
    """Record that an authorised payment was settled: captured for ``amount_cents``, or released when 0.

    Raises
    ------
    IllegalPaymentTransition
        The payment is not authorised.
    """
    move_payment(payment, settled_state(amount_cents))
    payment.captured_cents = amount_cents


def settle_authorisation(db: Session, gateway: PaymentGateway, payment: Payment, amount_cents: int, key: str) -> int:
    """Capture ``amount_cents`` of an authorised payment, or release the hold when it is 0; the amount taken.

    ``key`` prefixes the ledger keys (``KEY:capture``, ``KEY:release``), so a retry never
    charges twice.

    Raises
    ------
    IllegalPaymentTransition
        The payment is not authorised.
    PaymentError
        The gateway refused.
    """
    if payment.intent_id is None or payment.state != PaymentState.AUTHORISED.value:
        msg = f"payment of booking {payment.booking_id} is {payment.state}, not authorised"
        raise IllegalPaymentTransition(msg)
    intent_id = payment.intent_id
    if amount_cents > 0:
        capture_key = f"{key}:capture"
        ledger.once(
            db,
            capture_key,
            {"amount": amount_cents},
            lambda: gateway.capture(intent_id, amount_cents, idempotency_key=capture_key),
        )
    else:
        release_key = f"{key}:release"
        ledger.once(
            db, release_key, {"intent": intent_id}, lambda: gateway.cancel(intent_id, idempotency_key=release_key)
        )
    record_settlement(payment, amount_cents)
    return amount_cents


__all__ = [
    "PAYMENT_TRANSITIONS",
    "IllegalPaymentTransition",
    "move_payment",
    "record_settlement",
    "settle_authorisation",
    "settled_state",
]
