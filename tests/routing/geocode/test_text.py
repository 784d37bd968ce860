"""German spellings a resident types, against the spellings in OSM (issue #23's list)."""

from __future__ import annotations

import pytest

from routing.geocode.text import house_number_words, is_number, name_words, query_words


@pytest.mark.parametrize(
    ("typed", "named"),
    [
        ("Muellerstr. 12", "Müllerstraße 12"),
        ("muellerstrasse 12", "Müllerstraße 12"),
        ("Mueller Strasse", "Müllerstraße"),
        ("Friedrich-Ebert-Str. 12", "Friedrich-Ebert-Straße 12"),
        ("Friedrich Ebert Strasse 12", "Friedrich-Ebert-Straße 12"),
        ("Koenigsplatz", "Königsplatz"),
        ("Koenigs Pl.", "Königsplatz"),
        ("Kassel Hbf", "Kassel Hauptbahnhof"),
        ("Weg am Lindenweg", "Am Lindenweg"),
        ("Seestr 12 a", "Seestraße 12a"),
    ],
)
def test_typed_words_are_all_words_of_the_name(typed: str, named: str) -> None:
    assert set(query_words(typed)) <= set(name_words(named))


def test_word_order_does_not_matter() -> None:
    assert set(query_words("Einheit Platz der Deutschen")) == set(query_words("Platz der Deutschen Einheit"))


@pytest.mark.parametrize(
    ("housenumber", "words"),
    [("12a", ["12a"]), ("12 A", ["12a"]), ("12-14", ["12", "13", "14"]), ("3;5", ["3", "5"]), ("7/1", ["7", "1"])],
)
def test_house_numbers(housenumber: str, words: list[str]) -> None:
    assert house_number_words(housenumber) == words


def test_numbers_are_told_from_words() -> None:
    assert is_number("12") and is_number("12a") and not is_number("a12") and not is_number("strasse")
