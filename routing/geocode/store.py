"""The geocoder's files in a region directory: flat numpy arrays, memory-mapped on load.

``geocode/`` holds per-entry arrays (``lat``, ``lon``, ``kind``, ``core_words``), the
strings (names, contexts, categories, refs) as one UTF-8 blob each with offsets, the
sorted vocabulary of normalised words (blob + offsets), the postings (CSR: word ->
entries, ``post_offsets``/``post_entries``), the street segments for reverse geocoding,
and ``geocode.json`` with the format version and counts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from routing.errors import RegionError
from routing.geocode.extract import Feature, Kind

FORMAT_VERSION = 2
FOLDER = "geocode"
_STRING_FIELDS = ("name", "context", "category", "ref")
NAME_WEIGHT = 100
CONTEXT_WEIGHT = 85
"""A word found only in an entry's context (its city, its street, its category) counts 85 %."""


@dataclass(frozen=True)
class GeocodeArrays:
    """The stored index (arrays may be memory maps)."""

    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    kind: NDArray[np.int8]
    core_words: NDArray[np.int16]
    strings: dict[str, tuple[NDArray[np.uint8], NDArray[np.int64]]]
    """Field -> (UTF-8 blob, offsets with one entry more than there are entries)."""
    vocabulary: tuple[NDArray[np.uint8], NDArray[np.int64]]
    post_offsets: NDArray[np.int64]
    post_entries: NDArray[np.int32]
    post_weights: NDArray[np.uint8]
    """Per posting, the weight in percent: 100 for the name's words, less for context words."""
    segments: NDArray[np.float64]
    segment_entry: NDArray[np.int32]
    points: NDArray[np.float64]
    """lat, lon of the address points reverse geocoding looks at (all entrances of an address)."""
    point_entry: NDArray[np.int32]
    counts: dict[str, int]

    @property
    def size(self) -> int:
        """Number of entries."""
        return int(self.lat.shape[0])

    def text(self, field: str, index: int) -> str:
        """The string ``field`` of entry ``index``."""
        blob, offsets = self.strings[field]
        return bytes(blob[int(offsets[index]) : int(offsets[index + 1])]).decode()

    def words(self) -> list[str]:
        """The sorted vocabulary as Python strings."""
        return _decode_all(*self.vocabulary)


def _encode_all(texts: list[str]) -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
    encoded = [text.encode() for text in texts]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(item) for item in encoded], out=offsets[1:])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8).copy(), offsets


def _decode_all(blob: NDArray[np.uint8], offsets: NDArray[np.int64]) -> list[str]:
    data = bytes(blob)
    bounds = offsets.tolist()
    return [data[bounds[i] : bounds[i + 1]].decode() for i in range(len(bounds) - 1)]


def compile_geocode(
    features: list[Feature],
    *,
    segments: NDArray[np.float64],
    segment_feature: NDArray[np.int64],
    points: NDArray[np.float64],
    point_feature: NDArray[np.int64],
    counts: dict[str, int],
) -> GeocodeArrays:
    """Turn features into the stored arrays: vocabulary, postings and per-entry columns."""
    vocabulary = sorted({word for feature in features for word in (*feature.words, *feature.context_words)})
    word_id = {word: i for i, word in enumerate(vocabulary)}
    pairs = np.array(
        [
            (word_id[word], entry, weight)
            for entry, feature in enumerate(features)
            for group, weight in ((feature.words, NAME_WEIGHT), (feature.context_words, CONTEXT_WEIGHT))
            for word in group
        ],
        dtype=np.int64,
    ).reshape(-1, 3)
    order = np.lexsort((pairs[:, 1], pairs[:, 0]))
    pairs = pairs[order]
    post_offsets = np.zeros(len(vocabulary) + 1, dtype=np.int64)
    np.cumsum(np.bincount(pairs[:, 0], minlength=len(vocabulary)), out=post_offsets[1:])
    kinds = [int(feature.kind) for feature in features]
    return GeocodeArrays(
        lat=np.array([feature.lat for feature in features], dtype=np.float64),
        lon=np.array([feature.lon for feature in features], dtype=np.float64),
        kind=np.array(kinds, dtype=np.int8),
        core_words=np.array([max(1, feature.core_words) for feature in features], dtype=np.int16),
        strings={name: _encode_all([str(getattr(feature, name)) for feature in features]) for name in _STRING_FIELDS},
        vocabulary=_encode_all(vocabulary),
        post_offsets=post_offsets,
        post_entries=pairs[:, 1].astype(np.int32),
        post_weights=pairs[:, 2].astype(np.uint8),
        segments=np.asarray(segments, dtype=np.float64).reshape(-1, 4),
        segment_entry=np.asarray(segment_feature, dtype=np.int32),
        points=np.asarray(points, dtype=np.float64).reshape(-1, 2),
        point_entry=np.asarray(point_feature, dtype=np.int32),
        counts={**counts, "entries": len(features), "stops": kinds.count(int(Kind.STOP)), "words": len(vocabulary)},
    )


def save_geocode(arrays: GeocodeArrays, directory: Path) -> None:
    """Write ``arrays`` to ``directory/geocode``."""
    folder = directory / FOLDER
    folder.mkdir()
    for name in (
        "lat",
        "lon",
        "kind",
        "core_words",
        "post_offsets",
        "post_entries",
        "post_weights",
        "segments",
        "segment_entry",
        "points",
        "point_entry",
    ):
        np.save(folder / f"{name}.npy", getattr(arrays, name))
    for field, (blob, offsets) in {**arrays.strings, "vocabulary": arrays.vocabulary}.items():
        np.save(folder / f"{field}_blob.npy", blob)
        np.save(folder / f"{field}_offsets.npy", offsets)
    (folder / "geocode.json").write_text(json.dumps({"format_version": FORMAT_VERSION, "counts": arrays.counts}))


def load_geocode(directory: Path) -> GeocodeArrays | None:
    """The geocoder of the region at ``directory`` (memory-mapped), or None if it has none.

    Raises
    ------
    RegionError
        When the files are of another format version.
    """
    folder = directory / FOLDER
    if not folder.is_dir():
        return None
    meta = json.loads((folder / "geocode.json").read_text())
    if meta.get("format_version") != FORMAT_VERSION:
        msg = f"{folder}: geocoder format {meta.get('format_version')}, expected {FORMAT_VERSION}; rebuild the region"
        raise RegionError(msg)

    def array(name: str) -> Any:
        return np.load(folder / f"{name}.npy", mmap_mode="r")

    def pair(field: str) -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
        return array(f"{field}_blob"), array(f"{field}_offsets")

    return GeocodeArrays(
        lat=array("lat"),
        lon=array("lon"),
        kind=array("kind"),
        core_words=array("core_words"),
        strings={field: pair(field) for field in _STRING_FIELDS},
        vocabulary=pair("vocabulary"),
        post_offsets=array("post_offsets"),
        post_entries=array("post_entries"),
        post_weights=array("post_weights"),
        segments=array("segments"),
        segment_entry=array("segment_entry"),
        points=array("points"),
        point_entry=array("point_entry"),
        counts={str(k): int(v) for k, v in meta.get("counts", {}).items()},
    )
