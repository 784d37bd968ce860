"""The MittendrinTicket end to end: Teilhabecard, staff review, purchase, prices for this user, offline check."""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import segno
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.cli import main
from app.extensions import db
from app.models import EligibilityProof
from routing.region.region import Region
from tests.app.tickets.pass_shop import MONDAY_10, buy, eligible, plan, stop_in, submit_card, transit_legs
from tests.conftest_d.accounts import SignedIn, confirm_email
from tests.conftest_d.payments import FakeGateway
from tests.conftest_d.regions import DEMO_FIRST_DAY

pytestmark = pytest.mark.usefixtures("shop_clock")


def test_from_teilhabecard_to_a_free_ride_and_an_offline_check(
    app: Flask, client: FlaskClient, sign_in: Callable[..., SignedIn], demo_region: Region, tmp_path: Path
) -> None:
    registered = client.post(
        "/api/v1/auth/register",
        json={"email": "anna@example.org", "password": "correct horse battery", "displayName": "Anna Schmidt"},
    )
    assert registered.status_code == 202
    tokens = client.post("/api/v1/auth/login", json={"email": "anna@example.org", "password": "correct horse battery"})
    bearer = {"Authorization": f"Bearer {tokens.get_json()['accessToken']}"}
    anna = SignedIn(
        client.get("/api/v1/me", headers=bearer).get_json()["id"],
        "anna@example.org",
        {"Authorization": f"Bearer {tokens.get_json()['accessToken']}"},
        tokens.get_json()["refreshToken"],
    )
    proof = submit_card(client, anna)
    staff = sign_in(app, "city_staff")
    verified = client.post(
        f"/api/v1/eligibility/{proof['id']}/verify", headers=staff.headers, json={"reason": "Karte geprüft"}
    )
    assert verified.status_code == 200
    assert client.get("/api/v1/me/eligibility", headers=anna.headers).get_json()["proofs"][0]["status"] == "verified"
    unconfirmed = buy(client, anna)
    assert unconfirmed.status_code == 403
    assert unconfirmed.get_json()["type"].endswith(":email-not-verified")
    confirm_email(app, anna.user_id)  # the link in the mail is followed in tests/app/accounts/test_email_links.py
    bought = buy(client, anna)
    assert bought.status_code == 201, bought.get_json()
    ticket = bought.get_json()
    assert ticket["status"] == "active" and ticket["priceCents"] == 3500 and ticket["token"].startswith("MT1.")
    assert (ticket["validFrom"], ticket["validUntil"]) == ("2026-11-01", "2026-11-30")
    assert ticket["holderName"] == "Anna Schmidt"

    origin, destination = stop_in(demo_region, "kassel"), stop_in(demo_region, "kasselplus", outside="kassel")
    priced = plan(client, origin, destination, MONDAY_10, anna.headers)
    with_ride = next(it for it in priced["itineraries"] if transit_legs(it))
    assert with_ride["price"]["amountCents"] == 0
    fare = transit_legs(with_ride)[0]["fare"]
    assert fare["reasonCode"] == "pass_in_area" and fare["passId"] == "mittendrin"
    assert fare["reason"] == "Covered by your MittendrinTicket (KasselPlus (synthetic))"
    anonymous = plan(client, origin, destination, MONDAY_10)
    assert next(it for it in anonymous["itineraries"] if transit_legs(it))["price"]["amountCents"] > 0

    svg = client.get(f"/api/v1/tickets/{ticket['id']}/qr", headers=anna.headers)
    assert svg.mimetype == "image/svg+xml"
    expected = io.BytesIO()
    segno.make(ticket["token"], error="m").save(expected, kind="svg", scale=4, xmldecl=False, nl=False)
    assert expected.getvalue() in svg.data  # the QR code itself, with the ticket's text beside it
    png = client.get(f"/api/v1/tickets/{ticket['id']}/qr", headers=anna.headers | {"Accept": "image/png"})
    assert png.mimetype == "image/png" and png.data.startswith(b"\x89PNG")

    key_file = tmp_path / "public.pem"
    key_file.write_text(client.get("/api/v1/tickets/public-key").get_json()["pem"], encoding="utf-8")
    runner = CliRunner()
    valid = runner.invoke(
        main, ["ticket", "verify", ticket["token"], "--public-key", str(key_file), "--on", "2026-11-23"]
    )
    assert valid.exit_code == 0 and "VALID MittendrinTicket" in valid.output
    forged = ticket["token"][:-4] + ("AAAA" if not ticket["token"].endswith("AAAA") else "BBBB")
    assert "INVALID" in runner.invoke(main, ["ticket", "verify", forged, "--public-key", str(key_file)]).output
    late = runner.invoke(
        main, ["ticket", "verify", ticket["token"], "--public-key", str(key_file), "--on", "2026-12-01"]
    )
    assert late.exit_code == 1 and "not valid on 2026-12-01" in late.output


