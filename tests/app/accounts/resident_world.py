"""A world of callers of every role and a resident who owns one object of each kind.

The authorisation matrix and the OpenAPI fuzz test call every operation on these objects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Flask

from app.extensions import db
from app.models import Booking, BookingLeg, EligibilityProof, PassTicket, SavedPlace
from tests.conftest_d.accounts import SignedIn

BOOKING_ID = "bk0000matrix0000000000000000000a"
TICKET_ID = "tk0000matrix0000000000000000000a"
TICKET_TOKEN = "ticket-token-secret-of-the-resident"
CARD_NUMBER = "TC-RESIDENT-CARD-4711"
VEHICLE_ID = "vehicle-the-resident-rode"
PLACE_ID = "0123456789abcdef0123456789abcdef"
PLACE_NAME = "Matrix home of the resident"
MARKERS = {"booking": VEHICLE_ID, "ticket": TICKET_TOKEN, "proof": CARD_NUMBER, "place": PLACE_NAME}
"""A secret of each of the resident's objects: seeing it in an answer is reaching the object
(not the ids: problem details echo the path called)."""

PROVIDER = "demo-rad"

BODIES: dict[str, dict[str, Any]] = {
    "auth_login": {"email": "nobody@example.org", "password": "wrong password here"},
    "auth_refresh": {"refreshToken": "unknown.refresh.token"},
    "auth_register": {"email": "matrix@example.org", "password": "a long enough password", "displayName": "M"},
    "auth_request_verification": {"email": "nobody@example.org"},
    "auth_verify_email": {"token": "not-a-token-from-any-mail-at-all"},
    "auth_request_password_reset": {"email": "nobody@example.org"},
    "auth_reset_password": {"token": "not-a-token-from-any-mail-at-all", "password": "a long enough password"},
    "me_create_place": {"kind": "favourite", "name": "Somewhere", "lat": 51.31, "lon": 9.49},
    "me_update_place": {"name": "Renamed"},
    "bookings_create_booking": {"itineraryId": "not-a-signed-itinerary"},
    "bookings_refund_booking": {"amountCents": 1, "reason": "matrix test"},
    "passes_reject_proof": {"reason": "matrix test"},
    "passes_verify_proof": {"reason": "matrix test"},
    "me_update_account": {"displayName": "Changed"},
    "passes_submit_eligibility": {"cardNumber": "TC-OTHER-1", "validUntil": "2099-01-01", "benefit": "bildung"},
    "passes_buy_ticket": {"product": "no-such-product", "month": "2099-01"},
    "passes_refund_ticket": {"reason": "matrix test"},
}
"""A body per operation that takes one (refused callers are answered before it is read)."""


@dataclass(frozen=True)
class World:
    """The callers (None: anonymous) and the resident's objects."""

    callers: dict[str, SignedIn | None]
    resident_id: int
    proof_id: int
    proof_public_id: str


def resident_world(app: Flask, sign_in: Callable[..., SignedIn]) -> World:
    """Sign in one caller of each role and give the resident a booking, a pass, a proof and a place."""
    callers: dict[str, SignedIn | None] = {
        "anonymous": None,
        "resident": sign_in(app),
        "other-resident": sign_in(app),
        "operator": sign_in(app, "operator", PROVIDER),
        "other-operator": sign_in(app, "operator", "demo-auto"),
        "city_staff": sign_in(app, "city_staff"),
        "admin": sign_in(app, "admin"),
    }
    resident = callers["resident"]
    assert resident is not None
    now = datetime.now(UTC)
    with app.app_context():
        db.session.add(
            Booking(
                id=BOOKING_ID,
                user_id=resident.user_id,
                holder="pseudonym",
                idempotency_key="matrix-key-1",
                request_hash="0" * 64,
                region="demo",
                itinerary="{}",
                state="completed",
                total_cents=100,
                captured_cents=100,
            )
        )
        db.session.add(
            BookingLeg(
                booking_id=BOOKING_ID,
                position=1,
                mode="bike",
                provider=PROVIDER,
                vehicle_type_id="bike",
                vehicle_id=VEHICLE_ID,
                starts_at=now - timedelta(hours=2),
                minutes=10.0,
                km=2.0,
                from_lat=51.31,
                from_lon=9.47,
                to_lat=51.32,
                to_lon=9.48,
                quote_cents=100,
                final_cents=100,
                state="completed",
            )
        )
        today = date.today()
        db.session.add(
            PassTicket(
                id=TICKET_ID,
                user_id=resident.user_id,
                holder="pseudonym",
                holder_name="Resident",
                product_id="deutschlandticket",
                product_name="Deutschlandticket",
                valid_from=today.replace(day=1),
                valid_until=today.replace(day=28),
                price_cents=5800,
                status="active",
                idempotency_key="matrix-key-2",
                token=TICKET_TOKEN,
            )
        )
        proof = EligibilityProof(
            user_id=resident.user_id,
            card_number=CARD_NUMBER,
            valid_until=today + timedelta(days=300),
            benefit="bildung",
        )
        db.session.add(proof)
        db.session.add(
            SavedPlace(
                public_id=PLACE_ID, user_id=resident.user_id, kind="home", name=PLACE_NAME, lat=51.3127, lon=9.4797
            )
        )
        db.session.commit()
        return World(callers, resident.user_id, proof.id, proof.public_id)
