"""Stripe as the payment gateway (stripe-python 16, ``StripeClient``), also pointed at localstripe in tests."""

from __future__ import annotations

import logging
from typing import Any

import stripe

from app.payments.gateway import (
    GatewayEvent,
    GatewayUnavailable,
    Intent,
    IntentStatus,
    PaymentDeclined,
    PaymentError,
    SetupResult,
    WebhookRejected,
)

logger = logging.getLogger(__name__)


def _intent(obj: Any) -> Intent:
    data = obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)
    status = IntentStatus(data["status"])
    amount = int(data.get("amount") or 0)
    received = data.get("amount_received")
    refunded = 0
    charges = (data.get("charges") or {}).get("data") or []
    latest = data.get("latest_charge")
    if isinstance(latest, dict):
        charges = [latest, *charges]
    if charges:
        refunded = max(int(charge.get("amount_refunded") or 0) for charge in charges)
    if received is None:  # localstripe's 2017-shaped objects: a partial capture shows as a refund of the rest
        captured = sum(int(c.get("amount") or 0) for c in charges[:1]) if status is IntentStatus.SUCCEEDED else 0
    else:
        captured = int(received)
    return Intent(
        intent_id=str(data["id"]),
        status=status,
        amount_cents=amount,
        captured_cents=captured,
        refunded_cents=refunded,
        client_secret=data.get("client_secret"),
    )


class StripeGateway:
    """Stripe PaymentIntents with manual capture, SetupIntents, refunds and signed webhooks."""

    name = "stripe"

    def __init__(self, secret_key: str, *, webhook_secret: str | None, api_base: str | None = None) -> None:
        options: dict[str, Any] = {"max_network_retries": 2}
        if api_base:
            options["base_addresses"] = {"api": api_base}
        self.client = stripe.StripeClient(secret_key, **options)
        self.webhook_secret = webhook_secret

    def _call(self, what: str, function: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except stripe.CardError as exc:
            raise PaymentDeclined(f"the card was declined ({exc.code or 'card_declined'})") from exc
        except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
            raise GatewayUnavailable(f"Stripe could not be reached for {what}") from exc
        except stripe.StripeError as exc:
            logger.warning("stripe refused %s", what, exc_info=True)
            status = getattr(exc, "http_status", None)
            if status is not None and status >= 500:
                raise GatewayUnavailable(f"Stripe failed on {what} ({status})") from exc
            raise PaymentError(f"Stripe refused {what}: {exc.user_message or exc}") from exc

    def ensure_customer(self, *, reference: str, email: str, idempotency_key: str) -> str:
        """A new Stripe Customer (the caller stores its id per user)."""
        customer = self._call(
            "the customer",
            self.client.v1.customers.create,
            params={"email": email, "metadata": {"reference": reference}},
            options={"idempotency_key": idempotency_key},
        )
        return str(customer.id)

    def setup_card(self, customer_id: str, *, idempotency_key: str) -> SetupResult:
        """A SetupIntent for off-session use."""
        setup = self._call(
            "saving a card",
            self.client.v1.setup_intents.create,
            params={"customer": customer_id, "usage": "off_session"},
            options={"idempotency_key": idempotency_key},
        )
        return SetupResult(setup_id=str(setup.id), status=str(setup.status), client_secret=setup.client_secret)

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
        """A PaymentIntent with ``capture_method=manual``, confirmed at once when a card is given."""
        params: dict[str, Any] = {  # the description rides in metadata (localstripe refuses the field)
            "amount": amount_cents,
            "currency": currency.lower(),
            "customer": customer_id,
            "capture_method": "manual",
            "metadata": {**metadata, "description": description},
        }
        if payment_method:
            params |= {"payment_method": payment_method, "confirm": True}
        intent = self._call(
            "the authorisation",
            self.client.v1.payment_intents.create,
            params=params,
            options={"idempotency_key": idempotency_key},
        )
        return _intent(intent)

    def retrieve(self, intent_id: str) -> Intent:
        """The PaymentIntent now."""
        return _intent(self._call("reading the payment", self.client.v1.payment_intents.retrieve, intent_id))

    def capture(self, intent_id: str, amount_cents: int, *, idempotency_key: str) -> Intent:
        """Capture ``amount_cents`` of the authorisation."""
        intent = self._call(
            "the capture",
            self.client.v1.payment_intents.capture,
            intent_id,
            params={"amount_to_capture": amount_cents},
            options={"idempotency_key": idempotency_key},
        )
        return _intent(intent)

    def cancel(self, intent_id: str, *, idempotency_key: str) -> Intent:
        """Release the authorisation."""
        intent = self._call(
            "releasing the authorisation",
            self.client.v1.payment_intents.cancel,
            intent_id,
            options={"idempotency_key": idempotency_key},
        )
        return _intent(intent)

    def refund(self, intent_id: str, amount_cents: int, *, reason: str, idempotency_key: str) -> str:
        """A Refund on the PaymentIntent (our reason in metadata; Stripe's reason field takes fixed values)."""
        refund = self._call(
            "the refund",
            self.client.v1.refunds.create,
            params={"payment_intent": intent_id, "amount": amount_cents, "metadata": {"reason": reason}},
            options={"idempotency_key": idempotency_key},
        )
        return str(refund.id)

    def verify_webhook(self, payload: bytes, signature: str) -> GatewayEvent:
        """``stripe.Webhook.construct_event`` on the raw body with the default 300 s tolerance."""
        if not self.webhook_secret:
            raise WebhookRejected("no webhook secret is configured")
        try:
            event = stripe.Webhook.construct_event(payload, signature, self.webhook_secret)
        except (ValueError, stripe.SignatureVerificationError) as exc:
            raise WebhookRejected(f"the webhook does not verify: {exc}") from exc
        obj = event.data.object
        return GatewayEvent(
            event_id=str(event.id),
            type=str(event.type),
            object_id=getattr(obj, "id", None),
            object_type=getattr(obj, "object", None),
        )
