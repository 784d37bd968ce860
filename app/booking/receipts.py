"""Itemised receipts of bookings: JSON and a printable PDF (fpdf2)."""

from __future__ import annotations

from fpdf import FPDF
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Booking, BookingLeg, BookingState, Payment, Refund, utc_now
from app.schemas.bookings import Receipt, ReceiptLine

VAT_PERCENT = {"bikeshare": 19.0, "carsharing": 19.0, "transit": 7.0}
"""German VAT by mode: 19 % standard rate for vehicle rental, 7 % for local public transport (§ 12 (2) 10 UStG)."""
MODE_NAMES = {
    "bikeshare": "Leihrad / shared bike",
    "carsharing": "Carsharing / car sharing",
    "transit": "Fahrschein / ticket",
}


def _cents(amount: int, currency: str) -> str:
    return f"{amount / 100:.2f} {currency}".replace(".", ",")


def receipt_for(db: Session, booking: Booking) -> Receipt:
    """What the booking cost, per leg: the actual price of ridden legs, nothing for cancelled ones."""
    legs = db.scalars(select(BookingLeg).where(BookingLeg.booking_id == booking.id).order_by(BookingLeg.position))
    payment = db.scalar(select(Payment).where(Payment.booking_id == booking.id))
    refunded = 0
    if payment is not None:
        refunded = sum(r.amount_cents for r in db.scalars(select(Refund).where(Refund.payment_id == payment.id)))
    lines = []
    for leg in legs:
        if leg.state == BookingState.COMPLETED.value:
            amount = leg.final_cents if leg.final_cents is not None else leg.quote_cents
        elif leg.state == BookingState.CANCELLED.value:
            amount = leg.final_cents or 0  # the operator's cancellation fee, if any
        else:
            amount = 0
        rate = VAT_PERCENT.get(leg.mode, 19.0)
        lines.append(
            ReceiptLine(
                position=leg.position,
                description=f"{MODE_NAMES.get(leg.mode, leg.mode)} ({leg.vehicle_type_id}, {leg.state})",
                operator=leg.operator or leg.provider,
                amount_cents=amount,
                vat_rate_percent=rate,
                vat_cents=round(amount * rate / (100 + rate)),
            )
        )
    total = sum(line.amount_cents for line in lines)
    return Receipt(
        booking_id=booking.id,
        issued_at=utc_now(),
        currency=booking.currency,
        lines=lines,
        total_cents=total,
        refunded_cents=refunded,
        vat_cents=sum(line.vat_cents for line in lines),
    )


def receipt_pdf(receipt: Receipt) -> bytes:
    """The receipt as a one-page A4 PDF."""
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, "kassel-mobility - Quittung / Receipt", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(0, 6, f"Buchung / booking {receipt.booking_id}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, f"Ausgestellt / issued {receipt.issued_at:%Y-%m-%d %H:%M} UTC", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 10)
    widths = (10, 70, 50, 30, 30)
    for width, title in zip(
        widths, ("#", "Leistung / item", "Anbieter / operator", "MwSt. / VAT", "Betrag / amount"), strict=True
    ):
        pdf.cell(width, 7, title, border="B")
    pdf.ln()
    pdf.set_font("Helvetica", "", 9)
    for line in receipt.lines:
        cells = (
            str(line.position),
            line.description,
            line.operator,
            f"{line.vat_rate_percent:g} % ({_cents(line.vat_cents, receipt.currency)})",
            _cents(line.amount_cents, receipt.currency),
        )
        for width, text in zip(widths, cells, strict=True):
            pdf.cell(width, 6, text[:48].encode("latin-1", "replace").decode("latin-1"))
        pdf.ln()
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(160, 7, "Summe / total (inkl. MwSt. / incl. VAT)")
    pdf.cell(30, 7, _cents(receipt.total_cents, receipt.currency), new_x="LMARGIN", new_y="NEXT")
    if receipt.refunded_cents:
        pdf.cell(160, 7, "Erstattet / refunded")
        pdf.cell(30, 7, "-" + _cents(receipt.refunded_cents, receipt.currency), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
