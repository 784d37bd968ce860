"""Bookings through the API against the sandbox operator over HTTP.

The saga, its compensation, idempotency, owner checks, rides, receipts and no double
booking of a vehicle.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from app.payments.offline import NEEDS_AUTHENTICATION, OfflineGateway
from providers.registry import ProviderRegistry
from providers.sandbox.faults import Fault, FaultKind
from tests.app.sandbox_trips import book, held, plan_shared
from tests.conftest_d.accounts import SignedIn
from tests.conftest_d.payments import FakeGateway
from tests.conftest_d.sandbox import SandboxServer


@pytest.fixture
def booking_app(make_app, registry: ProviderRegistry) -> Flask:  # type: ignore[no-untyped-def]
    application: Flask = make_app(providers=registry)
    return application


def test_a_booking_reserves_authorises_and_confirms(
    booking_app: Flask, sign_in: Callable[..., SignedIn], sandbox: SandboxServer
) -> None:
    client = booking_app.test_client()
    anna = sign_in(booking_app)
    itinerary = plan_shared(client)
    response = book(client, anna, itinerary["id"])
    assert response.status_code == 201, response.get_json()
    booking = response.get_json()
    assert booking["state"] == "confirmed" and booking["failureReason"] is None
    (leg,) = booking["legs"]
    assert leg["state"] == "confirmed" and leg["provider"] == "demo-rad"
    quote = next(leg for leg in itinerary["legs"] if leg["sharing"])["sharing"]["quote"]["amountCents"]
    assert leg["quoteCents"] == quote
    assert booking["payment"]["state"] == "authorised" and booking["payment"]["authorisedCents"] >= quote
    assert held(sandbox) == {leg["vehicleId"]}
    events = client.get(f"/api/v1/bookings/{booking['id']}/events", headers=anna.headers).get_json()["events"]
    assert [(e["fromState"], e["toState"]) for e in events] == [
        (None, "pending"),
        ("pending", "reserved"),
        ("reserved", "confirmed"),
        ("pending", "confirmed"),
    ]


def test_booking_events_cannot_be_changed_or_removed(booking_app: Flask, sign_in: Callable[..., SignedIn]) -> None:
    client = booking_app.test_client()
    anna = sign_in(booking_app)
    book(client, anna, plan_shared(client)["id"])
    with booking_app.app_context():
        for statement in ("UPDATE booking_events SET detail = 'rewritten'", "DELETE FROM booking_events"):
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(text(statement))
            db.session.rollback()
        assert db.session.execute(text("SELECT count(*) FROM booking_events")).scalar() == 4


def test_the_same_idempotency_key_returns_the_same_booking_and_refuses_another_body(
    booking_app: Flask, sign_in: Callable[..., SignedIn], sandbox: SandboxServer
) -> None:
    client = booking_app.test_client()
    anna = sign_in(booking_app)
    itinerary = plan_shared(client)
    first = book(client, anna, itinerary["id"], key="key-0001-anna")
    again = book(client, anna, itinerary["id"], key="key-0001-anna")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["id"] == again.get_json()["id"]
    other = book(client, anna, plan_shared(client, "carsharing")["id"], key="key-0001-anna")
    assert other.status_code == 422 and other.get_json()["type"].endswith(":idempotency-key-reused")
    assert len(held(sandbox)) == 1 and not held(sandbox, "demo-auto")
    assert book(client, anna, itinerary["id"], key="bad key!").status_code == 400


def test_ride_end_captures_the_actual_price_and_the_receipt_lists_it(
    booking_app: Flask, sign_in: Callable[..., SignedIn], sandbox: SandboxServer
) -> None:
    client = booking_app.test_client()
    anna = sign_in(booking_app)
    booking = book(client, anna, plan_shared(client)["id"]).get_json()
    position = booking["legs"][0]["position"]
    started = client.post(f"/api/v1/bookings/{booking['id']}/legs/{position}/start", headers=anna.headers).get_json()
    assert started["state"] == "in_use" and started["legs"][0]["state"] == "in_use"
    again = client.post(f"/api/v1/bookings/{booking['id']}/legs/{position}/start", headers=anna.headers)
    assert again.status_code == 409
    ended = client.post(f"/api/v1/bookings/{booking['id']}/legs/{position}/end", headers=anna.headers).get_json()
    assert ended["state"] == "completed"
    final = ended["legs"][0]["finalCents"]
    assert ended["payment"]["state"] == "captured" and ended["payment"]["capturedCents"] == final == 100
    assert held(sandbox) == set()
    receipt = client.get(f"/api/v1/bookings/{booking['id']}/receipt", headers=anna.headers).get_json()
    (line,) = receipt["lines"]
    assert (
        line["amountCents"] == final and line["vatRatePercent"] == 19.0 and line["vatCents"] == round(final * 19 / 119)
    )
    assert "Demo-Rad" in line["operator"]
    pdf = client.get(f"/api/v1/bookings/{booking['id']}/receipt", headers=anna.headers | {"Accept": "application/pdf"})
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


def test_cancel_before_the_ride_releases_vehicle_and_authorisation(
    booking_app: Flask, sign_in: Callable[..., SignedIn], sandbox: SandboxServer
) -> None:
    client = booking_app.test_client()
    anna = sign_in(booking_app)
    booking = book(client, anna, plan_shared(client)["id"]).get_json()
    cancelled = client.post(f"/api/v1/bookings/{booking['id']}/cancel", headers=anna.headers).get_json()
    assert cancelled["state"] == "cancelled" and cancelled["legs"][0]["state"] == "cancelled"
    assert cancelled["payment"]["state"] == "released" and cancelled["payment"]["capturedCents"] == 0
    assert held(sandbox) == set()
    assert client.post(f"/api/v1/bookings/{booking['id']}/cancel", headers=anna.headers).status_code == 409


def test_cancelling_a_confirmed_car_costs_the_operators_fee(
    booking_app: Flask, sign_in: Callable[..., SignedIn], sandbox: SandboxServer
) -> None:
    client = booking_app.test_client()
    anna = sign_in(booking_app)
    booking = book(client, anna, plan_shared(client, "carsharing")["id"]).get_json()
    assert booking["state"] == "confirmed" and held(sandbox, "demo-auto")
    cancelled = client.post(f"/api/v1/bookings/{booking['id']}/cancel", headers=anna.headers).get_json()
    (leg,) = cancelled["legs"]
    assert cancelled["state"] == "cancelled" and leg["state"] == "cancelled" and leg["finalCents"] == 200
    assert "cancellation fee 200 cents" in leg["reason"]
    assert (cancelled["payment"]["state"], cancelled["payment"]["capturedCents"]) == ("captured", 200)
    assert held(sandbox, "demo-auto") == set()
    receipt = client.get(f"/api/v1/bookings/{booking['id']}/receipt", headers=anna.headers).get_json()
    assert receipt["totalCents"] == 200 and receipt["lines"][0]["amountCents"] == 200


def test_cancelling_the_only_leg_cancels_the_booking_without_charge(
    booking_app: Flask, sign_in: Callable[..., SignedIn], sandbox: SandboxServer
) -> None:
    client = booking_app.test_client()
    anna = sign_in(booking_app)
    booking = book(client, anna, plan_shared(client)["id"]).get_json()
    position = booking["legs"][0]["position"]
    cancelled = client.post(f"/api/v1/bookings/{booking['id']}/legs/{position}/cancel", headers=anna.headers).get_json()
    assert cancelled["state"] == "cancelled" and cancelled["legs"][0]["state"] == "cancelled"
    assert cancelled["payment"]["state"] == "released" and held(sandbox) == set()
    again = client.post(f"/api/v1/bookings/{booking['id']}/legs/{position}/cancel", headers=anna.headers)
    assert again.status_code == 409


def test_a_provider_failure_undoes_everything_with_a_reason_per_leg(
    booking_app: Flask, sign_in: Callable[..., SignedIn], sandbox: SandboxServer
) -> None:
    client = booking_app.test_client()
    anna = sign_in(booking_app)
    itinerary = plan_shared(client)
    sandbox.faults.replace([Fault(FaultKind.ERROR, path="/events", count=3, status=503)])  # COMMIT fails (with retries)
    response = book(client, anna, itinerary["id"])
    assert response.status_code == 409 and response.get_json()["type"].endswith(":booking-failed")
    booking = response.get_json()["booking"]
    assert booking["state"] == "failed" and "could not confirm" in booking["failureReason"]
    (leg,) = booking["legs"]
    assert leg["state"] == "cancelled" and "confirm" in leg["reason"]
    assert booking["payment"]["state"] == "released"
    assert held(sandbox) == set()


def test_a_declined_card_cancels_the_reserved_vehicle(
    make_app,
    registry: ProviderRegistry,
    sign_in: Callable[..., SignedIn],
    sandbox: SandboxServer,  # type: ignore[no-untyped-def]
) -> None:
    gateway = FakeGateway(decline=True)
    application: Flask = make_app(providers=registry, payments=gateway)
    client = application.test_client()
    anna = sign_in(application)
    response = book(client, anna, plan_shared(client)["id"])
    assert response.status_code == 402 and response.get_json()["type"].endswith(":payment-declined")
    booking = response.get_json()["booking"]
    assert booking["state"] == "failed" and "declined" in booking["failureReason"]
    assert booking["legs"][0]["state"] == "cancelled" and booking["payment"] is None
    assert held(sandbox) == set() and gateway.calls["authorise"] == 1


def test_3d_secure_waits_for_the_card_holder_then_confirms(
    booking_app: Flask, sign_in: Callable[..., SignedIn], sandbox: SandboxServer
) -> None:
    client = booking_app.test_client()
    anna = sign_in(booking_app)
    response = book(client, anna, plan_shared(client)["id"], paymentMethod=NEEDS_AUTHENTICATION)
    assert response.status_code == 201
    booking = response.get_json()
    assert booking["state"] == "reserved" and booking["payment"]["state"] == "requires_action"
    assert booking["payment"]["clientSecret"]
    gateway: OfflineGateway = booking_app.extensions["mobility.payments"]
    with booking_app.app_context():
        intent_id = booking["payment"]["clientSecret"].removesuffix("_secret")
        gateway.authenticate(intent_id, success=True)
    confirmed = client.post(f"/api/v1/bookings/{booking['id']}/authenticated", headers=anna.headers).get_json()
    assert confirmed["state"] == "confirmed" and confirmed["payment"]["state"] == "authorised"
    assert confirmed["payment"]["clientSecret"] is None


def test_failed_3d_secure_gives_the_vehicle_back(
    booking_app: Flask, sign_in: Callable[..., SignedIn], sandbox: SandboxServer
) -> None:
    client = booking_app.test_client()
    anna = sign_in(booking_app)
    booking = book(client, anna, plan_shared(client)["id"], paymentMethod=NEEDS_AUTHENTICATION).get_json()
    gateway: OfflineGateway = booking_app.extensions["mobility.payments"]
    with booking_app.app_context():
        gateway.authenticate(booking["payment"]["clientSecret"].removesuffix("_secret"), success=False)
    response = client.post(f"/api/v1/bookings/{booking['id']}/authenticated", headers=anna.headers)
    assert response.status_code == 200
    assert response.get_json()["state"] == "failed" and held(sandbox) == set()


def test_nobody_reads_or_changes_another_users_booking(booking_app: Flask, sign_in: Callable[..., SignedIn]) -> None:
    client = booking_app.test_client()
    anna, bert = sign_in(booking_app), sign_in(booking_app)
    booking = book(client, anna, plan_shared(client)["id"]).get_json()
    base = f"/api/v1/bookings/{booking['id']}"
    for method, path in [
        ("get", base),
        ("get", f"{base}/events"),
        ("get", f"{base}/receipt"),
        ("post", f"{base}/cancel"),
        ("post", f"{base}/authenticated"),
        ("post", f"{base}/legs/{booking['legs'][0]['position']}/start"),
        ("post", f"{base}/legs/{booking['legs'][0]['position']}/end"),
        ("post", f"{base}/legs/{booking['legs'][0]['position']}/cancel"),
    ]:
        response = getattr(client, method)(path, headers=bert.headers)
        assert response.status_code == 404, (method, path, response.status_code)
        assert getattr(client, method)(path).status_code == 401
    assert client.get("/api/v1/bookings", headers=bert.headers).get_json()["bookings"] == []
    refund = client.post(f"{base}/refunds", json={"amountCents": 10, "reason": "goodwill"}, headers=anna.headers)
    assert refund.status_code == 403
    assert client.get(base, headers=anna.headers).get_json()["state"] == "confirmed"


def test_operators_read_their_bookings_and_admins_refund(booking_app: Flask, sign_in: Callable[..., SignedIn]) -> None:
    client = booking_app.test_client()
    anna = sign_in(booking_app)
    rad, auto, admin = (
        sign_in(booking_app, "operator", "demo-rad"),
        sign_in(booking_app, "operator", "demo-auto"),
        sign_in(booking_app, "admin"),
    )
    booking = book(client, anna, plan_shared(client)["id"]).get_json()
    base = f"/api/v1/bookings/{booking['id']}"
    assert client.get(base, headers=rad.headers).status_code == 200
    assert client.get(base, headers=auto.headers).status_code == 404
    assert [b["id"] for b in client.get("/api/v1/bookings", headers=rad.headers).get_json()["bookings"]] == [
        booking["id"]
    ]
    assert client.post(f"{base}/cancel", headers=rad.headers).status_code == 404
    position = booking["legs"][0]["position"]
    client.post(f"{base}/legs/{position}/start", headers=anna.headers)
    client.post(f"{base}/legs/{position}/end", headers=anna.headers)
    too_much = client.post(f"{base}/refunds", json={"amountCents": 5000, "reason": "goodwill"}, headers=admin.headers)
    assert too_much.status_code == 422 and too_much.get_json()["type"].endswith(":refund-too-large")
    refund = client.post(
        f"{base}/refunds", json={"amountCents": 40, "reason": "bike had a flat tyre"}, headers=admin.headers
    )
    assert refund.status_code == 201
    payment = client.get(base, headers=anna.headers).get_json()["payment"]
    assert (payment["state"], payment["refundedCents"]) == ("partially_refunded", 40)
    assert client.get(f"{base}/receipt", headers=anna.headers).get_json()["refundedCents"] == 40


def test_fifty_concurrent_bookings_of_one_bike_have_exactly_one_winner(
    booking_app: Flask, sign_in: Callable[..., SignedIn], sandbox: SandboxServer
) -> None:
    planner = booking_app.test_client()
    free_bike = "51.3053,9.4753"  # picks one of the free-floating bikes or a station; both must be exclusive
    itinerary = plan_shared(planner, origin=free_bike)
    riders = [sign_in(booking_app) for _ in range(50)]
    start = threading.Barrier(len(riders))
    statuses: list[int] = []
    lock = threading.Lock()

    def attempt(rider: SignedIn) -> None:
        client = booking_app.test_client()
        start.wait()
        status = book(client, rider, itinerary["id"]).status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=attempt, args=(rider,)) for rider in riders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(statuses).count(201) == 1, sorted(statuses)
    assert set(statuses) <= {201, 409}
    assert len(held(sandbox)) == 1
