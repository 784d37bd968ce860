"""German-aware normalisation of names, addresses and queries, the same on both sides.

Case is folded, umlauts and ß are spelled out (``ä`` = ``ae``, ``ß`` = ``ss``), accents
dropped and punctuation splits words. Abbreviations are expanded (``Str.`` = ``Straße``,
``Pl.`` = ``Platz``, ``Hbf`` = ``Hauptbahnhof``), also at the end of a compound
("Hauptstr." = "Hauptstraße"). A compound street word is split into its stem and its
street type ("Hauptstraße" = "Haupt Straße", "Lindenweg" = "Linden Weg"), so written
together and apart match alike. A house number and a letter typed apart join
("12 a" = "12a").
"""

from __future__ import annotations

import re
import unicodedata

_SPELLED_OUT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_WORD = re.compile(r"[a-z0-9]+")
_NUMBER = re.compile(r"^\d+[a-z]?$")
ABBREVIATIONS = {
    "hbf": "hauptbahnhof",
    "bf": "bahnhof",
    "bhf": "bahnhof",
    "str": "strasse",
    "pl": "platz",
    "st": "sankt",
}
COMPOUND_ABBREVIATIONS = {"str": "strasse"}
"""Abbreviated endings of compounds: "Hauptstr" = "Hauptstrasse"."""
STREET_TYPES = ("strasse", "platz", "allee", "gasse", "weg", "ring", "damm")
"""Endings a compound street name is split at (stem of at least three letters)."""


def fold(text: str) -> str:
    """``text`` case folded, umlauts and ß spelled out, accents removed."""
    spelled = text.casefold().translate(_SPELLED_OUT)
    return "".join(c for c in unicodedata.normalize("NFKD", spelled) if not unicodedata.combining(c))


def is_number(word: str) -> bool:
    """Whether a normalised word is a house number (digits, maybe one letter: ``12a``)."""
    return _NUMBER.match(word) is not None


def _expand(word: str) -> str:
    if word in ABBREVIATIONS:
        return ABBREVIATIONS[word]
    for short, full in COMPOUND_ABBREVIATIONS.items():
        if word.endswith(short) and len(word) > len(short) + 2:
            return word[: -len(short)] + full
    return word


def split_compound(word: str) -> tuple[str, str] | None:
    """The stem and street type of a compound street word ("lindenweg" -> "linden", "weg")."""
    for ending in STREET_TYPES:
        if word.endswith(ending) and len(word) >= len(ending) + 3:
            return word[: -len(ending)], ending
    return None


def words(text: str) -> list[str]:
    """The words of ``text`` (a name or a query), expanded and with house numbers joined."""
    raw = _WORD.findall(fold(text))
    joined: list[str] = []
    for word in raw:
        if joined and len(word) == 1 and word.isalpha() and joined[-1].isdigit():
            joined[-1] += word  # "12 a" -> "12a"
        else:
            joined.append(word)
    return [_expand(word) for word in joined]


def query_words(text: str) -> list[str]:
    """The words a query is matched with: compounds split into stem and street type."""
    out: list[str] = []
    for word in words(text):
        parts = split_compound(word)
        out.extend(parts if parts is not None else (word,))
    return out


def name_words(text: str) -> list[str]:
    """The words a name is indexed under: every word, plus stem and type of compounds."""
    out: list[str] = []
    for word in words(text):
        out.append(word)
        parts = split_compound(word)
        if parts is not None:
            out.extend(parts)
    return list(dict.fromkeys(out))


def house_number_words(housenumber: str) -> list[str]:
    """The words of an OSM ``addr:housenumber`` ("12a", "12-14" -> 12, 13, 14; "3;5" -> 3, 5)."""
    text = fold(housenumber)
    match = re.fullmatch(r"\s*(\d+)\s*-\s*(\d+)\s*", text)
    if match:
        low, high = int(match.group(1)), int(match.group(2))
        if low < high <= low + 20:
            return [str(n) for n in range(low, high + 1)]
    return [word for word in words(text) if word]
