"""Payments against localstripe, a real Stripe-compatible server on loopback.

The gateway, bookings paid by card, 3-D Secure, webhooks verified and processed exactly once.

localstripe's known gaps (../shared/STRIPE.md) are covered elsewhere: declines other than
...0341 and idempotency keys with :class:`tests.conftest_d.payments.FakeGateway` and the
ledger tests below.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
import stripe
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.serving import make_server

from app.extensions import db
from app.models import BookingEvent, GatewayCustomer, GatewayOperation, Payment, WebhookEvent
from app.payments import ledger
from app.payments.gateway import IntentStatus, PaymentDeclined, PaymentError
from app.payments.stripe_gateway import StripeGateway
from providers.registry import ProviderRegistry
from tests.app.sandbox_trips import book, plan_shared
from tests.conftest_d.accounts import SignedIn
from tests.conftest_d.payments import FakeGateway
from tests.conftest_d.sandbox import SandboxServer
from tests.conftest_d.stripe_server import STRIPE_TEST_KEY

WEBHOOK_SECRET = "whsec_kassel_mobility_test"
VISA, THREE_D_SECURE, DECLINED_AT_CHARGE = "4242424242424242", "4000002500003155", "4000000000000341"


@pytest.fixture
def stripe_client(localstripe_url: str) -> stripe.StripeClient:
    return stripe.StripeClient(STRIPE_TEST_KEY, base_addresses={"api": localstripe_url}, max_network_retries=0)


@pytest.fixture
def gateway(localstripe_url: str) -> StripeGateway:
    return StripeGateway(STRIPE_TEST_KEY, webhook_secret=WEBHOOK_SECRET, api_base=localstripe_url)


def card(client: stripe.StripeClient, number: str, customer: str) -> str:
    method = client.v1.payment_methods.create(
        params={"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2031, "cvc": "123"}}
    )
    client.v1.payment_methods.attach(method.id, params={"customer": customer})
    return str(method.id)


def authenticate(localstripe_url: str, intent_id: str, client_secret: str, *, success: bool) -> None:
    response = requests.post(
        f"{localstripe_url}/v1/payment_intents/{intent_id}/_authenticate",
        data={"client_secret": client_secret, "success": str(success).lower(), "key": "pk_test_x"},
        timeout=10,
    )
    assert response.status_code == 200, response.text


def key() -> str:
    return f"test:{uuid.uuid4()}"


def test_gateway_authorises_captures_part_and_refunds(
    gateway: StripeGateway, stripe_client: stripe.StripeClient
) -> None:
    customer = gateway.ensure_customer(reference="holder-1", email="anna@example.org", idempotency_key=key())
    method = card(stripe_client, VISA, customer)
    intent = gateway.authorise(
        amount_cents=1000,
        currency="EUR",
        customer_id=customer,
        payment_method=method,
        description="test",
        metadata={"booking": "b1"},
        idempotency_key=key(),
    )
    assert intent.status is IntentStatus.REQUIRES_CAPTURE and intent.amount_cents == 1000
    captured = gateway.capture(intent.intent_id, 600, idempotency_key=key())
    assert captured.status is IntentStatus.SUCCEEDED
    with pytest.raises(PaymentError):
        gateway.capture(intent.intent_id, 600, idempotency_key=key())  # captured already
    assert gateway.refund(intent.intent_id, 200, reason="goodwill", idempotency_key=key()).startswith("re_")


def test_gateway_releases_an_authorisation(gateway: StripeGateway, stripe_client: stripe.StripeClient) -> None:
    customer = gateway.ensure_customer(reference="holder-2", email="bert@example.org", idempotency_key=key())
    intent = gateway.authorise(
        amount_cents=500,
        currency="EUR",
        customer_id=customer,
        payment_method=card(stripe_client, VISA, customer),
        description="test",
        metadata={},
        idempotency_key=key(),
    )
    assert gateway.cancel(intent.intent_id, idempotency_key=key()).status is IntentStatus.CANCELED
    assert gateway.retrieve(intent.intent_id).status is IntentStatus.CANCELED


def test_gateway_passes_3d_secure_on_and_reports_charge_declines(
    gateway: StripeGateway, stripe_client: stripe.StripeClient, localstripe_url: str
) -> None:
    customer = gateway.ensure_customer(reference="holder-3", email="cem@example.org", idempotency_key=key())
    intent = gateway.authorise(
        amount_cents=700,
        currency="EUR",
        customer_id=customer,
        payment_method=card(stripe_client, THREE_D_SECURE, customer),
        description="test",
        metadata={},
        idempotency_key=key(),
    )
    assert intent.status is IntentStatus.REQUIRES_ACTION and intent.client_secret
    authenticate(localstripe_url, intent.intent_id, intent.client_secret, success=True)
    assert gateway.retrieve(intent.intent_id).status is IntentStatus.REQUIRES_CAPTURE
    with pytest.raises(PaymentDeclined):
        gateway.authorise(
            amount_cents=700,
            currency="EUR",
            customer_id=customer,
            payment_method=card(stripe_client, DECLINED_AT_CHARGE, customer),
            description="test",
            metadata={},
            idempotency_key=key(),
        )
    setup = gateway.setup_card(customer, idempotency_key=key())
    assert setup.setup_id.startswith("seti_")


def test_the_ledger_never_runs_a_business_operation_twice(app: Flask) -> None:
    fake = FakeGateway()
    with app.app_context():

        def authorise() -> Any:
            return fake.authorise(
                amount_cents=900,
                currency="EUR",
                customer_id="cus",
                payment_method=None,
                description="",
                metadata={},
                idempotency_key="booking:x:authorise",
            )

        first = ledger.once(db.session, "booking:x:authorise", {"amount": 900}, authorise)
        again = ledger.once(db.session, "booking:x:authorise", {"amount": 900}, authorise)
        assert first == again and fake.calls["authorise"] == 1
        with pytest.raises(PaymentError, match="other amounts"):
            ledger.once(db.session, "booking:x:authorise", {"amount": 901}, authorise)
        assert db.session.get(GatewayOperation, "booking:x:authorise") is not None


@pytest.fixture
def stripe_app(make_app, registry: ProviderRegistry, localstripe_url: str) -> Flask:  # type: ignore[no-untyped-def]
    application: Flask = make_app(
        providers=registry,
        stripe_secret_key=STRIPE_TEST_KEY,
        stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_api_base=localstripe_url,
    )
    return application


def saved_card(
    application: Flask, client: FlaskClient, user: SignedIn, stripe_client: stripe.StripeClient, number: str
) -> str:
    setup = client.post("/api/v1/payments/setup-intents", headers=user.headers)
    assert setup.status_code == 201 and setup.get_json()["setupId"].startswith("seti_")
    with application.app_context():
        customer = db.session.scalar(select(GatewayCustomer.customer_id).where(GatewayCustomer.user_id == user.user_id))
    assert customer is not None
    return card(stripe_client, number, customer)


def test_booking_paid_by_card_captures_the_ride_price_at_stripe(
    stripe_app: Flask,
    sign_in: Callable[..., SignedIn],
    stripe_client: stripe.StripeClient,
    sandbox: SandboxServer,
) -> None:
    client = stripe_app.test_client()
    anna = sign_in(stripe_app)
    method = saved_card(stripe_app, client, anna, stripe_client, VISA)
    booking = book(client, anna, plan_shared(client)["id"], paymentMethod=method)
    assert booking.status_code == 201, booking.get_json()
    body = booking.get_json()
    assert body["payment"]["gateway"] == "stripe" and body["payment"]["state"] == "authorised"
    position = body["legs"][0]["position"]
    client.post(f"/api/v1/bookings/{body['id']}/legs/{position}/start", headers=anna.headers)
    ended = client.post(f"/api/v1/bookings/{body['id']}/legs/{position}/end", headers=anna.headers).get_json()
    assert ended["state"] == "completed" and ended["payment"]["capturedCents"] == ended["legs"][0]["finalCents"]
    with stripe_app.app_context():
        intent_id = db.session.scalar(select(Payment.intent_id))
    assert intent_id is not None
    assert stripe_client.v1.payment_intents.retrieve(intent_id).status == "succeeded"


def signed_event(event_type: str, intent_id: str, event_id: str) -> tuple[bytes, str]:
    payload = json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": event_type,
            "api_version": "2017-08-15",
            "created": int(time.time()),
            "data": {"object": {"id": intent_id, "object": "payment_intent"}},
        }
    )
    timestamp = int(time.time())
    signature = hmac.new(WEBHOOK_SECRET.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return payload.encode(), f"t={timestamp},v1={signature}"


def test_webhooks_replayed_and_out_of_order_change_state_exactly_once(
    stripe_app: Flask,
    sign_in: Callable[..., SignedIn],
    stripe_client: stripe.StripeClient,
    localstripe_url: str,
    sandbox: SandboxServer,
) -> None:
    client = stripe_app.test_client()
    anna = sign_in(stripe_app)
    method = saved_card(stripe_app, client, anna, stripe_client, THREE_D_SECURE)
    booking = book(client, anna, plan_shared(client)["id"], paymentMethod=method).get_json()
    assert booking["state"] == "reserved" and booking["payment"]["state"] == "requires_action"
    with stripe_app.app_context():
        intent_id = db.session.scalar(select(Payment.intent_id))
    assert intent_id is not None
    authenticate(localstripe_url, intent_id, booking["payment"]["clientSecret"], success=True)

    late, late_header = signed_event("payment_intent.requires_action", intent_id, "evt_old")
    fresh, fresh_header = signed_event("payment_intent.amount_capturable_updated", intent_id, "evt_new")
    answers = [
        client.post(
            "/api/v1/payments/webhook",
            data=fresh,
            headers={"Stripe-Signature": fresh_header, "Content-Type": "application/json"},
        )
        for _ in range(5)
    ]
    answers.append(
        client.post(
            "/api/v1/payments/webhook",
            data=late,
            headers={"Stripe-Signature": late_header, "Content-Type": "application/json"},
        )
    )
    assert [a.status_code for a in answers] == [200] * 6
    assert [a.get_json()["duplicate"] for a in answers] == [False, True, True, True, True, False]
    after = client.get(f"/api/v1/bookings/{booking['id']}", headers=anna.headers).get_json()
    assert after["state"] == "confirmed" and after["payment"]["state"] == "authorised"
    with stripe_app.app_context():
        confirmations = db.session.scalars(
            select(BookingEvent).where(BookingEvent.leg_position.is_(None), BookingEvent.to_state == "confirmed")
        ).all()
        assert len(confirmations) == 1
        assert db.session.query(WebhookEvent).count() == 2
    tampered = client.post(
        "/api/v1/payments/webhook",
        data=fresh.replace(b"evt_new", b"evt_xxx"),
        headers={"Stripe-Signature": fresh_header, "Content-Type": "application/json"},
    )
    assert tampered.status_code == 422 and tampered.get_json()["type"].endswith(":webhook-rejected")
    assert client.post("/api/v1/payments/webhook", data=fresh).status_code == 422


@pytest.fixture
def live_stripe_app(stripe_app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, stripe_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_localstripe_delivers_signed_webhooks_that_verify(
    stripe_app: Flask,
    live_stripe_app: str,
    localstripe_url: str,
    gateway: StripeGateway,
    stripe_client: stripe.StripeClient,
) -> None:
    hook = f"hook_{uuid.uuid4().hex[:8]}"
    registered = requests.post(
        f"{localstripe_url}/_config/webhooks/{hook}",
        timeout=10,
        data={
            "url": f"{live_stripe_app}/api/v1/payments/webhook",
            "secret": WEBHOOK_SECRET,
            "events[]": ["payment_intent.succeeded"],
        },
    )
    assert registered.status_code == 200
    customer = gateway.ensure_customer(reference="holder-hook", email="hook@example.org", idempotency_key=key())
    intent = gateway.authorise(
        amount_cents=300,
        currency="EUR",
        customer_id=customer,
        payment_method=card(stripe_client, VISA, customer),
        description="webhook test",
        metadata={},
        idempotency_key=key(),
    )
    gateway.capture(intent.intent_id, 300, idempotency_key=key())
    deadline = time.monotonic() + 15
    while True:
        with stripe_app.app_context():
            received = db.session.scalars(select(WebhookEvent).where(WebhookEvent.object_id == intent.intent_id)).all()
        if received or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert [event.type for event in received] == ["payment_intent.succeeded"]
