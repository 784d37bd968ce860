"""Compact string tables: UTF-8 bytes plus offsets, saved as two memory-mappable arrays."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

DECODED_KEPT = 4096
"""How many decoded strings a table keeps per process before it starts afresh."""


class StringTable(Sequence[str]):
    """An immutable list of strings backed by a byte array and an offset array.

    ``table[i]`` decodes one string; nothing is decoded until asked for, so a table of
    every stop name costs two arrays shared between worker processes.
    """

    def __init__(self, offsets: NDArray[np.int64], data: NDArray[np.uint8]) -> None:
        # Plain ndarray views of memory maps: same shared pages, cheaper indexing.
        self._offsets = np.asarray(offsets).view(np.ndarray)
        self._data = np.asarray(data).view(np.ndarray)
        self._count = len(self._offsets) - 1
        # Strings decoded lately: a route or a plan asks for the same few names many times.
        # Bounded, so a worker never ends up holding a decoded copy of the shared table.
        self._decoded: dict[int, str] = {}

    @classmethod
    def from_strings(cls, strings: Iterable[str]) -> StringTable:
        """Encode ``strings`` into a new table."""
        encoded = [s.encode("utf-8") for s in strings]
        lengths = np.fromiter((len(b) for b in encoded), dtype=np.int64, count=len(encoded))
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        data = np.frombuffer(b"".join(encoded), dtype=np.uint8) if encoded else np.zeros(0, np.uint8)
        return cls(offsets, data)

    def save(self, directory: Path, name: str) -> None:
        """Write ``<name>.offsets.npy`` and ``<name>.data.npy`` into ``directory``."""
        np.save(directory / f"{name}.offsets.npy", self._offsets)
        np.save(directory / f"{name}.data.npy", np.asarray(self._data))

    @classmethod
    def load(cls, directory: Path, name: str) -> StringTable:
        """Memory-map a table written by :meth:`save`."""
        offsets = np.load(directory / f"{name}.offsets.npy", mmap_mode="r")
        data = np.load(directory / f"{name}.data.npy", mmap_mode="r")
        return cls(offsets, data)

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: int) -> str:  # type: ignore[override]
        position = index + self._count if index < 0 else index
        found = self._decoded.get(position)
        if found is not None:
            return found
        if not 0 <= position < self._count:
            raise IndexError(index)
        start, end = int(self._offsets[position]), int(self._offsets[position + 1])
        text = bytes(self._data[start:end]).decode("utf-8")
        if len(self._decoded) >= DECODED_KEPT:
            self._decoded.clear()
        self._decoded[position] = text
        return text

    def to_list(self) -> list[str]:
        """Decode every string (for indexes built once at load time)."""
        blob = bytes(self._data)
        offsets = self._offsets.tolist()
        return [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(len(self))]
