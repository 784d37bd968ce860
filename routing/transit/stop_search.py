"""Stop search by name, the way people in Kassel type it.

Names and queries are normalised the same way: case folded, umlauts and ß spelled out
(``ä`` = ``ae``, ``ß`` = ``ss``), accents dropped, punctuation split, and common
abbreviations expanded (``Hbf`` = ``Hauptbahnhof``, ``Bf``/``Bhf`` = ``Bahnhof``,
``Str.`` = ``Straße``, ``Pl.`` = ``Platz``). Every query word must match a word of the
name: exactly, as a prefix (so "Königspl" finds "Königsplatz"), or within a small edit
distance (rapidfuzz; one typo from 4 letters, two from 8). Stations stand for their
platforms; a platform without a station is its own entry.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from routing.transit.timetable import Timetable

_SPELLED_OUT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_WORD = re.compile(r"[a-z0-9]+")
ABBREVIATIONS = {
    "hbf": "hauptbahnhof",
    "bf": "bahnhof",
    "bhf": "bahnhof",
    "str": "strasse",
    "pl": "platz",
    "st": "sankt",
}
EXACT, PREFIX = 100.0, 95.0
MIN_SCORE = 70.0


def normalise(text: str) -> list[str]:
    """The words of ``text`` as the index compares them."""
    spelled = text.casefold().translate(_SPELLED_OUT)
    plain = "".join(c for c in unicodedata.normalize("NFKD", spelled) if not unicodedata.combining(c))
    words = []
    for word in _WORD.findall(plain):
        words.append(ABBREVIATIONS.get(word, word))
        if word.endswith("str") and len(word) > 3 and word not in ABBREVIATIONS:  # "Holländischestr." written together
            words.append(word + "asse")
    return words


def _max_typos(word: str) -> int:
    return 0 if len(word) < 4 else 1 if len(word) < 8 else 2


@dataclass(frozen=True)
class StopMatch:
    """A stop (or station) found by name, with how well it matched (0-100)."""

    index: int
    score: float


class StopNameIndex:
    """Searchable names of a timetable's stations and stand-alone stops."""

    def __init__(self, timetable: Timetable) -> None:
        parents = np.asarray(timetable.stop_parent)
        location_type = np.asarray(timetable.stop_location_type)
        # Stations, and stops (location_type 0) without a station, are the entries people pick.
        self.entries: NDArray[np.int64] = np.flatnonzero(
            (location_type == 1) | ((location_type == 0) & (parents < 0))
        ).astype(np.int64)
        vocabulary: dict[str, int] = {}
        entry_words: list[list[int]] = []
        for stop in self.entries.tolist():
            words = normalise(timetable.stop_name[stop])
            entry_words.append([vocabulary.setdefault(word, len(vocabulary)) for word in words])
        self.words = list(vocabulary)
        self._word_array = np.array(self.words, dtype=object)
        self._offsets = np.zeros(len(entry_words) + 1, dtype=np.int64)
        np.cumsum([len(words) for words in entry_words], out=self._offsets[1:])
        self._word_ids = np.array([w for words in entry_words for w in words], dtype=np.int64)
        self._name_lengths = np.array([len(timetable.stop_name[s]) for s in self.entries.tolist()], dtype=np.int64)

    def _word_scores(self, query_word: str) -> NDArray[np.float64]:
        """How well ``query_word`` matches each vocabulary word (0 = not at all)."""
        scores = np.zeros(len(self.words))
        if not self.words:
            return scores
        typos = _max_typos(query_word)
        distances = process.cdist([query_word], self.words, scorer=DamerauLevenshtein.distance, score_cutoff=typos)[0]
        close = distances <= typos
        scores[close] = 90.0 - 10.0 * distances[close]
        prefix = np.fromiter(
            (word.startswith(query_word) for word in self.words), dtype=np.bool_, count=len(self.words)
        )
        scores[prefix] = PREFIX
        # A typo in a word typed only in part: compare with the name word cut to the same length.
        if typos and not prefix.any():
            cut = [word[: len(query_word)] for word in self.words]
            partial = process.cdist([query_word], cut, scorer=DamerauLevenshtein.distance, score_cutoff=typos)[0]
            scores = np.maximum(scores, np.where(partial <= typos, 80.0 - 10.0 * partial, 0.0))
        exact = self._word_array == query_word
        scores[exact] = EXACT
        return scores

    def search(self, query: str, *, limit: int) -> list[StopMatch]:
        """The best matches for ``query``, best first (empty when no word matches)."""
        query_words = normalise(query)
        if not query_words or self._word_ids.size == 0:
            return []
        total = np.zeros(self.entries.size)
        has_words = np.diff(self._offsets) > 0
        for word in query_words:
            per_word = self._word_scores(word)[self._word_ids]
            best = np.zeros(self.entries.size)
            best[has_words] = np.maximum.reduceat(per_word, self._offsets[:-1][has_words])
            total = np.where(best > 0, total + best, -np.inf)  # every query word must match
        score = total / len(query_words)
        hits = np.flatnonzero(score >= MIN_SCORE)
        order = hits[np.lexsort((self._name_lengths[hits], -score[hits]))][:limit]
        return [StopMatch(index=int(self.entries[i]), score=round(float(score[i]), 1)) for i in order]
