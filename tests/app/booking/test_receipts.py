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
from tests.app.tickets.pass_shop import MONDAY_10, buy, eligible, plan, stop_in, transit_legs
from tests.conftest_d.accounts import SignedIn

pytestmark = pytest.mark.usefixtures("shop_clock")

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


def _lines_of_text(words: list[dict[str, Any]]) -> list[str]:
    """The page's words joined into lines (words whose tops lie within 1 pt), top to bottom."""
    rows: list[list[dict[str, Any]]] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if rows and abs(rows[-1][0]["top"] - word["top"]) < 1:
            rows[-1].append(word)
        else:
            rows.append([word])
    return [" ".join(w["text"] for w in sorted(row, key=lambda w: w["x0"])) for row in rows]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "de",
            {
                "title": "Quittung",
                "heading": "Leistung",
                "reference": "Kauf {id}",
                "period": "MittendrinTicket, gültig 01.11.2026 bis 30.11.2026",
                "amount": "35,00 EUR",
                "vat": ["7 %", "2,29 EUR"],
                "totals": ["Summe (inkl. MwSt.) 35,00 EUR", "darin enthaltene MwSt. 2,29 EUR"],
            },
        ),
        (
            "en",
            {
                "title": "Receipt",
                "heading": "Item",
                "reference": "Purchase {id}",
                "period": "MittendrinTicket, valid 2026-11-01 to 2026-11-30",
                "amount": "35.00 EUR",
                "vat": ["7 %", "2.29 EUR"],
                "totals": ["Total (incl. VAT) 35.00 EUR", "of which VAT 2.29 EUR"],
            },
        ),
    ],
)
def test_the_pass_receipt_pdf_says_what_was_bought_from_whom_in_the_readers_language(
    make_app,  # type: ignore[no-untyped-def]
    sign_in: Callable[..., SignedIn],
    language: str,
    expected: dict[str, Any],
) -> None:
    # The seller is configured here; the pass and its price come from the demo fare file
    # (routing/demo/write_fares.py: MittendrinTicket, 3500 cents a month), VAT is the 7 %
    # of local public transport (§ 12 (2) 10 UStG) contained in the price: 3500 * 7 / 107.
    app = make_app(
        seller_name="Stadtwerke Kassel Mobil GmbH",
        seller_address="Königstor 3, 34117 Kassel",
        seller_vat_id="DE811111111",
        seller_register="Amtsgericht Kassel HRB 4711",
    )
    client = app.test_client()
    anna = eligible(app, client, sign_in)
    ticket = buy(client, anna).get_json()
    url = f"/api/v1/tickets/{ticket['id']}/receipt"
    headers = anna.headers | {"Accept-Language": language}
    receipt = client.get(url, headers=headers).get_json()
    response = client.get(url, headers=headers | {"Accept": "application/pdf"})
    assert response.mimetype == "application/pdf"
    words = _words(response.data)
    text = _lines_of_text(words)
    page = "\n".join(text)

    assert text[0] == "Stadtwerke Kassel Mobil GmbH"
    assert text[1] == "Königstor 3, 34117 Kassel"
    assert "DE811111111" in text[2] and "Amtsgericht Kassel HRB 4711" in text[2]
    assert expected["title"] in text and expected["reference"].format(id=ticket["id"]) in text
    assert round(3500 * 7 / 107) == 229 and receipt["vatCents"] == 229 and receipt["totalCents"] == 3500
    (line,) = receipt["lines"]
    for part in expected["totals"]:
        assert part in text, (part, text)
    # Each cell of the one table row wraps inside its column: read column by column, the words
    # are the item (the pass and its period), the operator (the tariff's issuer), VAT and amount.
    edges = [LEFT_MARGIN_MM * MM]
    for width in COLUMNS_MM:
        edges.append(edges[-1] + width * MM)
    heading = next(w for w in words if w["text"] == expected["heading"])
    total = next(w for w in words if w["text"] == expected["totals"][0].split(" ")[0])
    row = [w for w in words if heading["bottom"] < w["top"] < total["top"]]

    def column(number: int) -> str:
        return " ".join(w["text"] for w in row if edges[number] - 0.5 <= w["x0"] and w["x1"] <= edges[number + 1] + 0.5)

    assert [column(number) for number in range(len(COLUMNS_MM))] == [
        "1",
        expected["period"],
        line["operator"],
        " ".join(expected["vat"]),
        expected["amount"],
    ]
    assert line["description"] == expected["period"] and line["operator"].startswith("NVV tariff")
    # No internal codes, no word over another, nothing in the other language's table heading.
    clashes = [(a["text"], b["text"]) for i, a in enumerate(words) for b in words[i + 1 :] if _overlap(a, b)]
    assert clashes == []
    assert "mittendrin" not in page and "active" not in page
    other = {"de": "Amount", "en": "Betrag"}[language]
    assert other not in page
