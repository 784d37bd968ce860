"""A scripted payment gateway for the paths real test servers cannot produce (declines, outages), counting calls."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field

from app.payments.gateway import (
    GatewayEvent,
    GatewayUnavailable,
    Intent,
    IntentStatus,
    PaymentDeclined,
    SetupResult,
    WebhookRejected,
)

__all__ = ["FakeGateway"]


@dataclass
class FakeGateway:
    """Approves everything unless told otherwise; ``calls`` counts every method called."""

    name: str = "fake"
    decline: bool = False
    unavailable: bool = False
    needs_authentication: bool = False
    calls: Counter[str] = field(default_factory=Counter)
    intents: dict[str, Intent] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def _fail(self) -> None:
        if self.unavailable:
            raise GatewayUnavailable("the fake gateway is down")

    def ensure_customer(self, *, reference: str, email: str, idempotency_key: str) -> str:
        self.calls["ensure_customer"] += 1
        self._fail()
        return f"cus_{reference[:8]}"

    def setup_card(self, customer_id: str, *, idempotency_key: str) -> SetupResult:
        self.calls["setup_card"] += 1
        return SetupResult(setup_id="seti_1", status="requires_payment_method", client_secret="seti_1_secret")

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
        self.calls["authorise"] += 1
        self._fail()
        if self.decline:
            raise PaymentDeclined("the card was declined (insufficient_funds)")
        status = IntentStatus.REQUIRES_ACTION if self.needs_authentication else IntentStatus.REQUIRES_CAPTURE
        intent = Intent(f"pi_fake_{next(self._ids)}", status, amount_cents, client_secret="secret")
        self.intents[intent.intent_id] = intent
        return intent

    def retrieve(self, intent_id: str) -> Intent:
        self.calls["retrieve"] += 1
        return self.intents[intent_id]

    def capture(self, intent_id: str, amount_cents: int, *, idempotency_key: str) -> Intent:
        self.calls["capture"] += 1
        intent = self.intents[intent_id]
        self.intents[intent_id] = Intent(
            intent_id, IntentStatus.SUCCEEDED, intent.amount_cents, captured_cents=amount_cents
        )
        return self.intents[intent_id]

    def cancel(self, intent_id: str, *, idempotency_key: str) -> Intent:
        self.calls["cancel"] += 1
        intent = self.intents[intent_id]
        self.intents[intent_id] = Intent(intent_id, IntentStatus.CANCELED, intent.amount_cents)
        return self.intents[intent_id]

    def refund(self, intent_id: str, amount_cents: int, *, reason: str, idempotency_key: str) -> str:
        self.calls["refund"] += 1
        return f"re_fake_{next(self._ids)}"

    def verify_webhook(self, payload: bytes, signature: str) -> GatewayEvent:
        raise WebhookRejected("the fake gateway takes no webhooks")