def test_leaving_kasselplus_by_day_costs_a_ticket_with_the_reason(
    app: Flask, client: FlaskClient, sign_in: Callable[..., SignedIn], demo_region: Region
) -> None:
    anna = eligible(app, client, sign_in)
    assert buy(client, anna).status_code == 201
    origin, outside = stop_in(demo_region, "kassel"), stop_in(demo_region, "nvv", outside="kasselplus")
    by_day = plan(client, origin, outside, MONDAY_10, anna.headers)
    ride = next(it for it in by_day["itineraries"] if transit_legs(it))
    reasons = {leg["fare"]["reasonCode"] for leg in transit_legs(ride)}
    assert "outside_area_before_window" in reasons and ride["price"]["amountCents"] > 0
    text = next(leg["fare"]["reason"] for leg in transit_legs(ride) if leg["fare"]["amountCents"] > 0)
    assert text.startswith("Outside KasselPlus (synthetic) before 19:00: single ticket")
    evening = plan(
        client, origin, outside, MONDAY_10.replace(hour=19, minute=30), anna.headers, adults="1", children="2"
    )
    ride = next(it for it in evening["itineraries"] if transit_legs(it))
    assert ride["price"]["amountCents"] == 0
    assert {leg["fare"]["reasonCode"] for leg in transit_legs(ride)} == {"pass_network_window"}
    assert ride["companions"]["reasonCode"] == "companions_free" and ride["companions"]["amountCents"] == 0


def test_passes_named_in_the_request_price_for_someone_not_signed_in_and_cheapest_sorts(
    client: FlaskClient, demo_region: Region
) -> None:
    origin, destination = stop_in(demo_region, "kassel"), stop_in(demo_region, "kasselplus", outside="kassel")
    body = plan(client, origin, destination, MONDAY_10, passes="deutschlandticket", sort="cheapest")
    assert body["itineraries"][0]["price"]["amountCents"] == 0
    assert "cheapest" in body["itineraries"][0]["labels"]
    wrong = client.get("/api/v1/plan", query_string={"from": "51.31,9.49", "to": "51.32,9.50", "passes": "nope"})
    assert wrong.status_code == 422 and {e["field"] for e in wrong.get_json()["errors"]} == {"passes"}


def test_the_shop_enforces_eligibility_months_and_one_pass_per_month(
    app: Flask, client: FlaskClient, sign_in: Callable[..., SignedIn]
) -> None:
    bert = sign_in(app)
    refused = buy(client, bert)
    assert refused.status_code == 403 and refused.get_json()["type"].endswith(":not-eligible")
    cem = eligible(app, client, sign_in, valid_until="2026-11-30")
    assert buy(client, cem, "2026-12").status_code == 403  # the card ends before December
    assert buy(client, cem, "2027-01").get_json()["type"].endswith(":month-not-on-sale")
    first = buy(client, cem, key="pass-key-0001")
    again = buy(client, cem, key="pass-key-0001")
    assert (first.status_code, again.status_code) == (201, 200) and first.get_json()["id"] == again.get_json()["id"]
    second = buy(client, cem, key="pass-key-0002")
    assert second.status_code == 409 and second.get_json()["type"].endswith(":already-bought")
    assert len(client.get("/api/v1/tickets", headers=cem.headers).get_json()["tickets"]) == 1


def test_proof_ids_are_random_not_a_sequence(app: Flask, client: FlaskClient, sign_in: Callable[..., SignedIn]) -> None:
    first, second = submit_card(client, sign_in(app)), submit_card(client, sign_in(app))
    for proof in (first, second):
        assert re.fullmatch(r"[0-9a-f]{32}", proof["id"]), proof["id"]
    assert first["id"] != second["id"]
    with app.app_context():
        rows = db.session.scalars(select(EligibilityProof).order_by(EligibilityProof.id)).all()
        assert [row.public_id for row in rows][-2:] == [first["id"], second["id"]]


def test_staff_review_with_reasons_and_roles(app: Flask, client: FlaskClient, sign_in: Callable[..., SignedIn]) -> None:
    dora, staff = sign_in(app), sign_in(app, "city_staff")
    proof = submit_card(client, dora)
    assert client.get("/api/v1/eligibility", headers=dora.headers).status_code == 403
    queue = client.get("/api/v1/eligibility", headers=staff.headers).get_json()["proofs"]
    assert [p["id"] for p in queue] == [proof["id"]]
    rejected = client.post(
        f"/api/v1/eligibility/{proof['id']}/reject", headers=staff.headers, json={"reason": "Bescheid fehlt"}
    )
    assert rejected.get_json()["status"] == "rejected"
    mine = client.get("/api/v1/me/eligibility", headers=dora.headers).get_json()["proofs"]
    assert mine[0]["status"] == "rejected" and mine[0]["reason"] == "Bescheid fehlt"
    twice = client.post(f"/api/v1/eligibility/{proof['id']}/verify", headers=staff.headers, json={"reason": "doch"})
    assert twice.status_code == 409
    expired = client.post(
        "/api/v1/me/eligibility",
        headers=dora.headers,
        json={"cardNumber": "TC-1", "validUntil": "2020-01-31", "benefit": "wohngeld"},
    )
    assert expired.status_code == 422 and expired.get_json()["type"].endswith(":card-expired")


