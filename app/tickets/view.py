"""What a ticket says in words: holder, product, validity, area and companions, and the QR image showing it.

The same :class:`TicketView` is built from a pass in the database, from a booking's
single ticket, or from a token alone (the claims carry every field), so the app, the QR
image and the inspector's ``mobility ticket inspect`` all show the same text.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

import segno

from app.tickets.signing import TicketClaims
from routing.fares.config import ALL_AREAS, Companions, PassProduct, TimeWindow

DAY_NAMES = {"weekday": "Mon-Fri", "saturday": "Sat", "sunday": "Sun", "holiday": "public holidays"}
SINGLE_COMPANIONS = "none (valid for the holder only)"
QR_SCALE = 4


@dataclass(frozen=True)
class TicketView:
    """A ticket as an inspector reads it."""

    ticket_id: str
    holder_name: str
    product: str
    valid_from: date
    valid_until: date
    area: str
    companions: str

    @property
    def validity(self) -> str:
        """The validity period as text."""
        if self.valid_from == self.valid_until:
            return f"valid on {self.valid_from.isoformat()}"
        return f"valid {self.valid_from.isoformat()} to {self.valid_until.isoformat()}"

    def lines(self) -> list[str]:
        """The text printed beside the QR code, one fact per line."""
        return [
            self.product,
            f"Holder: {self.holder_name or '-'}",
            self.validity.capitalize(),
            f"Area: {self.area or '-'}",
            f"Companions: {self.companions or '-'}",
            f"Ticket {self.ticket_id}",
        ]


def _zone_name(zone_id: str, zone_names: dict[str, str]) -> str:
    if zone_id == ALL_AREAS:
        return "all local public transport in Germany"
    return zone_names.get(zone_id, zone_id)


def _windows(windows: tuple[TimeWindow, ...]) -> str:
    return "; ".join(
        f"{', '.join(DAY_NAMES.get(day, day) for day in sorted(window.days))} from {window.start.strftime('%H:%M')}"
        for window in windows
    )


def area_text(product: PassProduct, zone_names: dict[str, str]) -> str:
    """Where a pass is valid, with its extended area and when that applies."""
    text = _zone_name(product.area, zone_names)
    if product.extended_area:
        text += f"; {_zone_name(product.extended_area, zone_names)}"
        if product.extended_windows:
            text += f" ({_windows(product.extended_windows)})"
    return text


def companions_text(companions: Companions, *, extended: bool) -> str:
    """Who rides along free, as people read it."""
    parts = []
    if companions.adults:
        parts.append(f"{companions.adults} adult{'s' if companions.adults > 1 else ''}")
    if companions.children_under is not None:
        parts.append(f"children under {companions.children_under}")
    if not parts:
        return SINGLE_COMPANIONS
    return " and ".join(parts) + (" ride free while the extended validity applies" if extended else " ride free")


def pass_texts(product: PassProduct | None, zone_names: dict[str, str]) -> tuple[str, str]:
    """Area and companions rule of a pass product (empty when the product is no longer sold)."""
    if product is None:
        return "", ""
    return area_text(product, zone_names), companions_text(product.companions, extended=bool(product.extended_windows))


def view_from_claims(claims: TicketClaims) -> TicketView:
    """The view of a token's claims (offline: no database)."""
    return TicketView(
        ticket_id=claims.ticket_id,
        holder_name=claims.holder,
        product=claims.product,
        valid_from=claims.valid_from,
        valid_until=claims.valid_until,
        area=claims.area,
        companions=claims.companions,
    )


def qr_svg(token: str, view: TicketView) -> bytes:
    """An SVG with the QR code of ``token`` and the ticket's text beside it (real text, selectable)."""
    code = segno.make(token, error="m")
    width, height = code.symbol_size(scale=QR_SCALE)
    buffer = io.BytesIO()
    code.save(buffer, kind="svg", scale=QR_SCALE, xmldecl=False, svgns=True, nl=False)
    inner = buffer.getvalue().decode()
    lines = view.lines()
    line_height, text_x = 22, width + 16
    total_width = text_x + 16 + 9 * max(len(line) for line in lines)
    total_height = max(height, 16 + line_height * len(lines))
    bold = ' font-weight="bold"'
    texts = "".join(
        f'<text x="{text_x}" y="{28 + i * line_height}" font-family="sans-serif" font-size="16"'
        f"{bold if i == 0 else ''}>{escape(line)}</text>"
        for i, line in enumerate(lines)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_width}" height="{total_height}"'
        f' viewBox="0 0 {total_width} {total_height}"><rect width="100%" height="100%" fill="#fff"/>'
        f'<g>{inner}</g><g fill="#000">{texts}</g></svg>'
    ).encode()


def qr_png(token: str, view: TicketView) -> bytes:
    """A PNG with the QR code of ``token`` and the ticket's text beside it (drawn with Pillow)."""
    from PIL import Image, ImageDraw, ImageFont

    buffer = io.BytesIO()
    segno.make(token, error="m").save(buffer, kind="png", scale=QR_SCALE)
    buffer.seek(0)
    qr = Image.open(buffer).convert("RGB")
    font = ImageFont.load_default(size=16)
    lines = view.lines()
    probe = ImageDraw.Draw(qr)
    text_width = max(int(probe.textlength(line, font=font)) for line in lines)
    line_height = 22
    image = Image.new("RGB", (qr.width + 32 + text_width, max(qr.height, 16 + line_height * len(lines))), "white")
    image.paste(qr, (0, 0))
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        draw.text((qr.width + 16, 12 + number * line_height), line, fill="black", font=font)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


__all__ = [
    "SINGLE_COMPANIONS",
    "TicketView",
    "area_text",
    "companions_text",
    "pass_texts",
    "qr_png",
    "qr_svg",
    "view_from_claims",
]
