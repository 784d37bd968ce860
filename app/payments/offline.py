"""The offline payment gateway: a ledger in our own database, for development and the demo.

NOT FOR PRODUCTION: no money moves. ``create_app`` refuses it when
``MOBILITY_ENV=production`` (the settings demand Stripe keys there). Cards are simulated
by payment-method ids: ``pm_card_visa`` (approved), ``pm_card_chargeDeclined`` (declined),
``pm_card_authenticationRequired`` (3-D Secure: ``requires_action`` until
:meth:`OfflineGateway.authenticate`); no payment method counts as an approved card.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets

from flask_sqlalchemy import SQLAlchemy

from app.models import OfflinePayment
from app.payments.gateway import (
    GatewayEvent,
    Intent,
    IntentStatus,
    PaymentDeclined,
    PaymentError,
    SetupResult,
    WebhookRejected,
)

DECLINED = "pm_card_chargeDeclined"
NEEDS_AUTHENTICATION = "pm_card_authenticationRequired"


def _intent(row: OfflinePayment) -> Intent:
    return Intent(
        intent_id=row.id,
        status=IntentStatus(row.status),
        amount_cents=row.amount_cents,
        captured_cents=row.captured_cents,
        refunded_cents=row.refunded_cents,
        client_secret=f"{row.id}_secret",
    )


class OfflineGateway:
    """Payments recorded in the ``offline_payments`` table (development only)."""

    name = "offline"

    def __init__(self, db: SQLAlchemy, *, webhook_secret: str) -> None:
        self.db = db
        self.webhook_secret = webhook_secret

    def _row(self, intent_id: str) -> OfflinePayment:
        row = self.db.session.get(OfflinePayment, intent_id)
        if row is None:
            raise PaymentError(f"no offline payment {intent_id}")
        return row

    def ensure_customer(self, *, reference: str, email: str, idempotency_key: str) -> str:
        """A customer id derived from our reference."""
        return f"cus_offline_{hashlib.sha256(reference.encode()).hexdigest()[:16]}"

    def setup_card(self, customer_id: str, *, idempotency_key: str) -> SetupResult:
        """A setup that succeeds at once."""
        return SetupResult(setup_id=f"seti_offline_{secrets.token_hex(8)}", status="succeeded", client_secret=None)

    def authorise(
        self,
        *,
        amount_cents: int,
        currency: str,
        customer_id: str,
        payment_method: str | None,
        description: str,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> Intent:
        """Hold the amount (simulated cards decide the outcome); the same key returns the same hold."""
        if payment_method == DECLINED:
            raise PaymentDeclined("the card was declined (card_declined)")
        intent_id = f"pi_offline_{hashlib.sha256(idempotency_key.encode()).hexdigest()[:20]}"
        earlier = self.db.session.get(OfflinePayment, intent_id)
        if earlier is not None:  # a retry after a crash between our call and our record of it
            return _intent(earlier)
        status = (
            IntentStatus.REQUIRES_ACTION if payment_method == NEEDS_AUTHENTICATION else IntentStatus.REQUIRES_CAPTURE
        )
        row = OfflinePayment(
            id=intent_id,
            customer_id=customer_id,
            status=status.value,
            amount_cents=amount_cents,
            currency=currency,
            description=description,
        )
        self.db.session.add(row)
        self.db.session.commit()
        return _intent(row)

    def authenticate(self, intent_id: str, *, success: bool) -> Intent:
        """Finish simulated 3-D Secure (what the app's SDK does with the client secret)."""
        row = self._row(intent_id)
        if row.status == IntentStatus.REQUIRES_ACTION.value:
            row.status = (IntentStatus.REQUIRES_CAPTURE if success else IntentStatus.REQUIRES_PAYMENT_METHOD).value
            self.db.session.commit()
        return _intent(row)

    def retrieve(self, intent_id: str) -> Intent:
        """The recorded payment."""
        return _intent(self._row(intent_id))

    def capture(self, intent_id: str, amount_cents: int, *, idempotency_key: str) -> Intent:
        """Capture up to the held amount."""
        row = self._row(intent_id)
        if row.status == IntentStatus.SUCCEEDED.value and row.captured_cents == amount_cents:
            return _intent(row)  # the same capture again (a retry): nothing more is taken
        if row.status != IntentStatus.REQUIRES_CAPTURE.value or amount_cents > row.amount_cents:
            raise PaymentError(f"cannot capture {amount_cents} cents of {intent_id} ({row.status})")
        row.status, row.captured_cents = IntentStatus.SUCCEEDED.value, amount_cents
        self.db.session.commit()
        return _intent(row)

    def cancel(self, intent_id: str, *, idempotency_key: str) -> Intent:
        """Release an uncaptured hold."""
        row = self._row(intent_id)
        if row.status == IntentStatus.SUCCEEDED.value:
            raise PaymentError(f"{intent_id} was captured; refund it instead")
        if row.status == IntentStatus.CANCELED.value:
            return _intent(row)  # released already (a retry)
        row.status = IntentStatus.CANCELED.value
        self.db.session.commit()
        return _intent(row)

    def refund(self, intent_id: str, amount_cents: int, *, reason: str, idempotency_key: str) -> str:
        """Give back part of the captured amount."""
        row = self._row(intent_id)
        if row.status != IntentStatus.SUCCEEDED.value or row.refunded_cents + amount_cents > row.captured_cents:
            raise PaymentError(f"cannot refund {amount_cents} cents of {intent_id}")
        row.refunded_cents += amount_cents
        self.db.session.commit()
        return f"re_offline_{secrets.token_hex(8)}"

    def verify_webhook(self, payload: bytes, signature: str) -> GatewayEvent:
        """Offline webhooks are HMAC-SHA256 of the body with the app's webhook secret (hex)."""
        expected = hmac.new(self.webhook_secret.encode(), payload, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            raise WebhookRejected("the webhook signature does not verify")
        try:
            event = json.loads(payload)
            return GatewayEvent(
                event_id=str(event["id"]),
                type=str(event["type"]),
                object_id=event.get("object_id"),
                object_type=event.get("object_type"),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise WebhookRejected(f"the webhook body is not an event: {exc}") from exc
