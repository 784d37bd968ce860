"""Forward and reverse geocoding over a region's stored index.

Forward (:meth:`Geocoder.search`): the query is normalised like the names
(:mod:`routing.geocode.text`); each query word is matched against the vocabulary
exactly (100), as a prefix (95; house numbers 85), with typos (Damerau-Levenshtein via
rapidfuzz: one from 4 letters, two from 8; 90 - 10 per typo) or, for a word typed in
part, with typos against the same length of the word (80 - 10 per typo). Each entry
takes, per query word, its best word; every query word must match (else, for queries
of three words or more, all but one, at a cost of :data:`MISSING_WORD_COST`). The score
adds a bonus by kind, the share of the entry's own words the query covers and, with
``near``, subtracts a cost growing with the log of the distance.

Reverse (:meth:`Geocoder.reverse`): the nearest address within
:data:`ADDRESS_RADIUS_M` and the nearest street (by distance to its segments) within
:data:`STREET_RADIUS_M`.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein
from scipy.spatial import cKDTree

from routing.geo import EARTH_RADIUS_M, haversine_m
from routing.geocode.extract import SEGMENT_M, Kind
from routing.geocode.store import GeocodeArrays
from routing.geocode.text import is_number, query_words, words

EXACT, PREFIX, NUMBER_PREFIX = 100.0, 95.0, 85.0
MIN_TEXT_SCORE = 70.0
MISSING_WORD_COST = 25.0
KIND_BONUS = {Kind.ADDRESS: 1.0, Kind.STREET: 3.0, Kind.PLACE: 4.0, Kind.POI: 2.0, Kind.STOP: 4.0}
HOUSE_NUMBER_BONUS = 6.0
"""An address whose number the query names goes before its street."""
COVERAGE_WEIGHT = 5.0
DISTANCE_WEIGHT = 6.0
DISTANCE_SCALE_M = 1000.0
DUPLICATE_M = 300.0
"""Results of the same name and context closer than this are shown once."""
ADDRESS_RADIUS_M = 100.0
STREET_RADIUS_M = 500.0
_KINDS = list(Kind)


def _max_typos(word: str) -> int:
    return 0 if len(word) < 4 else 1 if len(word) < 8 else 2


@dataclass(frozen=True)
class GeocodeHit:
    """One result: an entry of the index, with its score and distance."""

    index: int
    ref: str
    kind: Kind
    name: str
    context: str
    category: str
    lat: float
    lon: float
    score: float
    distance_m: float | None


class Geocoder:
    """Searches one region's addresses, streets, places, POIs and stops."""

    def __init__(self, arrays: GeocodeArrays) -> None:
        self.arrays = arrays
        self.words = arrays.words()
        self._lengths: dict[int, tuple[NDArray[np.int64], list[str]]] = {}
        lengths = np.fromiter((len(word) for word in self.words), dtype=np.int64, count=len(self.words))
        for length in np.unique(lengths).tolist():
            ids = np.flatnonzero(lengths == length)
            self._lengths[int(length)] = (ids, [self.words[i] for i in ids.tolist()])
        self._word_lengths = lengths
        self._cut: dict[int, tuple[NDArray[np.int64], list[str]]] = {}
        for length in range(4, 16):
            ids = np.flatnonzero(lengths > length)
            self._cut[length] = (ids, [self.words[i][:length] for i in ids.tolist()])
        self._post_offsets = np.asarray(arrays.post_offsets)
        self._post_entries = np.asarray(arrays.post_entries)
        self._post_weights = np.asarray(arrays.post_weights).astype(np.float64) / 100.0
        self._kind = np.asarray(arrays.kind)
        self._lat = np.asarray(arrays.lat)
        self._lon = np.asarray(arrays.lon)
        self._core = np.asarray(arrays.core_words).astype(np.float64)
        self._bonus = np.array([KIND_BONUS[kind] for kind in _KINDS])[self._kind] if arrays.size else np.zeros(0)
        self._by_ref: dict[str, int] | None = None
        self._name_lengths = np.diff(np.asarray(arrays.strings["name"][1]))
        points = np.asarray(arrays.points)
        self._addresses = np.asarray(arrays.point_entry)
        self._address_tree = cKDTree(self._project(points[:, 0], points[:, 1]))
        segments = np.asarray(arrays.segments)
        self._segments_xy = np.column_stack(
            [self._project(segments[:, 0], segments[:, 1]), self._project(segments[:, 2], segments[:, 3])]
        )
        self._segment_entry = np.asarray(arrays.segment_entry)
        middle = (self._segments_xy[:, :3] + self._segments_xy[:, 3:]) / 2
        self._segment_tree = cKDTree(middle.reshape(-1, 3))

    @staticmethod
    def _project(lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.float64]:
        """Earth-centred x, y, z in metres: straight-line distances equal great-circle ones at street scale.

        (A region may be several areas far apart, so no single map plane would do.)
        """
        phi, lam = np.radians(lat), np.radians(lon)
        xyz = np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])
        result: NDArray[np.float64] = (EARTH_RADIUS_M * xyz).reshape(-1, 3)
        return result

    @property
    def size(self) -> int:
        """Number of entries."""
        return self.arrays.size

    # -- forward -------------------------------------------------------------------------

    def _typo_ids(self, word: str, typos: int) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        ids: list[NDArray[np.int64]] = []
        distances: list[NDArray[np.float64]] = []
        for length in range(len(word) - typos, len(word) + typos + 1):
            if length not in self._lengths:
                continue
            bucket_ids, bucket = self._lengths[length]
            found = process.cdist([word], bucket, scorer=DamerauLevenshtein.distance, score_cutoff=typos, workers=1)[0]
            close = found <= typos
            ids.append(bucket_ids[close])
            distances.append(found[close].astype(np.float64))
        if not ids:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.concatenate(ids), np.concatenate(distances)

    def _partial_ids(self, word: str, typos: int) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Words whose first ``len(word)`` letters are within ``typos`` of ``word``."""
        length = len(word)
        if length not in self._cut:
            ids = np.flatnonzero(self._word_lengths > length)
            self._cut[length] = (ids, [self.words[i][:length] for i in ids.tolist()])
        ids, cut = self._cut[length]
        if not cut:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        found = process.cdist([word], cut, scorer=DamerauLevenshtein.distance, score_cutoff=typos, workers=1)[0]
        close = found <= typos
        return ids[close], found[close].astype(np.float64)

    def word_matches(self, word: str, *, last: bool) -> dict[int, float]:
        """Vocabulary word id -> how well ``word`` matches it (only matches > 0).

        ``last``: the query's last word, which may be typed only in part.
        """
        scores: dict[int, float] = {}
        start = bisect.bisect_left(self.words, word)
        number = is_number(word)
        if (last or len(word) >= 2 or number) and not (number and not last):
            end = bisect.bisect_left(self.words, word + "\uffff", lo=start)
            value = NUMBER_PREFIX if number else PREFIX
            if end - start <= 5000 or len(word) >= 3:
                for i in range(start, end):
                    scores[i] = value
        if not number:
            typos = _max_typos(word)
            if typos:
                ids, distances = self._typo_ids(word, typos)
                for i, d in zip(ids.tolist(), distances.tolist(), strict=True):
                    scores[i] = max(scores.get(i, 0.0), 90.0 - 10.0 * d)
                if last and not any(v >= PREFIX for v in scores.values()):
                    ids, distances = self._partial_ids(word, typos)
                    for i, d in zip(ids.tolist(), distances.tolist(), strict=True):
                        scores[i] = max(scores.get(i, 0.0), 80.0 - 10.0 * d)
        if start < len(self.words) and self.words[start] == word:
            scores[start] = EXACT
        return scores

    def _entry_scores(self, matches: dict[int, float]) -> NDArray[np.float64]:
        best = np.zeros(self.size)
        if not matches:
            return best
        ids = np.fromiter(matches, dtype=np.int64, count=len(matches))
        values = np.fromiter(matches.values(), dtype=np.float64, count=len(matches))
        starts, ends = self._post_offsets[ids], self._post_offsets[ids + 1]
        counts = ends - starts
        if counts.sum() == 0:
            return best
        # All postings of the matched words, each with its word's score.
        positions = np.repeat(starts - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts) + np.arange(counts.sum())
        entries = self._post_entries[positions]
        np.maximum.at(best, entries, np.repeat(values, counts) * self._post_weights[positions])
        return best

    def search(
        self,
        query: str,
        *,
        near: tuple[float, float] | None = None,
        limit: int = 10,
        kinds: frozenset[Kind] | None = None,
    ) -> list[GeocodeHit]:
        """The best entries for ``query``, best first (empty when nothing matches).

        Parameters
        ----------
        query
            What the resident typed: an address, a street, a place, a POI or its category, a stop.
        near
            (lat, lon) to prefer results close to.
        limit
            Most results to return.
        kinds
            Only these kinds (default: all).
        """
        typed = query_words(query)
        if not typed or self.size == 0:
            return []
        total = np.zeros(self.size)
        matched = np.zeros(self.size)
        matched_text = np.zeros(self.size)
        numbers = [is_number(word) for word in typed]
        for position, word in enumerate(typed):
            best = self._entry_scores(self.word_matches(word, last=position == len(typed) - 1))
            total += best
            matched += best > 0
            if not numbers[position]:
                matched_text += best > 0
        n, n_text = len(typed), len(typed) - sum(numbers)
        # Every word must match; a house number may be missing (the street, its other numbers).
        candidates = np.flatnonzero(matched_text == n_text)
        if candidates.size == 0 and n_text >= 3:
            candidates = np.flatnonzero(matched_text == n_text - 1)
        if kinds is not None:
            candidates = candidates[np.isin(self._kind[candidates], [int(kind) for kind in kinds])]
        if candidates.size == 0:
            return []
        found = matched[candidates]
        text = total[candidates] / np.maximum(found, 1)
        keep = text >= MIN_TEXT_SCORE
        candidates, text, found = candidates[keep], text[keep], found[keep]
        missing = n - found
        score = text - MISSING_WORD_COST * missing + self._bonus[candidates]
        score += COVERAGE_WEIGHT * np.minimum(1.0, len(words(query)) / self._core[candidates])
        if any(numbers):
            score += HOUSE_NUMBER_BONUS * ((self._kind[candidates] == int(Kind.ADDRESS)) & (missing == 0))
        distance: NDArray[np.float64] | None = None
        if near is not None:
            distance = haversine_m(near[0], near[1], self._lat[candidates], self._lon[candidates])
            score -= DISTANCE_WEIGHT * np.log10(1.0 + distance / DISTANCE_SCALE_M)
        top = min(4 * limit, candidates.size)
        chosen = np.argpartition(-score, top - 1)[:top] if top < candidates.size else np.arange(candidates.size)
        name_lengths = self._name_lengths[candidates[chosen]]
        chosen = chosen[np.lexsort((candidates[chosen], name_lengths, -np.round(score[chosen], 6)))]
        hits: list[GeocodeHit] = []
        for i in chosen.tolist():
            hit = self.hit(
                int(candidates[i]),
                score=round(float(score[i]), 2),
                distance_m=None if distance is None else float(distance[i]),
            )
            if not any(_same_place(hit, other) for other in hits):
                hits.append(hit)
            if len(hits) == limit:
                break
        return hits

    # -- entries and reverse ----------------------------------------------------------------

    def hit(self, index: int, *, score: float = 0.0, distance_m: float | None = None) -> GeocodeHit:
        """Entry ``index`` as a result."""
        arrays = self.arrays
        return GeocodeHit(
            index=index,
            ref=arrays.text("ref", index),
            kind=Kind(int(self._kind[index])),
            name=arrays.text("name", index),
            context=arrays.text("context", index),
            category=arrays.text("category", index),
            lat=float(self._lat[index]),
            lon=float(self._lon[index]),
            score=score,
            distance_m=None if distance_m is None else round(distance_m, 1),
        )

    def find(self, ref: str) -> GeocodeHit | None:
        """The entry with id ``ref`` (as in :attr:`GeocodeHit.ref`), or None."""
        if self._by_ref is None:
            self._by_ref = {self.arrays.text("ref", i): i for i in range(self.size)}
        index = self._by_ref.get(ref)
        return None if index is None else self.hit(index)

    def reverse(self, lat: float, lon: float) -> list[GeocodeHit]:
        """The nearest address (within 100 m) and the nearest street (within 500 m), in that order."""
        point = self._project(np.array([lat]), np.array([lon]))[0]
        hits: list[GeocodeHit] = []
        if self._addresses.size:
            distance, position = self._address_tree.query(point, k=1, distance_upper_bound=ADDRESS_RADIUS_M)
            if math.isfinite(distance):
                hits.append(self.hit(int(self._addresses[int(position)]), distance_m=float(distance)))
        if self._segment_entry.size:
            k = min(64, self._segment_entry.size)
            distances, positions = self._segment_tree.query(
                point, k=k, distance_upper_bound=STREET_RADIUS_M + SEGMENT_M / 2
            )
            near = np.atleast_1d(positions)[np.isfinite(np.atleast_1d(distances))]
            if near.size:
                gaps = _point_segment_m(point, self._segments_xy[near])
                best = int(np.argmin(gaps))
                if gaps[best] <= STREET_RADIUS_M:
                    hits.append(self.hit(int(self._segment_entry[near[best]]), distance_m=float(gaps[best])))
        return hits


def _same_place(a: GeocodeHit, b: GeocodeHit) -> bool:
    """Two entries a resident would take for one (a station's platforms, a building's POIs)."""
    if (a.name, a.context, a.kind) != (b.name, b.context, b.kind):
        return False
    return float(haversine_m(a.lat, a.lon, b.lat, b.lon)) <= DUPLICATE_M


def _point_segment_m(point: NDArray[np.float64], segments: NDArray[np.float64]) -> NDArray[np.float64]:
    a, b = segments[:, :3], segments[:, 3:]
    ab = b - a
    length2 = np.einsum("ij,ij->i", ab, ab)
    t = np.where(length2 > 0, np.einsum("ij,ij->i", point - a, ab) / np.where(length2 > 0, length2, 1.0), 0.0)
    closest = a + np.clip(t, 0.0, 1.0)[:, None] * ab
    result: NDArray[np.float64] = np.linalg.norm(closest - point, axis=1)
    return result
