"""Saving cards and the payment gateway's webhook."""

from __future__ import annotations

import secrets

from flask import current_app, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.accounts.access import current_user
from app.accounts.policy import ACCOUNT, PUBLIC
from app.booking.request_saga import saga
from app.booking.saga import StepFailed, payment_state
from app.errors import RuleViolation, ServiceUnavailable
from app.extensions import db
from app.models import Booking, Payment, PaymentState, WebhookEvent
from app.openapi import ApiBlueprint, Header
from app.payments.gateway import GatewayEvent, PaymentError, PaymentGateway, WebhookRejected
from app.schemas.bookings import SetupIntentOut
from app.schemas.common import ApiModel

blueprint = ApiBlueprint("payments", __name__, tag="payments")

SIGNATURE_HEADERS = ("Stripe-Signature", "X-Offline-Signature")
SIGNATURE_DOCS = (
    Header("Stripe-Signature", "The gateway's signature of the raw body (Stripe)", {"type": "string"}),
    Header("X-Offline-Signature", "The signature of the raw body (the offline test gateway)", {"type": "string"}),
)


class WebhookAck(ApiModel):
    """The event was taken (``duplicate``: it had been processed before and changed nothing)."""

    received: bool
    duplicate: bool


def _gateway() -> PaymentGateway:
    gateway: PaymentGateway = current_app.extensions["mobility.payments"]
    return gateway


@blueprint.operation(
    "/payments/setup-intents",
    method="POST",
    summary="Start saving a card",
    response=SetupIntentOut,
    status=201,
    errors=(503,),
    auth=ACCOUNT,
)
def create_setup_intent() -> SetupIntentOut:
    """A SetupIntent for the signed-in user's customer.

    Confirm it in the app with the client secret; the saved card's PaymentMethod id can then
    be sent with bookings.
    """
    user = current_user()
    runner = saga()
    try:
        customer = runner.customer(user.id)
        setup = _gateway().setup_card(customer, idempotency_key=f"user:{user.id}:setup:{secrets.token_hex(8)}")
    except (PaymentError, StepFailed) as exc:
        raise ServiceUnavailable(f"the payment service could not start saving a card: {exc}") from exc
    return SetupIntentOut(setup_id=setup.setup_id, status=setup.status, client_secret=setup.client_secret)


def _apply(event: GatewayEvent) -> None:
    """Bring our payment in line with the gateway's object (re-read: events may come in any order)."""
    if event.object_type != "payment_intent" or not event.object_id:
        return
    payment = db.session.scalar(select(Payment).where(Payment.intent_id == event.object_id))
    if payment is None:
        return
    intent = _gateway().retrieve(event.object_id)
    fetched = payment_state(intent.status)
    if payment.state == PaymentState.REQUIRES_ACTION.value and fetched is not PaymentState.REQUIRES_ACTION:
        booking = db.session.get(Booking, payment.booking_id)
        if booking is not None:
            saga().authenticated(booking)
        return
    if fetched is PaymentState.CANCELLED and payment.state == PaymentState.AUTHORISED.value:
        payment.state, payment.failure_reason = fetched.value, "the authorisation was released by the gateway"
    elif fetched is PaymentState.FAILED and payment.state in (PaymentState.AUTHORISED.value,):
        payment.state, payment.failure_reason = fetched.value, f"the gateway reports {intent.status}"


@blueprint.operation(
    "/payments/webhook",
    method="POST",
    summary="Payment gateway events",
    response=WebhookAck,
    errors=(422, 503),
    auth=PUBLIC,
    headers=SIGNATURE_DOCS,
)
def payment_webhook() -> WebhookAck:
    """For the gateway, not the app.

    The raw body's signature is verified (Stripe: ``Stripe-Signature``); each event id is processed
    once, in the same transaction as its effect; the payment is re-read from the gateway rather than
    trusted from the event, so events may arrive late, twice or out of order.
    """
    signature = next((request.headers[h] for h in SIGNATURE_HEADERS if h in request.headers), None)
    if signature is None:
        raise RuleViolation("webhook-rejected", "missing Stripe-Signature header")
    try:
        event = _gateway().verify_webhook(request.get_data(cache=False), signature)
    except WebhookRejected as exc:
        raise RuleViolation("webhook-rejected", exc.reason) from exc
    db.session.add(WebhookEvent(event_id=event.event_id, type=event.type, object_id=event.object_id))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return WebhookAck(received=True, duplicate=True)
    try:
        _apply(event)
    except PaymentError as exc:
        db.session.rollback()
        raise ServiceUnavailable(f"the gateway could not be read back: {exc.reason}; deliver the event again") from exc
    db.session.commit()
    return WebhookAck(received=True, duplicate=False)