def test_a_refund_revokes_the_ticket_for_inspectors(
    app: Flask, client: FlaskClient, sign_in: Callable[..., SignedIn], tmp_path: Path
) -> None:
    anna = eligible(app, client, sign_in)
    ticket = buy(client, anna).get_json()
    admin = sign_in(app, "admin")
    assert (
        client.post(f"/api/v1/tickets/{ticket['id']}/refund", headers=anna.headers, json={"reason": "mine"}).status_code
        == 403
    )
    refunded = client.post(
        f"/api/v1/tickets/{ticket['id']}/refund",
        headers=admin.headers,
        json={"reason": "moved away from Kassel"},
    )
    assert refunded.status_code == 200 and refunded.get_json()["status"] == "revoked"
    revoked = client.get("/api/v1/tickets/revoked").get_json()
    assert revoked["revoked"] == [ticket["id"]]
    (tmp_path / "revoked.json").write_text(json.dumps(revoked), encoding="utf-8")
    (tmp_path / "public.pem").write_text(client.get("/api/v1/tickets/public-key").get_json()["pem"], encoding="utf-8")
    result = CliRunner().invoke(
        main,
        [
            "ticket",
            "verify",
            ticket["token"],
            "--public-key",
            str(tmp_path / "public.pem"),
            "--revoked",
            str(tmp_path / "revoked.json"),
            "--on",
            "2026-11-23",
        ],
    )
    assert result.exit_code == 1 and "revoked" in result.output
    other = sign_in(app)
    assert client.get(f"/api/v1/tickets/{ticket['id']}", headers=other.headers).status_code == 404


def test_a_declined_card_buys_nothing_and_a_new_try_works(
    make_app,
    sign_in: Callable[..., SignedIn],  # type: ignore[no-untyped-def]
) -> None:
    gateway = FakeGateway(decline=True)
    application: Flask = make_app(payments=gateway)
    client = application.test_client()
    anna = eligible(application, client, sign_in)
    declined = buy(client, anna)
    assert declined.status_code == 402 and declined.get_json()["type"].endswith(":payment-declined")
    gateway.decline = False
    retried = buy(client, anna)
    assert retried.status_code == 201 and retried.get_json()["status"] == "active"
    assert gateway.calls["capture"] == 1


def test_booking_a_bus_trip_buys_the_single_ticket_no_pass_covers(
    app: Flask, client: FlaskClient, sign_in: Callable[..., SignedIn], demo_region: Region, tmp_path: Path
) -> None:
    from app.tickets.signing import load_public_key, verify_ticket

    bert = sign_in(app)
    origin, destination = stop_in(demo_region, "kassel"), stop_in(demo_region, "kasselplus", outside="kassel")
    itinerary = next(
        it for it in plan(client, origin, destination, MONDAY_10, bert.headers)["itineraries"] if transit_legs(it)
    )
    price = itinerary["price"]["amountCents"]
    response = client.post(
        "/api/v1/bookings",
        json={"itineraryId": itinerary["id"]},
        headers=bert.headers | {"Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code == 201, response.get_json()
    booking = response.get_json()
    (ticket,) = booking["legs"]
    assert ticket["mode"] == "transit" and ticket["provider"] == "tariff" and ticket["quoteCents"] == price
    assert booking["state"] == "completed" and booking["payment"]["capturedCents"] == price
    public_key = load_public_key(client.get("/api/v1/tickets/public-key").get_json()["pem"].encode())
    claims = verify_ticket(ticket["ticket"], public_key, on=DEMO_FIRST_DAY)
    assert claims.product.startswith("Einzelfahrschein") and claims.valid_from == DEMO_FIRST_DAY
    receipt = client.get(f"/api/v1/bookings/{booking['id']}/receipt", headers=bert.headers).get_json()
    assert receipt["lines"][0]["vatRatePercent"] == 7.0 and receipt["totalCents"] == price

    anna = eligible(app, client, sign_in)
    assert buy(client, anna).status_code == 201
    covered = next(
        it for it in plan(client, origin, destination, MONDAY_10, anna.headers)["itineraries"] if transit_legs(it)
    )
    nothing = client.post(
        "/api/v1/bookings",
        json={"itineraryId": covered["id"]},
        headers=anna.headers | {"Idempotency-Key": str(uuid.uuid4())},
    )
    assert nothing.status_code == 422 and nothing.get_json()["type"].endswith(":nothing-to-book")
