"""Itemised receipts of bookings and pass purchases: JSON and a printable PDF (fpdf2), in German or English.

A receipt names the seller (``MOBILITY_SELLER_*``: name, address, VAT id, register), and
per line what was bought in words, who provides it (the sharing operator; for a transit
ticket the transport companies of the rides it covers), the amount including VAT, the
VAT rate and the VAT in it. The PDF lays every line out as a table whose cells wrap
their text inside their own column.
"""

from __future__ import annotations

from datetime import date

from flask import Response, current_app, request
from fpdf import FPDF
from fpdf.fonts import FontFace
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.itinerary_ids import ItineraryRecord, stored_record
from app.models import Booking, BookingLeg, BookingState, PassTicket, Payment, Refund, utc_now
from app.schemas.bookings import Receipt, ReceiptLine, SellerOut
from app.settings import Settings
from routing.planner.request import Mode

VAT_PERCENT = {"bikeshare": 19.0, "carsharing": 19.0, "transit": 7.0}
"""German VAT by mode: 19 % standard rate for vehicle rental, 7 % for local public transport (§ 12 (2) 10 UStG)."""
PASS_VAT_PERCENT = 7.0

DEMO_SELLER = SellerOut(
    name="kassel-mobility Demo GmbH",
    address="Königsplatz 1, 34117 Kassel, Deutschland",
    vat_id="DE000000000",
    commercial_register="Amtsgericht Kassel, HRB 00000 (Demo)",
)
"""The seller on development and test receipts (production refuses to start without real details)."""

TEXTS: dict[str, dict[str, str]] = {
    "title": {"de": "Quittung", "en": "Receipt"},
    "booking": {"de": "Buchung", "en": "Booking"},
    "pass": {"de": "Kauf", "en": "Purchase"},
    "issued": {"de": "Ausgestellt am", "en": "Issued"},
    "vat_id": {"de": "USt-IdNr.", "en": "VAT id"},
    "col.position": {"de": "Pos.", "en": "No."},
    "col.item": {"de": "Leistung", "en": "Item"},
    "col.operator": {"de": "Anbieter", "en": "Operator"},
    "col.vat": {"de": "MwSt.", "en": "VAT"},
    "col.amount": {"de": "Betrag", "en": "Amount"},
    "total": {"de": "Summe (inkl. MwSt.)", "en": "Total (incl. VAT)"},
    "vat_total": {"de": "darin enthaltene MwSt.", "en": "of which VAT"},
    "refunded": {"de": "Erstattet", "en": "Refunded"},
    "mode.bikeshare": {"de": "Leihrad-Fahrt", "en": "Shared bike ride"},
    "mode.carsharing": {"de": "Carsharing-Fahrt", "en": "Car sharing trip"},
    "mode.transit": {"de": "Fahrschein", "en": "Ticket"},
    "state.completed": {"de": "gefahren", "en": "ridden"},
    "state.cancelled": {"de": "storniert", "en": "cancelled"},
    "state.cancelled_fee": {"de": "storniert, Stornogebühr", "en": "cancelled, cancellation fee"},
    "state.issued": {"de": "ausgestellt", "en": "issued"},
    "state.open": {"de": "gebucht, noch nicht abgerechnet", "en": "booked, not charged yet"},
    "on": {"de": "am", "en": "on"},
    "pass_period": {"de": "gültig {start} bis {end}", "en": "valid {start} to {end}"},
}
"""Receipt texts; the API's other texts are in :mod:`app.i18n`."""


def _t(key: str, language: str) -> str:
    return TEXTS[key][language if language in ("de", "en") else "de"]


def seller_from(settings: Settings) -> SellerOut:
    """The seller as configured, the demo seller's details standing in for what is not set."""
    return SellerOut(
        name=settings.seller_name or DEMO_SELLER.name,
        address=settings.seller_address or DEMO_SELLER.address,
        vat_id=settings.seller_vat_id or DEMO_SELLER.vat_id,
        commercial_register=settings.seller_register or DEMO_SELLER.commercial_register,
    )


