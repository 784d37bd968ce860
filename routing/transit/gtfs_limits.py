"""Bounded reading of GTFS files: sizes, compression ratio, line length and encoding, checked before parsing.

A GTFS zip is untrusted input: a few megabytes can inflate to gigabytes (one endless line
of ``stop_times.txt``). Every ``.txt`` file of the feed is streamed once in chunks before
gtfs-kit reads it; a file larger than the limit, a zip member inflating suspiciously, a
line longer than any GTFS record needs, or bytes that are not UTF-8 are refused with
:class:`~routing.errors.InputDataError` naming the file and line, without ever holding
more than one chunk in memory.
"""

from __future__ import annotations

import codecs
import zipfile
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from routing.errors import InputDataError

__all__ = ["GtfsLimits", "check_gtfs_files", "shown"]

_CHUNK = 1 << 20


@dataclass(frozen=True)
class GtfsLimits:
    """How large GTFS inputs may be."""

    max_file_bytes: int = 8 << 30
    """Uncompressed size of one file (a country-wide stop_times.txt is a few GiB)."""
    max_line_bytes: int = 64 << 10
    """One line (record); real GTFS records are well under 1 KiB."""
    max_ratio: int = 200
    """Uncompressed / compressed size of a zip member above ``ratio_floor_bytes``."""
    ratio_floor_bytes: int = 64 << 20


def shown(value: object, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters, for messages about untrusted fields."""
    text = repr(value) if not isinstance(value, str) or len(value) <= limit else repr(value[:limit]) + "..."
    return text if len(text) <= limit + 10 else text[:limit] + "..."


def check_gtfs_files(source: Path, limits: GtfsLimits | None = None) -> None:
    """Stream every ``.txt`` file of a GTFS zip or folder and refuse one gtfs-kit must not read.

    Raises
    ------
    InputDataError
        Naming the file (``<source>/<name>``) and, for a line or encoding problem, the line.
    """
    limits = limits or GtfsLimits()
    with _members(source, limits) as members:
        try:
            for name, size, handle in members:
                _scan(f"{source}/{name}", size, handle, limits)
        finally:
            members.close()  # closes the open member before the archive


@contextmanager
def _members(source: Path, limits: GtfsLimits) -> Iterator[Generator[tuple[str, int, IO[bytes]], None, None]]:
    if source.is_dir():
        yield _folder_members(source)
        return
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputDataError(str(source), f"cannot read GTFS: {exc}") from exc
    with archive:
        for info in archive.infolist():
            if not info.filename.endswith(".txt"):
                continue
            where = f"{source}/{info.filename}"
            if info.file_size > limits.max_file_bytes:
                raise InputDataError(
                    where, f"{info.file_size} bytes uncompressed; the limit is {limits.max_file_bytes}"
                )
            inflated = info.file_size > limits.ratio_floor_bytes
            if inflated and info.file_size > limits.max_ratio * max(info.compress_size, 1):
                raise InputDataError(
                    where,
                    f"inflates {info.compress_size} bytes to {info.file_size} (more than {limits.max_ratio}x); "
                    "refused as a probable zip bomb",
                )
        yield _zip_members(archive)


def _folder_members(source: Path) -> Generator[tuple[str, int, IO[bytes]], None, None]:
    for path in sorted(source.glob("*.txt")):
        with path.open("rb") as handle:
            yield path.name, path.stat().st_size, handle


def _zip_members(archive: zipfile.ZipFile) -> Generator[tuple[str, int, IO[bytes]], None, None]:
    for info in archive.infolist():
        if info.filename.endswith(".txt"):
            with archive.open(info) as handle:  # reads at most the declared size
                yield info.filename, info.file_size, handle


def _scan(where: str, size: int, handle: IO[bytes], limits: GtfsLimits) -> None:
    if size > limits.max_file_bytes:
        raise InputDataError(where, f"{size} bytes; the limit is {limits.max_file_bytes}")
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    line, open_line, total = 1, 0, 0
    while chunk := handle.read(_CHUNK):
        total += len(chunk)
        if total > limits.max_file_bytes:
            raise InputDataError(where, f"more than {limits.max_file_bytes} bytes")
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            bad_line = line + chunk.count(b"\n", 0, exc.start)
            raise InputDataError(where, f"line {bad_line}: bytes that are not UTF-8 ({exc.reason})") from exc
        pieces = chunk.split(b"\n")
        lengths = [open_line + len(pieces[0]), *map(len, pieces[1:])]
        longest = max(lengths)
        if longest > limits.max_line_bytes:
            at = line + next(i for i, n in enumerate(lengths) if n > limits.max_line_bytes)
            raise InputDataError(where, f"line {at}: longer than {limits.max_line_bytes} bytes; refused")
        line += len(pieces) - 1
        open_line = lengths[-1] if len(pieces) > 1 else lengths[0]
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise InputDataError(where, f"line {line}: the file ends inside a UTF-8 character") from exc
