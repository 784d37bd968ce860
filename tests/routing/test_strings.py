"""StringTable: indexes as a list's, with its decoded-string cache bounded."""

from __future__ import annotations

import pytest

from routing import strings
from routing.strings import StringTable


def test_indexes_read_like_a_list() -> None:
    words = ["Königstor", "", "Friedrichsplatz", "Wilhelmshöhe"]
    table = StringTable.from_strings(words)
    assert len(table) == 4
    assert [table[i] for i in range(4)] == words
    assert [table[i] for i in range(-4, 0)] == words  # negative and positive name the same string
    for wrong in (4, -5):
        with pytest.raises(IndexError):
            table[wrong]


def test_the_cache_of_decoded_strings_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(strings, "DECODED_KEPT", 8)
    words = [f"Straße {n}" for n in range(50)]
    table = StringTable.from_strings(words)
    for _ in range(2):
        assert [table[i] for i in range(50)] == words
    assert len(table._decoded) <= 8
