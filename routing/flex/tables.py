"""Read the raw text of a GTFS zip or folder: CSV tables as rows of strings, GeoJSON as parsed JSON.

Flex tables are read here rather than by gtfs-kit, which knows none of them; every row
keeps its line number (header = line 1) so errors can name it.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from routing.errors import InputDataError


@dataclass(frozen=True)
class Table:
    """One CSV file: its path for messages, header and rows (``line`` -> values)."""

    path: str
    columns: tuple[str, ...]
    rows: tuple[tuple[int, dict[str, str]], ...]

    def value(self, row: dict[str, str], column: str) -> str:
        """The stripped value of ``column`` in ``row`` ('' when absent)."""
        return (row.get(column) or "").strip()


class FeedFiles:
    """The files of one GTFS zip or folder (names without any folder inside a zip)."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self._texts: dict[str, str] = {}
        try:
            if source.is_dir():
                for path in source.iterdir():
                    if path.suffix in (".txt", ".geojson"):
                        self._texts[path.name] = path.read_bytes().decode("utf-8-sig")
            else:
                with zipfile.ZipFile(source) as archive:
                    for info in archive.infolist():
                        name = info.filename.rsplit("/", 1)[-1]
                        if name.endswith((".txt", ".geojson")):
                            self._texts[name] = archive.read(info).decode("utf-8-sig")
        except (OSError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
            raise InputDataError(str(source), f"cannot read GTFS files: {exc}") from exc

    def has(self, name: str) -> bool:
        """True when the feed has the file (even an empty one)."""
        return name in self._texts

    def table(self, name: str) -> Table:
        """The CSV file ``name``; an absent file is a table without rows."""
        path = f"{self.source}/{name}"
        text = self._texts.get(name, "")
        reader = csv.reader(io.StringIO(text))
        try:
            header = tuple(column.strip() for column in next(reader, []))
            rows = []
            for number, values in enumerate(reader, start=2):
                if not any(value.strip() for value in values):
                    continue
                rows.append((number, dict(zip(header, values, strict=False))))
        except csv.Error as exc:
            raise InputDataError(path, f"line {reader.line_num}: not valid CSV ({exc})") from exc
        return Table(path=path, columns=header, rows=tuple(rows))

    def geojson(self, name: str) -> Any:
        """The parsed GeoJSON file ``name`` (None when absent)."""
        if name not in self._texts:
            return None
        try:
            return json.loads(self._texts[name])
        except json.JSONDecodeError as exc:
            raise InputDataError(f"{self.source}/{name}", f"not valid JSON: {exc}") from exc
