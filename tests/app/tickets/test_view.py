"""app.tickets.view: the words of a ticket in German and English, from the demo fare configuration's products."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

import pytest
from PIL import Image

from app.i18n import LANGUAGES, MESSAGES, Bilingual
from app.tickets import view as view_module
from app.tickets.view import SINGLE_COMPANIONS, TicketView, pass_texts, png_font, qr_png, single_area
from routing.demo.write_fares import fares_document
from routing.fares.config import ALL_AREAS, parse_fare_config

FARES = parse_fare_config(fares_document(), source="demo fares")
ZONES = {"kasselplus": "KasselPlus", "nvv": "NVV"}
ENGLISH = re.compile(r"\b(valid|Holder|Area|Companions|Ticket|adults?|children|ride|free|from|Mon|Sat|Sun|none)\b")


def test_a_pass_with_an_extended_area_names_both_areas_and_when_the_extension_applies() -> None:
    product = FARES.passes["mittendrin"]
    # From the fare data: KasselPlus always, NVV on weekdays from 19:00 and all day at weekends and on holidays.
    assert product.area == "kasselplus" and product.extended_area == "nvv"
    area, companions = pass_texts(product, ZONES)
    assert area.en == "KasselPlus; NVV (Mon-Fri from 19:00; Sat, Sun, public holidays from 00:00)"
    assert area.de == "KasselPlus; NVV (Mo-Fr ab 19:00 Uhr; Sa, So, Feiertage ab 00:00 Uhr)"
    assert (product.companions.adults, product.companions.children_under) == (1, 18)
    assert companions.en == "1 adult and children under 18 ride free while the extended validity applies"
    assert companions.de == (
        "1 erwachsene Person und Kinder unter 18 Jahren fahren kostenlos mit, solange die erweiterte Gültigkeit gilt"
    )


def test_a_pass_valid_everywhere_has_no_companions_and_says_so_in_both_languages() -> None:
    product = FARES.passes["deutschlandticket"]
    assert product.area == ALL_AREAS and not product.extended_area
    area, companions = pass_texts(product, ZONES)
    assert (area.de, area.en) == ("gesamter Nahverkehr in Deutschland", "all local public transport in Germany")
    assert companions == SINGLE_COMPANIONS
    assert not ENGLISH.search(companions.de) and companions.de != companions.en


def test_a_product_no_longer_sold_has_no_texts() -> None:
    area, companions = pass_texts(None, ZONES)
    assert area == companions == Bilingual(de="", en="")


@pytest.mark.parametrize(
    ("start", "end", "german", "english"),
    [
        (
            date(2026, 11, 1),
            date(2026, 11, 30),
            "gültig vom 01.11.2026 bis 30.11.2026",
            "valid 2026-11-01 to 2026-11-30",
        ),
        (date(2026, 12, 2), date(2026, 12, 2), "gültig am 02.12.2026", "valid on 2026-12-02"),
    ],
)
def test_validity_reads_as_a_period_or_a_day(start: date, end: date, german: str, english: str) -> None:
    view = TicketView("t1", "Anna", "Einzelfahrschein", start, end, single_area("PS 1"), SINGLE_COMPANIONS)
    assert (view.validity("de"), view.validity("en")) == (german, english)


def test_every_line_beside_the_qr_code_is_in_the_one_language() -> None:
    view = TicketView(
        "bk1-2", "Anna Beispiel", "NVV", date(2026, 12, 2), date(2026, 12, 2), single_area("PS 3"), SINGLE_COMPANIONS
    )
    german, english = view.lines("de"), view.lines("en")
    assert german == [
        "NVV",
        "Inhaber/in: Anna Beispiel",
        "Gültig am 02.12.2026",
        "Geltungsbereich: Tarifstufe PS 3",
        "Mitfahrende: keine (gilt nur für die Inhaberin oder den Inhaber)",
        "Fahrschein bk1-2",
    ]
    assert english[1:] == [
        "Holder: Anna Beispiel",
        "Valid on 2026-12-02",
        "Area: tariff level PS 3",
        "Companions: none (valid for the holder only)",
        "Ticket bk1-2",
    ]
    assert not [line for line in german[1:] if ENGLISH.search(line)]


def test_every_ticket_text_exists_in_both_languages() -> None:
    keys = [key for key in MESSAGES if key.startswith("ticket.")]
    assert len(keys) >= 25
    for key in keys:
        assert set(MESSAGES[key]) == set(LANGUAGES), key
        assert MESSAGES[key]["de"] != MESSAGES[key]["en"], key


def _undrawn(font: Any, text: str) -> list[str]:
    """The characters of ``text`` the font draws as its 'missing glyph' box."""
    missing = bytes(font.getmask("\U0010ffff"))
    return sorted({c for c in text if not c.isspace() and bytes(font.getmask(c)) == missing})


GERMAN_VIEW = TicketView(
    "p1",
    "Jürgen Müßig",
    "MittendrinTicket",
    date(2026, 11, 1),
    date(2026, 11, 30),
    *pass_texts(FARES.passes["mittendrin"], ZONES),
)


def test_the_png_draws_every_letter_of_the_german_lines() -> None:
    font, full = png_font(16)
    if not full:
        pytest.skip("no TrueType font with German letters installed (Debian: fonts-dejavu-core)")
    assert _undrawn(font, "".join(GERMAN_VIEW.lines("de"))) == []
    image = Image.open(io.BytesIO(qr_png("MT1.a.b", GERMAN_VIEW, "de")))
    assert image.format == "PNG" and image.width > 400


def test_without_such_a_font_the_png_folds_umlauts_instead_of_drawing_boxes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(view_module, "PNG_FONTS", ())
    font, full = png_font(16)
    assert not full
    assert _undrawn(font, "äöüß") != [], "the built-in font has no umlauts (else this fallback is not needed)"
    folded = "".join(GERMAN_VIEW.lines("de")).translate(view_module._FOLD)
    assert "Juergen Muessig" in folded and _undrawn(font, folded) == []
    assert Image.open(io.BytesIO(qr_png("MT1.a.b", GERMAN_VIEW, "de"))).format == "PNG"
