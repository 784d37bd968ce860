"""Revocation of single tickets, the signed list, PEM/JWK keys, money fields, the ticket view and the GDPR export."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from PIL import Image

from app.cli import main
from app.itinerary_ids import SALT, read_itinerary_id
from routing.region.region import Region
from tests.app.sandbox_trips import book, plan_shared
from tests.app.tickets.pass_shop import MONDAY_10, buy, eligible, plan, stop_in, transit_legs
from tests.conftest_d.accounts import SignedIn

pytestmark = pytest.mark.usefixtures("shop_clock")


@pytest.fixture
def booking_app(make_app, registry) -> Flask:  # type: ignore[no-untyped-def]
    application: Flask = make_app(providers=registry)
    return application


def _bus_record(client: FlaskClient, region: Region, user: SignedIn, secret: str) -> dict[str, Any]:
    origin, destination = stop_in(region, "kassel"), stop_in(region, "kasselplus", outside="kassel")
    itinerary = next(
        it for it in plan(client, origin, destination, MONDAY_10, user.headers)["itineraries"] if transit_legs(it)
    )
    return read_itinerary_id(itinerary["id"], secret_key=secret).to_json()


def bike_and_bus(client: FlaskClient, region: Region, user: SignedIn, secret: str) -> str:
    """An itinerary id of a bus trip followed by a shared bike (a ticket leg and a ride to book)."""
    record = _bus_record(client, region, user, secret)
    bike = read_itinerary_id(plan_shared(client)["id"], secret_key=secret).to_json()
    ride = json.loads(json.dumps(next(leg for leg in bike["legs"] if leg.get("sharing"))))
    start, end = datetime.fromisoformat(ride["start"]), datetime.fromisoformat(ride["end"])
    after = datetime.fromisoformat(record["legs"][-1]["end"]) + timedelta(minutes=2)
    ride["start"], ride["end"] = after.isoformat(), (after + (end - start)).isoformat()
    record["legs"].append(ride)
    return str(URLSafeTimedSerializer(secret, salt=SALT).dumps(record))


def ticket_leg(booking: dict[str, Any]) -> dict[str, Any]:
    return next(leg for leg in booking["legs"] if leg["provider"] == "tariff")


def write_key_and_list(client: FlaskClient, tmp_path: Path) -> tuple[Path, Path]:
    key = tmp_path / "public.pem"
    key.write_bytes(client.get("/api/v1/tickets/public-key.pem").data)
    revoked = tmp_path / "revoked.json"
    revoked.write_bytes(client.get("/api/v1/tickets/revoked").data)
    return key, revoked


def verify(token: str, key: Path, revoked: Path | None = None) -> Any:
    args = ["ticket", "verify", token, "--public-key", str(key), "--on", "2026-11-23"]
    return CliRunner().invoke(main, args + (["--revoked", str(revoked)] if revoked else []))


def test_cancelling_a_booking_revokes_its_single_ticket_at_once_and_releases_the_hold(
    booking_app: Flask, sign_in: Callable[..., SignedIn], demo_region: Region, tmp_path: Path
) -> None:
    client = booking_app.test_client()
    anna = sign_in(booking_app)
    response = book(client, anna, bike_and_bus(client, demo_region, anna, booking_app.config["SECRET_KEY"]))
    assert response.status_code == 201, response.get_json()
    booking = response.get_json()
    ticket, ride = ticket_leg(booking), next(leg for leg in booking["legs"] if leg["provider"] != "tariff")
    assert booking["state"] == "confirmed" and ticket["ticket"].startswith("MT1.")
    assert booking["priceCents"] == ticket["quoteCents"] + ride["quoteCents"]
    assert booking["authorisedCents"] > booking["priceCents"]  # the per-minute bike is held with headroom
    assert booking["totalCents"] == booking["authorisedCents"] and booking["capturedCents"] == 0
    key, _ = write_key_and_list(client, tmp_path)
    assert verify(ticket["ticket"], key).exit_code == 0

    before = client.get("/api/v1/tickets/revoked")
    assert before.status_code == 200 and before.headers["ETag"] == f'"v{before.get_json()["version"]}"'
    unchanged = client.get("/api/v1/tickets/revoked", headers={"If-None-Match": before.headers["ETag"]})
    assert unchanged.status_code == 304 and unchanged.data == b""

    cancelled = client.post(f"/api/v1/bookings/{booking['id']}/cancel", headers=anna.headers).get_json()
    assert cancelled["state"] == "cancelled" and ticket_leg(cancelled)["state"] == "cancelled"
    assert cancelled["payment"]["state"] == "released" and cancelled["capturedCents"] == 0

    after = client.get("/api/v1/tickets/revoked", headers={"If-None-Match": before.headers["ETag"]})
    ticket_id = f"{booking['id']}-{ticket['position']}"
    assert after.status_code == 200 and ticket_id in after.get_json()["revoked"]
    assert after.get_json()["version"] == before.get_json()["version"] + 1
    key, revoked = write_key_and_list(client, tmp_path)
    refused = verify(ticket["ticket"], key, revoked)
    assert refused.exit_code == 1 and "INVALID: revoked" in refused.output

    forged = json.loads(revoked.read_text())
    forged["revoked"] = []
    revoked.write_text(json.dumps(forged))
    tampered = verify(ticket["ticket"], key, revoked)
    assert tampered.exit_code != 0 and "signature does not match" in tampered.output
    unsigned = {"revoked": [], "version": 0}
    revoked.write_text(json.dumps(unsigned))
    assert "not signed" in verify(ticket["ticket"], key, revoked).output


def test_cancelling_only_the_ride_keeps_the_trip_ticket_valid_and_charges_just_the_ticket(
    booking_app: Flask, sign_in: Callable[..., SignedIn], demo_region: Region
) -> None:
    client = booking_app.test_client()
    anna = sign_in(booking_app)
    booking = book(client, anna, bike_and_bus(client, demo_region, anna, booking_app.config["SECRET_KEY"])).get_json()
    ride = next(leg for leg in booking["legs"] if leg["provider"] != "tariff")
    after = client.post(
        f"/api/v1/bookings/{booking['id']}/legs/{ride['position']}/cancel", headers=anna.headers
    ).get_json()
    ticket = ticket_leg(after)
    # One leg only: the bus ride still needs its ticket. With no ride left open the booking
    # is settled: the ticket counts as bought and stays valid; the cancelled bike costs nothing.
    assert next(leg for leg in after["legs"] if leg["position"] == ride["position"])["state"] == "cancelled"
    assert ticket["state"] == "completed" and after["state"] == "completed"
    assert (after["payment"]["state"], after["capturedCents"]) == ("captured", ticket["quoteCents"])
    assert f"{booking['id']}-{ticket['position']}" not in client.get("/api/v1/tickets/revoked").get_json()["revoked"]


def test_a_full_refund_revokes_the_single_ticket_and_a_partial_one_does_not(
    app: Flask, client: FlaskClient, sign_in: Callable[..., SignedIn], demo_region: Region
) -> None:
    bert, admin = sign_in(app), sign_in(app, "admin")
    record = _bus_record(client, demo_region, bert, app.config["SECRET_KEY"])
    itinerary_id = str(URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=SALT).dumps(record))
    booking = book(client, bert, itinerary_id).get_json()
    assert booking["state"] == "completed" and booking["capturedCents"] == booking["priceCents"] > 10
    ticket_id = f"{booking['id']}-{ticket_leg(booking)['position']}"

    def refund(cents: int) -> None:
        response = client.post(
            f"/api/v1/bookings/{booking['id']}/refunds",
            headers=admin.headers,
            json={"amountCents": cents, "reason": "Bus fiel aus"},
        )
        assert response.status_code == 201, response.get_json()

    refund(10)
    assert ticket_id not in client.get("/api/v1/tickets/revoked").get_json()["revoked"]
    refund(booking["priceCents"] - 10)
    assert ticket_id in client.get("/api/v1/tickets/revoked").get_json()["revoked"]
    again = client.get(f"/api/v1/bookings/{booking['id']}", headers=bert.headers).get_json()
    assert again["refundedCents"] == again["capturedCents"] == booking["priceCents"]
    shown = client.get(f"/api/v1/tickets/{ticket_id}", headers=bert.headers).get_json()
    assert shown["kind"] == "single"


def test_the_public_key_is_served_as_pem_and_jwk_and_verify_reads_either(
    app: Flask, client: FlaskClient, sign_in: Callable[..., SignedIn], tmp_path: Path
) -> None:
    pem = client.get("/api/v1/tickets/public-key", headers={"Accept": "application/x-pem-file"})
    assert pem.mimetype == "application/x-pem-file" and pem.data.startswith(b"-----BEGIN PUBLIC KEY-----")
    assert client.get("/api/v1/tickets/public-key.pem").data == pem.data
    document = client.get("/api/v1/tickets/public-key").get_json()
    assert document["pem"].encode() == pem.data
    assert (document["jwk"]["kty"], document["jwk"]["crv"]) == ("OKP", "Ed25519")
    anna = eligible(app, client, sign_in)
    token = buy(client, anna).get_json()["token"]
    for name, content in [("key.json", json.dumps(document)), ("jwk.json", json.dumps(document["jwk"]))]:
        (tmp_path / name).write_text(content)
        result = verify(token, tmp_path / name)
        assert result.exit_code == 0 and "VALID MittendrinTicket" in result.output, result.output


EN = {"Accept-Language": "en"}
ENGLISH_WORDS = re.compile(r"\b(valid|Holder|Area|Companions|Ticket|adults?|children|ride|free|from|Mon|Sat|Sun)\b")


def test_the_ticket_view_qr_text_and_the_offline_inspector_say_the_same(
    app: Flask, client: FlaskClient, sign_in: Callable[..., SignedIn], tmp_path: Path
) -> None:
    anna = eligible(app, client, sign_in)
    bought = buy(client, anna).get_json()
    shown = client.get(f"/api/v1/tickets/{bought['id']}", headers=anna.headers | EN).get_json()
    assert shown["holderName"] == bought["holderName"] and shown["productName"] == "MittendrinTicket"
    assert shown["validity"] == "valid 2026-11-01 to 2026-11-30"
    assert "KasselPlus" in shown["area"] and "from 19:00" in shown["area"]
    assert shown["companions"] == "1 adult and children under 18 ride free while the extended validity applies"

    svg = client.get(f"/api/v1/tickets/{bought['id']}/qr", headers=anna.headers | EN).data.decode()
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert texts[:5] == [
        "MittendrinTicket",
        f"Holder: {shown['holderName']}",
        "Valid 2026-11-01 to 2026-11-30",
        f"Area: {shown['area']}".replace("&", "&amp;"),
        f"Companions: {shown['companions']}",
    ]
    png = client.get(f"/api/v1/tickets/{bought['id']}/qr", headers=anna.headers | EN | {"Accept": "image/png"}).data
    image = Image.open(io.BytesIO(png))
    import segno

    bare = segno.make(bought["token"], error="m").symbol_size(scale=4)
    assert image.width > bare[0] + 200  # room for the text beside the code
    text_area = image.crop((bare[0] + 8, 0, image.width, image.height)).convert("L")
    assert text_area.getextrema()[0] < 100  # dark pixels: text is drawn there

    inspected = CliRunner().invoke(main, ["ticket", "inspect", bought["token"], "--language", "en"])
    assert inspected.exit_code == 0
    assert inspected.output.splitlines()[:5] == [line.replace("&amp;", "&") for line in texts[:5]]
    (tmp_path / "key.pem").write_bytes(client.get("/api/v1/tickets/public-key.pem").data)
    checked = CliRunner().invoke(
        main, ["ticket", "inspect", bought["token"], "--public-key", str(tmp_path / "key.pem"), "--language", "en"]
    )
    assert checked.exit_code == 0 and "Signature: genuine" in checked.output
    assert "UNREADABLE" in CliRunner().invoke(main, ["ticket", "inspect", "not-a-ticket", "--language", "en"]).output


def test_the_ticket_view_speaks_the_readers_language(
    app: Flask, client: FlaskClient, sign_in: Callable[..., SignedIn], tmp_path: Path
) -> None:
    anna = eligible(app, client, sign_in)  # a new account's locale is de
    bought = buy(client, anna).get_json()
    german = client.get(f"/api/v1/tickets/{bought['id']}", headers=anna.headers).get_json()
    english = client.get(f"/api/v1/tickets/{bought['id']}", headers=anna.headers | EN).get_json()
    assert (german["language"], english["language"]) == ("de", "en")
    # The facts come from the demo fare configuration (routing/demo/write_fares.py): the pass is
    # valid in November 2026 in KasselPlus, in the NVV area evenings and weekends from 19:00,
    # with one adult and children under 18 riding along.
    assert german["validity"] == "gültig vom 01.11.2026 bis 30.11.2026"
    assert german["area"].startswith("KasselPlus") and "; NVV" in german["area"]
    assert "Mo-Fr ab 19:00 Uhr" in german["area"] and "Sa, So, Feiertage" in german["area"]
    assert "1 erwachsene Person" in german["companions"] and "unter 18" in german["companions"]
    for field in ("validity", "area", "companions"):
        assert german[field] != english[field], field
        assert not ENGLISH_WORDS.search(german[field]), german[field]

    svg = client.get(f"/api/v1/tickets/{bought['id']}/qr", headers=anna.headers)
    assert svg.headers["Content-Language"] == "de"
    lines = [line.replace("&amp;", "&") for line in re.findall(r"<text[^>]*>([^<]*)</text>", svg.data.decode())]
    assert lines == [
        "MittendrinTicket",
        f"Inhaber/in: {german['holderName']}",
        "Gültig vom 01.11.2026 bis 30.11.2026",
        f"Geltungsbereich: {german['area']}",
        f"Mitfahrende: {german['companions']}",
        f"Fahrschein {bought['id']}",
    ]
    assert all(not ENGLISH_WORDS.search(line) for line in lines[1:5]), lines

    # The token carries both languages: the offline inspector shows either, the same as the app.
    inspected = CliRunner().invoke(main, ["ticket", "inspect", bought["token"]])
    assert inspected.exit_code == 0 and inspected.output.splitlines()[:6] == lines
    assert inspected.output.splitlines()[6].startswith("Signatur: nicht geprüft")
    forged = bought["token"][:-4] + ("AAAA" if not bought["token"].endswith("AAAA") else "BBBB")
    (tmp_path / "key.pem").write_bytes(client.get("/api/v1/tickets/public-key.pem").data)
    refused = CliRunner().invoke(main, ["ticket", "inspect", forged, "--public-key", str(tmp_path / "key.pem")])
    assert refused.exit_code == 1 and "Signatur: UNGÜLTIG (gefälscht oder verändert" in refused.output
    assert "UNLESBAR: kein Fahrschein dieses Systems" in CliRunner().invoke(main, ["ticket", "inspect", "x"]).output

    # With no Accept-Language, the account's locale decides.
    from app.extensions import db
    from app.models import User

    with app.app_context():
        account = db.session.get(User, anna.user_id)
        assert account is not None
        account.locale = "en"
        db.session.commit()
    assert client.get(f"/api/v1/tickets/{bought['id']}", headers=anna.headers).get_json() == english


def _keys(value: object) -> list[str]:
    if isinstance(value, dict):
        return [key for key in value] + [k for item in value.values() for k in _keys(item)]
    if isinstance(value, list):
        return [k for item in value for k in _keys(item)]
    return []


ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def test_the_gdpr_export_is_complete_valid_against_its_schema_and_deletion_pseudonymises(
    app: Flask, client: FlaskClient, sign_in: Callable[..., SignedIn], demo_region: Region
) -> None:
    anna = eligible(app, client, sign_in)
    bus = _bus_record(client, demo_region, anna, app.config["SECRET_KEY"])
    booking = book(client, anna, str(URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=SALT).dumps(bus)))
    assert booking.status_code == 201, booking.get_json()  # a single ticket, bought before the pass
    bought = buy(client, anna).get_json()
    from app.extensions import db
    from app.models import PassTicket, WebhookEvent

    with app.app_context():  # a gateway event about the pass's payment, as the webhook records it
        intent = db.session.get(PassTicket, bought["id"]).intent_id  # type: ignore[union-attr]
        db.session.add(WebhookEvent(event_id="evt_1", type="payment_intent.succeeded", object_id=intent))
        db.session.add(WebhookEvent(event_id="evt_2", type="payment_intent.succeeded", object_id="pi_someone_else"))
        db.session.commit()
    export = client.get("/api/v1/me/export", headers=anna.headers).get_json()
    assert [(e["eventId"], e["concerns"]) for e in export["webhookEvents"]] == [("evt_1", f"pass {bought['id']}")]
    schema = client.get("/api/v1/me/export/schema")
    assert schema.mimetype == "application/schema+json"
    jsonschema_rs.validator_for(schema.get_json()).validate(export)
    assert not [key for key in _keys(export) if "_" in key]  # camelCase throughout
    moments = [export["exportedAt"], export["account"]["createdAt"]] + [s["createdAt"] for s in export["sessions"]]
    assert all(ISO_WITH_OFFSET.match(moment) for moment in moments), moments
    (proof,) = export["proofs"]
    assert (proof["cardNumber"], proof["benefit"], proof["status"]) == ("TC-2026-4711", "sgb2_buergergeld", "verified")
    (held,) = export["passes"]
    assert held["id"] == bought["id"] and held["payment"]["priceCents"] == 3500 and held["payment"]["intentId"]
    assert any(
        t["kind"] == "pass" and t["id"] == bought["id"] and t["token"] == bought["token"] for t in export["tickets"]
    )
    (exported,) = export["bookings"]
    single = ticket_leg(booking.get_json())
    assert exported["legs"][0]["ticketId"] == f"{exported['id']}-{single['position']}"
    assert exported["payment"]["capturedCents"] == exported["priceCents"] == single["quoteCents"]
    assert exported["events"][0]["toState"] == "pending"
    assert {t["kind"] for t in export["tickets"]} == {"pass", "single"}
    broken = json.loads(json.dumps(export))
    broken["passes"][0]["card_number"] = "x"
    with pytest.raises(jsonschema_rs.ValidationError):
        jsonschema_rs.validator_for(schema.get_json()).validate(broken)

    assert client.delete("/api/v1/me", headers=anna.headers).status_code == 204
    from sqlalchemy import select

    from app.models import Booking, BookingLeg, EligibilityProof
    from app.personal_data import DELETED_HOLDER

    with app.app_context():
        assert db.session.scalars(select(EligibilityProof)).all() == []
        kept = db.session.get(PassTicket, bought["id"])
        assert kept is not None and kept.user_id is None and kept.token is None
        assert kept.holder_name == DELETED_HOLDER and kept.price_cents == 3500  # the tax record stays
        kept_booking = db.session.get(Booking, exported["id"])
        assert kept_booking is not None and kept_booking.user_id is None and "redacted" in kept_booking.itinerary
        legs = db.session.scalars(select(BookingLeg).where(BookingLeg.booking_id == exported["id"])).all()
        assert legs and all(leg.ticket_token is None and leg.from_lat == round(leg.from_lat, 2) for leg in legs)
