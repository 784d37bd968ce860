"""The payment gateway interface the booking saga calls, and the values it returns.

Amounts are integer cents. Every money-moving call takes our own stable idempotency key
for the business operation (``booking:ID:authorise``, ...); :mod:`app.payments.ledger`
also records each operation, so a retry never charges twice even where a gateway
ignores keys.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol


class IntentStatus(enum.StrEnum):
    """Where an authorisation stands (Stripe PaymentIntent statuses)."""

    REQUIRES_PAYMENT_METHOD = "requires_payment_method"
    REQUIRES_CONFIRMATION = "requires_confirmation"
    REQUIRES_ACTION = "requires_action"
    PROCESSING = "processing"
    REQUIRES_CAPTURE = "requires_capture"
    SUCCEEDED = "succeeded"
    CANCELED = "canceled"


@dataclass(frozen=True)
class Intent:
    """A payment intent as the gateway reports it."""

    intent_id: str
    status: IntentStatus
    amount_cents: int
    captured_cents: int = 0
    refunded_cents: int = 0
    client_secret: str | None = None
    """For the app to finish 3-D Secure when ``status`` is ``requires_action``."""


@dataclass(frozen=True)
class SetupResult:
    """A SetupIntent for saving a card (the app confirms it with the client secret)."""

    setup_id: str
    status: str
    client_secret: str | None


@dataclass(frozen=True)
class GatewayEvent:
    """A verified webhook event: its id (for de-duplication), type and the object it is about."""

    event_id: str
    type: str
    object_id: str | None
    object_type: str | None


class PaymentError(Exception):
    """Base of gateway failures; ``reason`` is safe to show."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PaymentDeclined(PaymentError):
    """The card or bank said no."""


class GatewayUnavailable(PaymentError):
    """The gateway could not be reached or failed; the operation may be retried with the same key."""


class WebhookRejected(PaymentError):
    """A webhook whose signature or body does not verify."""


class PaymentGateway(Protocol):
    """What the booking saga needs from a payment provider."""

    name: str

    def ensure_customer(self, *, reference: str, email: str, idempotency_key: str) -> str:
        """The gateway's customer id for one of our users (created once)."""
        ...

    def setup_card(self, customer_id: str, *, idempotency_key: str) -> SetupResult:
        """Start saving a card for later payments (SetupIntent)."""
        ...

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
        """Hold ``amount_cents`` on the card (manual capture); may come back ``requires_action`` (3-D Secure)."""
        ...

    def retrieve(self, intent_id: str) -> Intent:
        """The intent as it is now."""
        ...

    def capture(self, intent_id: str, amount_cents: int, *, idempotency_key: str) -> Intent:
        """Take ``amount_cents`` (at most the authorised amount); the rest is released."""
        ...

    def cancel(self, intent_id: str, *, idempotency_key: str) -> Intent:
        """Release an authorisation that was not captured."""
        ...

    def refund(self, intent_id: str, amount_cents: int, *, reason: str, idempotency_key: str) -> str:
        """Give back part or all of a captured amount; the refund's id."""
        ...

    def verify_webhook(self, payload: bytes, signature: str) -> GatewayEvent:
        """A webhook event whose signature checks out (raises :class:`WebhookRejected` otherwise)."""
        ...