def _cents(amount: int, currency: str, language: str) -> str:
    text = f"{amount / 100:,.2f}"
    if language == "de":
        text = text.replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"{text} {currency}"


def _day(value: date, language: str) -> str:
    return f"{value:%d.%m.%Y}" if language == "de" else f"{value:%Y-%m-%d}"


def _vat(amount: int, rate: float) -> int:
    return round(amount * rate / (100 + rate))


def _ticket_operator(record: ItineraryRecord | None, position: int, fallback: str) -> str:
    """The transport companies of the rides a ticket leg at ``position`` covers (from the planned itinerary)."""
    agencies: list[str] = []
    for leg in record.legs[position:] if record is not None else []:
        agency = leg.ride.agency if leg.ride is not None else ""
        if leg.mode is Mode.TRANSIT and agency and agency not in agencies:
            agencies.append(agency)
    return ", ".join(agencies) or fallback


def _state_text(leg: BookingLeg, amount: int, language: str) -> str:
    if leg.state == BookingState.COMPLETED.value:
        return _t("state.issued" if leg.mode == "transit" else "state.completed", language)
    if leg.state == BookingState.CANCELLED.value:
        return _t("state.cancelled_fee" if amount else "state.cancelled", language)
    return _t("state.open", language)


def _leg_line(leg: BookingLeg, record: ItineraryRecord | None, language: str, fallback_operator: str) -> ReceiptLine:
    if leg.state == BookingState.COMPLETED.value:
        amount = leg.final_cents if leg.final_cents is not None else leg.quote_cents
    elif leg.state == BookingState.CANCELLED.value:
        amount = leg.final_cents or 0  # the operator's cancellation fee, if any
    else:
        amount = 0
    rate = VAT_PERCENT.get(leg.mode, 19.0)
    kind = _t(f"mode.{leg.mode}", language) if f"mode.{leg.mode}" in TEXTS else leg.mode
    when = f"{_t('on', language)} {_day(leg.starts_at.date(), language)}"
    if leg.mode == "transit":
        operator = _ticket_operator(record, leg.position, fallback_operator)
        description = f"{kind} {leg.operator} {when}, {_state_text(leg, amount, language)}"
    else:
        operator = leg.operator or leg.provider
        description = f"{kind} {when}, {_state_text(leg, amount, language)}"
    return ReceiptLine(
        position=leg.position,
        description=description,
        operator=operator,
        amount_cents=amount,
        vat_rate_percent=rate,
        vat_cents=_vat(amount, rate),
    )


def receipt_for(db: Session, booking: Booking, *, seller: SellerOut = DEMO_SELLER, language: str = "de") -> Receipt:
    """What the booking cost, per leg: the actual price of ridden legs, nothing for cancelled ones."""
    legs = db.scalars(select(BookingLeg).where(BookingLeg.booking_id == booking.id).order_by(BookingLeg.position))
    payment = db.scalar(select(Payment).where(Payment.booking_id == booking.id))
    refunded = 0
    if payment is not None:
        refunded = sum(r.amount_cents for r in db.scalars(select(Refund).where(Refund.payment_id == payment.id)))
    record = stored_record(booking.itinerary)
    lines = [_leg_line(leg, record, language, seller.name) for leg in legs]
    return Receipt(
        booking_id=booking.id,
        issued_at=utc_now(),
        currency=booking.currency,
        seller=seller,
        language=language,
        lines=lines,
        total_cents=sum(line.amount_cents for line in lines),
        refunded_cents=refunded,
        vat_cents=sum(line.vat_cents for line in lines),
    )


def pass_receipt(ticket: PassTicket, *, issuer: str, seller: SellerOut = DEMO_SELLER, language: str = "de") -> Receipt:
    """The receipt of a pass purchase: one line for the pass, valid for its period, issued under ``issuer``'s tariff."""
    paid = ticket.price_cents if ticket.status in ("active", "revoked") else 0
    period = _t("pass_period", language).format(
        start=_day(ticket.valid_from, language), end=_day(ticket.valid_until, language)
    )
    line = ReceiptLine(
        position=1,
        description=f"{ticket.product_name}, {period}",
        operator=issuer,
        amount_cents=paid,
        vat_rate_percent=PASS_VAT_PERCENT,
        vat_cents=_vat(paid, PASS_VAT_PERCENT),
    )
    return Receipt(
        booking_id=None,
        pass_id=ticket.id,
        issued_at=utc_now(),
        currency=ticket.currency,
        seller=seller,
        language=language,
        lines=[line],
        total_cents=paid,
        refunded_cents=ticket.refunded_cents,
        vat_cents=line.vat_cents,
    )


