"""A booking worker SIGKILLed at every saga step, against the sandbox operator; the reconciler makes it whole.

Each case forks the test process: the child runs one API action with
``MOBILITY_SAGA_CRASH_AT`` naming the step, so it kills itself (SIGKILL) right after that
step's intent was committed (``:intent``) or right after the operator or gateway answered
(``:call``). The parent then runs the reconciler and checks: the operator's state of every
leg equals ours, no vehicle is held that we do not hold, every authorisation is captured or
released once the booking is final (and the gateway agrees), claims are active only while
the booking is open, and no step is left open. Deterministic: the crash happens at a named
step, never after a timeout.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from app.booking.saga import BookingSaga
from app.booking.saga.crash import CRASH_ENV
from app.booking.states import FINAL_STATES
from app.extensions import db
from app.models import Booking, BookingLeg, OfflinePayment, Payment, Refund, SagaStep, VehicleClaim
from providers.model import BookingState
from providers.registry import InstanceConfig, ProviderRegistry, build_registry, discover_factories
from tests.app.sandbox_trips import book, held, plan_shared
from tests.conftest_d.accounts import SignedIn
from tests.conftest_d.sandbox import SANDBOX_API_KEY, SandboxServer

S = BookingState
GATEWAY_STATUS = {"authorised": "requires_capture", "captured": "succeeded", "released": "canceled"}


@dataclass(frozen=True)
class Case:
    """One crash point: what happens before it, the action that crashes, and where the reconciler leaves the booking."""

    point: str
    setup: tuple[str, ...]
    action: str
    expected: BookingState


CASES = [
    Case("reserve:intent", (), "book", S.CONFIRMED),
    Case("reserve:call", (), "book", S.CONFIRMED),
    Case("confirm:intent", (), "book", S.CONFIRMED),
    Case("confirm:call", (), "book", S.CONFIRMED),
    Case("start:intent", ("book",), "start", S.CONFIRMED),
    Case("start:call", ("book",), "start", S.IN_USE),
    Case("end:intent", ("book", "start"), "end", S.COMPLETED),
    Case("end:call", ("book", "start"), "end", S.COMPLETED),
    Case("capture:intent", ("book", "start"), "end", S.COMPLETED),
    Case("capture:call", ("book", "start"), "end", S.COMPLETED),
    Case("cancel:intent", ("book",), "cancel", S.CANCELLED),
    Case("cancel:call", ("book",), "cancel", S.CANCELLED),
    Case("refund:intent", ("book", "start", "end"), "refund", S.COMPLETED),
    Case("refund:call", ("book", "start", "end"), "refund", S.COMPLETED),
]


class Trip:
    """One rider's booking, driven through the API."""

    def __init__(self, app: Flask, rider: SignedIn, admin: SignedIn) -> None:
        self.app, self.rider, self.admin = app, rider, admin
        self.client = app.test_client()
        self.itinerary = plan_shared(self.client)
        self.booking_id: str | None = None
        self.position: int | None = None

    def run(self, action: str) -> Any:
        """Do one action; the answer's status code."""
        if action == "book":
            answer = book(self.client, self.rider, self.itinerary["id"], key=f"crash-{id(self)}")
            body = answer.get_json()
            self.booking_id, self.position = body["id"], body["legs"][0]["position"]
            return answer.status_code
        path = f"/api/v1/bookings/{self.booking_id}"
        if action in ("start", "end"):
            return self.client.post(f"{path}/legs/{self.position}/{action}", headers=self.rider.headers).status_code
        if action == "cancel":
            return self.client.post(f"{path}/cancel", headers=self.rider.headers).status_code
        body = {"amountCents": 50, "reason": "goodwill"}
        return self.client.post(f"{path}/refunds", json=body, headers=self.admin.headers).status_code

    def booking_id_from_db(self) -> str:
        """The booking's id (the child may have died before telling us)."""
        if self.booking_id is None:
            with self.app.app_context():
                found = db.session.scalar(select(Booking.id).where(Booking.idempotency_key == f"crash-{id(self)}"))
            assert found is not None, "the child died before the booking was stored"
            self.booking_id = found
        return self.booking_id


