"""What a ticket says in words: holder, product, validity, area and companions, and the QR image showing it.

The same :class:`TicketView` is built from a pass in the database, from a booking's
single ticket, or from a token alone (the claims carry every field), so the app, the QR
image and the inspector's ``mobility ticket inspect`` all show the same text. Every text
exists in German and English (the signed token carries both, so the offline inspector can
show either); the reader's language picks one.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

import segno

from app.i18n import NO_TEXT, Bilingual, text, texts
from app.tickets.signing import TicketClaims
from routing.fares.config import ALL_AREAS, Companions, PassProduct, TimeWindow

SINGLE_COMPANIONS = texts("ticket.companions.none")
"""Who rides along on a single ticket: nobody."""
QR_SCALE = 4
_DAYS = ("weekday", "saturday", "sunday", "holiday")


def _day(day: date, language: str) -> str:
    return day.strftime("%d.%m.%Y") if language == "de" else day.isoformat()


@dataclass(frozen=True)
class TicketView:
    """A ticket as an inspector reads it, in German and English."""

    ticket_id: str
    holder_name: str
    product: str
    valid_from: date
    valid_until: date
    area: Bilingual
    companions: Bilingual

    def validity(self, language: str) -> str:
        """The validity period as text (German dates ``DD.MM.YYYY``, English ISO 8601)."""
        if self.valid_from == self.valid_until:
            return text("ticket.valid_on", language, day=_day(self.valid_from, language))
        return text(
            "ticket.valid_from_to",
            language,
            start=_day(self.valid_from, language),
            end=_day(self.valid_until, language),
        )

    def lines(self, language: str) -> list[str]:
        """The text printed beside the QR code, one fact per line."""
        validity = self.validity(language)
        return [
            self.product,
            text("ticket.holder", language, name=self.holder_name or "-"),
            validity[:1].upper() + validity[1:],
            text("ticket.area", language, area=self.area.in_(language) or "-"),
            text("ticket.companions", language, companions=self.companions.in_(language) or "-"),
            text("ticket.number", language, id=self.ticket_id),
        ]


def _zone_name(zone_id: str, zone_names: dict[str, str], language: str) -> str:
    if zone_id == ALL_AREAS:
        return text("ticket.area.germany", language)
    return zone_names.get(zone_id, zone_id)


def _day_name(day: str, language: str) -> str:
    return text(f"ticket.day.{day}", language) if day in _DAYS else day


def _day_order(day: str) -> tuple[int, str]:
    return (_DAYS.index(day) if day in _DAYS else len(_DAYS), day)


def _windows(windows: tuple[TimeWindow, ...], language: str) -> str:
    return "; ".join(
        text(
            "ticket.window",
            language,
            days=", ".join(_day_name(day, language) for day in sorted(window.days, key=_day_order)),
            **{"from": window.start.strftime("%H:%M")},
        )
        for window in windows
    )


def _area_text(product: PassProduct, zone_names: dict[str, str], language: str) -> str:
    words = _zone_name(product.area, zone_names, language)
    if product.extended_area:
        words += f"; {_zone_name(product.extended_area, zone_names, language)}"
        if product.extended_windows:
            words += f" ({_windows(product.extended_windows, language)})"
    return words


def area_text(product: PassProduct, zone_names: dict[str, str]) -> Bilingual:
    """Where a pass is valid, with its extended area and when that applies."""
    return Bilingual(de=_area_text(product, zone_names, "de"), en=_area_text(product, zone_names, "en"))


def _companions_text(companions: Companions, *, extended: bool, language: str) -> str:
    parts = []
    if companions.adults == 1:
        parts.append(text("ticket.companions.adult", language))
    elif companions.adults:
        parts.append(text("ticket.companions.adults", language, n=companions.adults))
    if companions.children_under is not None:
        parts.append(text("ticket.companions.children", language, age=companions.children_under))
    if not parts:
        return SINGLE_COMPANIONS.in_(language)
    who = parts[0] if len(parts) == 1 else text("ticket.companions.and", language, first=parts[0], second=parts[1])
    return text("ticket.companions.free_extended" if extended else "ticket.companions.free", language, who=who)


def companions_text(companions: Companions, *, extended: bool) -> Bilingual:
    """Who rides along free, as people read it."""
    return Bilingual(
        de=_companions_text(companions, extended=extended, language="de"),
        en=_companions_text(companions, extended=extended, language="en"),
    )


def single_area(level_name: str) -> Bilingual:
    """Where a single ticket is valid: its tariff level."""
    return texts("ticket.area.tariff_level", level=level_name)


def pass_texts(product: PassProduct | None, zone_names: dict[str, str]) -> tuple[Bilingual, Bilingual]:
    """Area and companions rule of a pass product (empty when the product is no longer sold)."""
    if product is None:
        return NO_TEXT, NO_TEXT
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


def qr_svg(token: str, view: TicketView, language: str) -> bytes:
    """An SVG with the QR code of ``token`` and the ticket's text beside it (real text, selectable)."""
    code = segno.make(token, error="m")
    width, height = code.symbol_size(scale=QR_SCALE)
    buffer = io.BytesIO()
    code.save(buffer, kind="svg", scale=QR_SCALE, xmldecl=False, svgns=True, nl=False)
    inner = buffer.getvalue().decode()
    lines = view.lines(language)
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


PNG_FONTS = ("DejaVuSans.ttf", "LiberationSans-Regular.ttf", "NotoSans-Regular.ttf", "Arial.ttf")
"""TrueType fonts with German letters tried for the PNG, by file name in the system's font folders
(Debian: ``fonts-dejavu-core``). Pillow's built-in font has no umlauts."""
_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss", "\u2013": "-"})


def png_font(size: int = 16) -> tuple[Any, bool]:
    """The PNG's font and whether it draws German letters (False: Pillow's built-in font, umlauts folded)."""
    from PIL import ImageFont

    for name in PNG_FONTS:
        try:
            return ImageFont.truetype(name, size), True
        except OSError:
            continue
    return ImageFont.load_default(size=size), False


def qr_png(token: str, view: TicketView, language: str) -> bytes:
    """A PNG with the QR code of ``token`` and the ticket's text beside it (drawn with Pillow).

    Without a system font that has German letters, umlauts and ß are written ae, oe, ue, ss.
    """
    from PIL import Image, ImageDraw

    buffer = io.BytesIO()
    segno.make(token, error="m").save(buffer, kind="png", scale=QR_SCALE)
    buffer.seek(0)
    qr = Image.open(buffer).convert("RGB")
    font, full = png_font(16)
    lines = view.lines(language) if full else [line.translate(_FOLD) for line in view.lines(language)]
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
    "png_font",
    "qr_png",
    "qr_svg",
    "single_area",
    "view_from_claims",
]