# PDF -----------------------------------------------------------------------------------------

COLUMNS_MM = (12, 68, 45, 30, 30)
"""Widths of position, item, operator, VAT and amount (185 mm: A4 minus margins)."""


FONT = "Helvetica"


def _latin1(text: str) -> str:
    """Core PDF fonts speak Latin-1; anything else becomes '?'."""
    return text.encode("latin-1", "replace").decode("latin-1")


def receipt_pdf(receipt: Receipt) -> bytes:
    """The receipt as an A4 PDF: seller, reference, a wrapped table of lines, totals."""
    language = receipt.language
    pdf = FPDF(format="A4")
    pdf.set_margins(12.5, 15, 12.5)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font(FONT, "B", 11)
    pdf.multi_cell(0, 5.5, _latin1(receipt.seller.name), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    who = receipt.seller
    seller = f"{who.address}\n{_t('vat_id', language)} {who.vat_id} - {who.commercial_register}"
    pdf.multi_cell(0, 4.5, _latin1(seller), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(FONT, "B", 16)
    pdf.cell(0, 9, _latin1(_t("title", language)), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    reference = (
        f"{_t('booking', language)} {receipt.booking_id}"
        if receipt.booking_id
        else f"{_t('pass', language)} {receipt.pass_id}"
    )
    pdf.cell(0, 6, _latin1(reference), new_x="LMARGIN", new_y="NEXT")
    issued = f"{_t('issued', language)} {receipt.issued_at:%d.%m.%Y %H:%M} UTC"
    pdf.cell(0, 6, _latin1(issued), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FONT, "", 9)
    currency = receipt.currency
    headings = [_t(f"col.{name}", language) for name in ("position", "item", "operator", "vat", "amount")]
    with pdf.table(
        col_widths=COLUMNS_MM,
        width=sum(COLUMNS_MM),
        text_align=("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT"),
        headings_style=FontFace(emphasis="BOLD"),
        line_height=4.5,
        padding=1.2,
        borders_layout="HORIZONTAL_LINES",
    ) as table:
        table.row([_latin1(heading) for heading in headings])
        for line in receipt.lines:
            vat = f"{line.vat_rate_percent:g} %\n{_cents(line.vat_cents, currency, language)}"
            table.row(
                [
                    str(line.position),
                    _latin1(line.description),
                    _latin1(line.operator),
                    _latin1(vat),
                    _latin1(_cents(line.amount_cents, currency, language)),
                ]
            )
    pdf.ln(3)
    label_width = sum(COLUMNS_MM[:-1])
    totals = [(_t("total", language), receipt.total_cents, "B"), (_t("vat_total", language), receipt.vat_cents, "")]
    if receipt.refunded_cents:
        totals.append((_t("refunded", language), -receipt.refunded_cents, ""))
    for label, amount, style in totals:
        pdf.set_font(FONT, style, 10)
        pdf.cell(label_width, 6, _latin1(label), align="R")
        pdf.cell(
            COLUMNS_MM[-1], 6, _latin1(_cents(amount, currency, language)), align="R", new_x="LMARGIN", new_y="NEXT"
        )
    return bytes(pdf.output())


def receipt_response(receipt: Receipt, filename: str) -> Receipt | Response:
    """The receipt as JSON, or as a PDF when the request prefers ``application/pdf``."""
    wanted = request.accept_mimetypes.best_match(["application/json", "application/pdf"], default="application/json")
    if wanted != "application/pdf":
        return receipt
    return Response(
        receipt_pdf(receipt),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


def request_seller() -> SellerOut:
    """The seller configured for the running application."""
    settings: Settings = current_app.extensions["mobility.settings"]
    return seller_from(settings)