def crash_in_child(app: Flask, point: str, action: Callable[[], Any]) -> None:
    """Run ``action`` in a forked child that kills itself at ``point``; assert it died by SIGKILL."""
    with app.app_context():
        db.engine.dispose()  # the child opens its own connections
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            os.environ[CRASH_ENV] = point
            action()
        finally:
            os._exit(3)  # the crash point was not reached
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, f"{point}: child exited {status}"


def check_consistent(app: Flask, registry: ProviderRegistry, sandbox: SandboxServer, booking_id: str) -> Booking:
    """Operator state = ours, money captured or released once final, claims and steps closed."""
    with app.app_context():
        booking = db.session.get_one(Booking, booking_id)
        legs = db.session.scalars(select(BookingLeg).where(BookingLeg.booking_id == booking_id)).all()
        holding = set()
        for leg in legs:
            if leg.provider_booking_id is not None:
                theirs = registry.get(leg.provider).status(leg.provider_booking_id).state
                assert theirs == leg.state, f"leg {leg.position}: operator {theirs}, ours {leg.state}"
            if leg.state in (S.RESERVED, S.CONFIRMED, S.IN_USE) and leg.vehicle_id:
                holding.add(leg.vehicle_id)
        assert held(sandbox) == holding
        payment = db.session.scalar(select(Payment).where(Payment.booking_id == booking_id))
        if payment is not None:
            if booking.state in FINAL_STATES:
                assert payment.state not in ("authorised", "requires_action"), booking.state
            else:
                assert payment.state == "authorised"
            gateway = db.session.get_one(OfflinePayment, payment.intent_id)
            expected = GATEWAY_STATUS.get(payment.state, "succeeded")  # refunded states are captured payments
            assert gateway.status == expected and gateway.captured_cents == payment.captured_cents
            assert gateway.refunded_cents == payment.refunded_cents
        claims = db.session.scalars(select(VehicleClaim.active).where(VehicleClaim.booking_id == booking_id)).all()
        assert all(claims) if booking.state not in FINAL_STATES else not any(claims)
        open_steps = db.session.scalars(select(SagaStep).where(SagaStep.state == "intent")).all()
        assert open_steps == []
        db.session.expunge(booking)
        return booking


@pytest.fixture
def registry(sandbox: SandboxServer) -> ProviderRegistry:
    """The sandbox's bike sharing through the TOMP adapter."""
    factories, broken = discover_factories()
    instances = [InstanceConfig("demo-rad", "tomp", sandbox.settings("demo-rad"))]
    return build_registry(instances, factories, {"SANDBOX_KEY": SANDBOX_API_KEY}, broken_adapters=broken)


@pytest.fixture
def booking_app(make_app, registry: ProviderRegistry) -> Flask:  # type: ignore[no-untyped-def]
    """The app booking with the sandbox."""
    application: Flask = make_app(providers=registry)
    return application


@pytest.mark.parametrize("case", CASES, ids=[case.point for case in CASES])
def test_a_worker_killed_at_each_step_is_made_whole_by_the_reconciler(
    booking_app: Flask,
    registry: ProviderRegistry,
    sign_in: Callable[..., SignedIn],
    sandbox: SandboxServer,
    case: Case,
) -> None:
    trip = Trip(booking_app, sign_in(booking_app), sign_in(booking_app, role="admin"))
    for step in case.setup:
        assert trip.run(step) in (200, 201)
    crash_in_child(booking_app, case.point, lambda: trip.run(case.action))
    booking_id = trip.booking_id_from_db()

    with booking_app.app_context():
        saga = BookingSaga(
            db.session,
            booking_app.extensions["mobility.providers"],
            booking_app.extensions["mobility.payments"],
            booking_app.config["SECRET_KEY"],
        )
        handled = saga.reconcile(older_than=timedelta(0))
    assert booking_id in handled or case.point == "start:intent"

    booking = check_consistent(booking_app, registry, sandbox, booking_id)
    assert booking.state == case.expected
    if case.action == "refund":
        with booking_app.app_context():
            refunds = db.session.scalars(select(Refund.amount_cents)).all()
        assert refunds == [50]  # once, whatever the crash
