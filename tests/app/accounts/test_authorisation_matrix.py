"""The authorisation matrix: every operation of the OpenAPI document x every role x own/other objects.

The expected outcome of each cell is read from the operation's ``x-access`` row (the table
the code declares); the test then calls the operation and counts a breach when a caller
outside the row's reach gets a 2xx on another person's object, sees one of its secrets in
any answer, or changes it. A second test checks the table itself: city staff reach other
people's objects only for reviews and aggregates, admins only on audited operations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.accounts.audit import AdminAudit
from app.api import (
    auth,
    bookings,
    geocode,
    me,
    open_data,
    passes,
    payments,
    plan,
    region,
    service,
    stops,
    vehicles,
)
from app.extensions import db
from app.models import AuthSession, Booking, BookingLeg, EligibilityProof, PassTicket, SavedPlace, User
from tests.app.accounts.resident_world import (
    BODIES,
    BOOKING_ID,
    MARKERS,
    PLACE_ID,
    TICKET_ID,
    World,
    resident_world,
)
from tests.conftest_d.accounts import SignedIn

OPERATIONS = sorted(
    (op.endpoint.replace(".", "_"), op.method)
    for module in (auth, bookings, geocode, me, open_data, passes, payments, plan, region, service, stops, vehicles)
    for op in module.blueprint.operations
)

ROLES = ("anonymous", "resident", "other-resident", "operator", "other-operator", "city_staff", "admin")


def _snapshot(app: Flask, world: World) -> dict[str, Any]:
    """What the resident owns, as far as a caller could change it."""
    with app.app_context():
        booking = db.session.get(Booking, BOOKING_ID)
        legs = db.session.query(BookingLeg).filter_by(booking_id=BOOKING_ID).all()
        ticket = db.session.get(PassTicket, TICKET_ID)
        proof = db.session.get(EligibilityProof, world.proof_id)
        user = db.session.get(User, world.resident_id)
        sessions = db.session.query(AuthSession).filter_by(user_id=world.resident_id).all()
        place = db.session.query(SavedPlace).filter_by(public_id=PLACE_ID).one_or_none()
        state = {
            "booking": None if booking is None else (booking.state, booking.captured_cents, booking.user_id),
            "legs": sorted((leg.position, leg.state, leg.final_cents) for leg in legs),
            "ticket": None if ticket is None else (ticket.status, ticket.refunded_cents, ticket.user_id),
            "proof": None if proof is None else (proof.status, proof.reason),
            "account": None if user is None else (user.display_name, user.locale, user.email),
            "sessions": sorted((s.id, s.revoked_at is None) for s in sessions),
            "place": None if place is None else (place.name, place.kind, place.lat, place.lon, place.user_id),
        }
        db.session.remove()
        return state


def _audit_reasons(app: Flask) -> list[str]:
    with app.app_context():
        reasons = list(db.session.scalars(db.select(AdminAudit.reason).order_by(AdminAudit.id)))
        db.session.remove()
        return reasons


def _kind_changed(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    changed = set()
    for key, kind in (
        ("booking", "booking"),
        ("legs", "booking"),
        ("ticket", "ticket"),
        ("proof", "proof"),
        ("place", "place"),
    ):
        if before[key] != after[key]:
            changed.add(kind)
    for key in ("account", "sessions"):
        if before[key] != after[key]:
            changed.add("account")
    return changed


def _entitled(access: dict[str, Any], caller: str, kind: str) -> bool:
    """Whether the table lets ``caller`` reach the resident's object of ``kind`` with this operation."""
    if access["public"] or caller == "anonymous":
        return False
    role = {"other-resident": "resident", "other-operator": "operator", "operator": "operator"}.get(caller, caller)
    reach = access["roles"].get(role)
    if reach is None:
        return False
    if caller == "resident":
        return True
    if reach == "any":
        return True
    return reach == "provider" and caller == "operator" and kind == "booking"


def _path(path: str, world: World) -> str:
    return (
        path.replace("{booking_id}", BOOKING_ID)
        .replace("{ticket_id}", TICKET_ID)
        .replace("{proof_id}", world.proof_public_id)
        .replace("{position}", "1")
        .replace("{stop_id}", "no-such-stop")
        .replace("{place_id}", PLACE_ID)
    )


