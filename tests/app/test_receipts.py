"""Receipts: seller, words in de and en, each leg's operator, one per booking and pass purchase, no overlapping cells.

The PDF layout is checked on the text positions pdfplumber extracts.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.booking.receipts import COLUMNS_MM, DEMO_SELLER, receipt_pdf
from app.schemas.bookings import Receipt, ReceiptLine, SellerOut
from routing.region.region import Region
from tests.app.test_passes import MONDAY_10, buy, eligible, plan, shop_clock, stop_in, transit_legs  # noqa: F401
from tests.conftest_d.accounts import SignedIn

MM = 72 / 25.4
LEFT_MARGIN_MM = 12.5
LONG_OPERATOR = "Nordhessischer VerkehrsVerbund und Kasseler Verkehrs-Gesellschaft Aktiengesellschaft"


def _receipt(language: str = "de") -> Receipt:
    return Receipt(
        booking_id="b" * 32,
        issued_at=datetime(2026, 12, 2, 9, 30, tzinfo=UTC),
        currency="EUR",
        seller=SellerOut(
            name="Kassel Mobil GmbH",
            address="Königsplatz 1, 34117 Kassel",
            vat_id="DE123456789",
            commercial_register="Amtsgericht Kassel HRB 1234",
        ),
        language=language,
        lines=[
            ReceiptLine(
                position=1,
                description="Fahrschein Einzelfahrschein Preisstufe 3 (KasselPlus) am 02.12.2026, ausgestellt",
                operator=LONG_OPERATOR,
                amount_cents=350,
                vat_rate_percent=7.0,
                vat_cents=23,
            ),
            ReceiptLine(
                position=3,
                description="Leihrad-Fahrt am 02.12.2026, gefahren",
                operator="Demo-Rad Kassel (nextbike by TIER-Dott, Betreiberin der Leihradflotte)",
                amount_cents=100,
                vat_rate_percent=19.0,
                vat_cents=16,
            ),
        ],
        total_cents=450,
        refunded_cents=0,
        vat_cents=39,
    )


def _words(pdf: bytes) -> list[dict[str, Any]]:
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        assert len(document.pages) == 1
        return list(document.pages[0].extract_words(keep_blank_chars=False))


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return (
        a["x0"] < b["x1"] - 0.1
        and b["x0"] < a["x1"] - 0.1
        and a["top"] < b["bottom"] - 0.1
        and b["top"] < a["bottom"] - 0.1
    )


def test_no_two_words_of_the_receipt_overlap_and_each_cell_stays_in_its_column() -> None:
    words = _words(receipt_pdf(_receipt()))
    clashes = [(a["text"], b["text"]) for i, a in enumerate(words) for b in words[i + 1 :] if _overlap(a, b)]
    assert clashes == []
    edges = [LEFT_MARGIN_MM * MM]
    for width in COLUMNS_MM:
        edges.append(edges[-1] + width * MM)
    heading = next(word for word in words if word["text"] == "Leistung")
    total = next(word for word in words if word["text"] == "Summe")
    rows = [word for word in words if heading["top"] <= word["top"] < total["top"]]
    for word in rows:
        column = next(i for i in range(len(COLUMNS_MM)) if edges[i] - 0.5 <= word["x0"] < edges[i + 1])
        assert word["x1"] <= edges[column + 1] + 0.5, f"{word['text']!r} runs out of column {column}"
    columns: dict[int, list[str]] = {}
    for word in rows:
        column = next(i for i in range(len(COLUMNS_MM)) if edges[i] - 0.5 <= word["x0"] < edges[i + 1])
        columns.setdefault(column, []).append(word["text"])
    vat_column, operator_column = " ".join(columns[3]), " ".join(columns[2])
    assert "7 % 0,23 EUR 19 % 0,16 EUR" in vat_column
    assert "Aktiengesellschaft" in operator_column, "a long operator name wraps inside its cell instead of being cut"


def test_the_receipt_names_the_seller_and_speaks_the_readers_language() -> None:
    german = " ".join(word["text"] for word in _words(receipt_pdf(_receipt("de"))))
    for part in ("Kassel Mobil GmbH", "Königsplatz 1, 34117 Kassel", "DE123456789", "HRB 1234", "Quittung", "Betrag"):
        assert part in german
    english = " ".join(word["text"] for word in _words(receipt_pdf(_receipt("en"))))
    assert "Receipt" in english and "Amount" in english and "Total (incl. VAT)" in english and "Quittung" not in english


def test_a_receipt_page_renders_to_png(tmp_path: Path) -> None:
    pytest.importorskip("pypdfium2")
    with pdfplumber.open(io.BytesIO(receipt_pdf(_receipt()))) as document:
        image = document.pages[0].to_image(resolution=100)
        target = tmp_path / "receipt.png"
        image.save(target)
    assert target.read_bytes().startswith(b"\x89PNG")


def test_a_bus_trips_receipt_names_the_transport_company_and_the_seller_in_words(
    app: Flask, client: FlaskClient, sign_in: Callable[..., SignedIn], demo_region: Region
) -> None:
    bert = sign_in(app)
    origin, destination = stop_in(demo_region, "kassel"), stop_in(demo_region, "kasselplus", outside="kassel")
    itinerary = next(
        it for it in plan(client, origin, destination, MONDAY_10, bert.headers)["itineraries"] if transit_legs(it)
    )
    agencies = {leg["transit"]["agency"] for leg in transit_legs(itinerary)}
    booked = client.post(
        "/api/v1/bookings",
        json={"itineraryId": itinerary["id"]},
        headers=bert.headers | {"Idempotency-Key": str(uuid.uuid4())},
    ).get_json()
    (ticket,) = booked["legs"]
    url = f"/api/v1/bookings/{booked['id']}/receipt"
    receipt = client.get(url, headers=bert.headers | {"Accept-Language": "en"}).get_json()
    (line,) = receipt["lines"]
    assert set(line["operator"].split(", ")) == agencies
    assert "Einzelfahrschein" not in line["operator"], "the operator is the transport company, not the ticket name"
    assert line["description"].startswith("Ticket Einzelfahrschein") and "issued" in line["description"]
    assert f"({ticket['vehicleTypeId']}," not in line["description"] and "completed" not in line["description"]
    assert receipt["seller"] == DEMO_SELLER.model_dump(by_alias=True) and receipt["language"] == "en"
    german = client.get(url, headers=bert.headers | {"Accept-Language": "de"}).get_json()
    assert (
        german["lines"][0]["description"].startswith("Fahrschein ")
        and "ausgestellt" in german["lines"][0]["description"]
    )


def test_a_pass_purchase_has_its_own_receipt(app: Flask, client: FlaskClient, sign_in: Callable[..., SignedIn]) -> None:
    anna = eligible(app, client, sign_in)
    ticket = buy(client, anna).get_json()
    url = f"/api/v1/tickets/{ticket['id']}/receipt"
    receipt = client.get(url, headers=anna.headers | {"Accept-Language": "de"}).get_json()
    assert receipt["passId"] == ticket["id"] and receipt["bookingId"] is None
    (line,) = receipt["lines"]
    assert line["description"].startswith("MittendrinTicket, gültig 01.11.2026 bis 30.11.2026")
    assert line["amountCents"] == receipt["totalCents"] == 3500 and line["vatRatePercent"] == 7.0
    assert line["operator"] and line["operator"] != receipt["seller"]["name"]
    pdf = client.get(url, headers=anna.headers | {"Accept": "application/pdf"})
    assert pdf.mimetype == "application/pdf"
    assert "MittendrinTicket" in " ".join(word["text"] for word in _words(pdf.data))
    other = sign_in(app)
    assert client.get(url, headers=other.headers).status_code == 404


def test_the_configured_seller_is_on_the_receipt(make_app, sign_in: Callable[..., SignedIn]) -> None:  # type: ignore[no-untyped-def]
    app = make_app(seller_name="Stadtwerke Kassel Mobil", seller_vat_id="DE999999999")
    client = app.test_client()
    anna = eligible(app, client, sign_in)
    ticket = buy(client, anna).get_json()
    seller = client.get(f"/api/v1/tickets/{ticket['id']}/receipt", headers=anna.headers).get_json()["seller"]
    assert (seller["name"], seller["vatId"], seller["address"]) == (
        "Stadtwerke Kassel Mobil",
        "DE999999999",
        DEMO_SELLER.address,
    )