def _targets(path: str) -> set[str]:
    kinds = {"{booking_id}": "booking", "{ticket_id}": "ticket", "{proof_id}": "proof", "{place_id}": "place"}
    return {kind for name, kind in kinds.items() if name in path}


def _call(client: FlaskClient, method: str, path: str, body: dict[str, Any] | None, caller: SignedIn | None) -> Any:
    headers = {"Idempotency-Key": "matrix-idempotency-key"}
    if caller is not None:
        headers.update(caller.headers)
    return client.open(path, method=method, json=body, headers=headers)


def _find(spec: dict[str, Any], operation_id: str) -> tuple[str, str, dict[str, Any]]:
    for path, items in spec["paths"].items():
        for method, entry in items.items():
            if entry["operationId"] == operation_id:
                return path, method.upper(), entry
    raise AssertionError(f"{operation_id} is not in the OpenAPI document")


def test_the_matrix_walks_the_whole_document(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    documented = sorted(
        (entry["operationId"], method.upper()) for items in spec["paths"].values() for method, entry in items.items()
    )
    assert documented == OPERATIONS
    assert all("x-access" in entry for items in spec["paths"].values() for entry in items.values())


@pytest.mark.parametrize(("operation_id", "method"), OPERATIONS)
def test_no_caller_reaches_beyond_the_table(
    app: Flask, sign_in: Callable[..., SignedIn], operation_id: str, method: str
) -> None:
    client = app.test_client()
    spec = client.get("/api/v1/openapi.json").get_json()
    path, method, entry = _find(spec, operation_id)
    access = entry["x-access"]
    world = resident_world(app, sign_in)
    url = _path(path, world)
    body = BODIES.get(operation_id) if "requestBody" in entry else None
    assert "requestBody" not in entry or body is not None, f"add a sample body for {operation_id}"
    breaches: list[str] = []
    # the owner goes last: an entitled change (cancel, delete) must not hide the others' cells
    for caller in (*[c for c in ROLES if c != "resident"], "resident"):
        before, audits = _snapshot(app, world), _audit_reasons(app)
        response = _call(client, method, url, body, world.callers[caller])
        after, recorded = _snapshot(app, world), _audit_reasons(app)[len(audits) :]
        status, text = response.status_code, response.get_data(as_text=True)
        cell = f"{method} {path} as {caller}: {status}"
        if status >= 500:
            breaches.append(f"{cell} (server error)")
        role = {"other-resident": "resident", "other-operator": "operator"}.get(caller, caller)
        if not access["public"]:
            if caller == "anonymous" and status != 401:
                breaches.append(f"{cell} (expected 401)")
            elif caller != "anonymous" and role not in access["roles"] and status != 403:
                breaches.append(f"{cell} (expected 403: the role is not in the table)")
        for kind in _targets(path):
            if _entitled(access, caller, kind):
                if status in (401, 403, 404):
                    breaches.append(f"{cell} (the table grants {kind}; refused)")
            elif 200 <= status < 300:
                breaches.append(f"{cell} (reached another person's {kind})")
        for kind, marker in MARKERS.items():
            if marker in text and not _entitled(access, caller, kind):
                breaches.append(f"{cell} (the answer shows the resident's {kind})")
        expected_audit = access["audited"] and caller != "anonymous"
        if len(recorded) != int(expected_audit):
            breaches.append(f"{cell} (audit records: {recorded}; expected {int(expected_audit)})")
        elif recorded and (recorded[0].startswith("refused ") != (status >= 400)):
            breaches.append(f"{cell} (audit record {recorded[0]!r} does not match the answer)")
        for kind in _kind_changed(before, after):
            if kind == "account" and caller == "resident":
                continue
            if not _entitled(access, caller, kind):
                breaches.append(f"{cell} (changed the resident's {kind})")
    assert breaches == []


def test_the_table_keeps_staff_to_reviews_and_admins_to_audited_operations(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    wrong = []
    for path, items in spec["paths"].items():
        for method, entry in items.items():
            access = entry["x-access"]
            if access["public"]:
                assert access["roles"] == {}, path
            if access["roles"].get("city_staff") == "any" and access["purpose"] not in ("review", "aggregate"):
                wrong.append(f"{method} {path}: city staff reach every object")
            if access["roles"].get("admin") == "any" and method != "get" and not access["audited"]:
                wrong.append(f"{method} {path}: admins change others' objects unaudited")
            if access["roles"].get("admin") == "any" and access["purpose"] not in ("review", "admin", "aggregate"):
                wrong.append(f"{method} {path}: admins reach others' objects outside the admin path")
            if any(reach == "provider" for role, reach in access["roles"].items() if role != "operator"):
                wrong.append(f"{method} {path}: provider reach for a non-operator")
    assert wrong == []


def test_an_audited_decision_records_who_why_and_what(app: Flask, sign_in: Callable[..., SignedIn]) -> None:
    world = resident_world(app, sign_in)
    client = app.test_client()
    admin = world.callers["admin"]
    assert admin is not None
    url = f"/api/v1/eligibility/{world.proof_public_id}/verify"
    response = client.post(url, json={"reason": "card seen at the office"}, headers=admin.headers)
    assert response.status_code == 200, response.get_json()
    refused = client.post(
        f"/api/v1/tickets/{TICKET_ID}/refund", json={"reason": "x"}, headers=world.callers["city_staff"].headers
    )  # type: ignore[union-attr]
    assert refused.status_code == 403
    staff = world.callers["city_staff"]
    assert staff is not None
    with app.app_context():
        entries = [
            (e.actor_id, e.actor_role, e.operation, e.method, e.path, e.reason)
            for e in db.session.query(AdminAudit).order_by(AdminAudit.id)
        ]
    refusal = "refused 403 forbidden: this needs the role admin; the account is city_staff | reason given: x"
    assert entries == [
        (admin.user_id, "admin", "passes.verify_proof", "POST", url, "card seen at the office"),
        (staff.user_id, "city_staff", "passes.refund_ticket", "POST", f"/api/v1/tickets/{TICKET_ID}/refund", refusal),
    ]


def test_a_refused_admin_action_is_audited_without_its_effect(app: Flask, sign_in: Callable[..., SignedIn]) -> None:
    world = resident_world(app, sign_in)
    client = app.test_client()
    admin = world.callers["admin"]
    assert admin is not None
    before = _snapshot(app, world)
    calls = [  # an admin on an audited operation: no such object, a reason too short, an anonymous caller
        (admin.headers, "/api/v1/tickets/no-such-ticket/refund", {"reason": "duplicate purchase"}, 404),
        (admin.headers, f"/api/v1/tickets/{TICKET_ID}/refund", {"reason": "x"}, 422),
        ({}, f"/api/v1/tickets/{TICKET_ID}/refund", {"reason": "anonymous try"}, 401),
    ]
    for headers, url, body, status in calls:
        assert client.post(url, json=body, headers=headers).status_code == status
    assert _snapshot(app, world) == before
    with app.app_context():
        entries = [(e.actor_id, e.path, e.reason) for e in db.session.query(AdminAudit).order_by(AdminAudit.id)]
    assert [(actor, path) for actor, path, _ in entries] == [
        (admin.user_id, "/api/v1/tickets/no-such-ticket/refund"),
        (admin.user_id, f"/api/v1/tickets/{TICKET_ID}/refund"),
    ]
    assert entries[0][2].startswith("refused 404 not-found: ") and entries[0][2].endswith("duplicate purchase")
    assert entries[1][2].startswith("refused 422 invalid-body: ") and entries[1][2].endswith("reason given: x")


def test_a_refusal_stays_a_refusal_when_the_database_cannot_take_its_audit_record(
    app: Flask, sign_in: Callable[..., SignedIn], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlalchemy.exc

    import app.openapi as openapi_module

    world = resident_world(app, sign_in)
    staff = world.callers["city_staff"]
    assert staff is not None

    def locked(*_args: object) -> None:
        raise sqlalchemy.exc.OperationalError("INSERT INTO admin_audit", {}, Exception("database is locked"))

    monkeypatch.setattr(openapi_module, "_audit", locked)
    refused = app.test_client().post(
        f"/api/v1/tickets/{TICKET_ID}/refund", json={"reason": "try"}, headers=staff.headers
    )
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    with app.app_context():
        assert db.session.query(AdminAudit).count() == 0
