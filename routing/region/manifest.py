"""The manifest of a region: what it was built from, when, by which code, valid for which days."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from routing.errors import RegionError
from routing.time_zones import is_time_zone

MANIFEST_FILE = "manifest.json"
FORMAT_VERSION = 4


@dataclass(frozen=True)
class InputFile:
    """One input of a build, identified by its checksum."""

    kind: str
    path: str
    sha256: str
    size_bytes: int


@dataclass(frozen=True)
class Manifest:
    """Everything a server needs to know about a region before it loads its arrays."""

    name: str
    format_version: int
    built_at: str
    code_version: str
    timezone: str
    valid_from: date | None
    valid_until: date | None
    synthetic: bool
    inputs: list[InputFile]
    counts: dict[str, int]
    bbox: tuple[float, float, float, float]
    build_seconds: float
    peak_memory_mib: float
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        """Serialise to JSON (dates as ISO strings)."""
        data = asdict(self)
        data["valid_from"] = self.valid_from.isoformat() if self.valid_from else None
        data["valid_until"] = self.valid_until.isoformat() if self.valid_until else None
        return json.dumps(data, indent=2, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str, *, source: str) -> Manifest:
        """Parse a manifest, refusing one of another format version."""
        try:
            data: dict[str, Any] = json.loads(text)
            if data.get("format_version") != FORMAT_VERSION:
                msg = f"{source}: region format {data.get('format_version')} is not {FORMAT_VERSION}; rebuild it"
                raise RegionError(msg)
            data["inputs"] = [InputFile(**item) for item in data["inputs"]]
            data["bbox"] = tuple(data["bbox"])
            for key in ("valid_from", "valid_until"):
                data[key] = date.fromisoformat(data[key]) if data[key] else None
            if not is_time_zone(str(data["timezone"])):
                msg = f"{source}: timezone {str(data['timezone'])[:64]!r} is not an IANA time zone; rebuild the region"
                raise RegionError(msg)
            return cls(**data)
        except (KeyError, TypeError, ValueError) as exc:
            msg = f"{source}: manifest is incomplete or malformed ({exc})"
            raise RegionError(msg) from exc

    def save(self, directory: Path) -> None:
        """Write ``manifest.json`` into ``directory``."""
        (directory / MANIFEST_FILE).write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> Manifest:
        """Read ``manifest.json`` from ``directory``."""
        path = directory / MANIFEST_FILE
        if not path.is_file():
            msg = f"{directory}: not a region (no {MANIFEST_FILE}); build one with 'mobility region build'"
            raise RegionError(msg)
        return cls.from_json(path.read_text(encoding="utf-8"), source=str(path))


def code_version() -> str:
    """Return the installed package version of this code."""
    try:
        return version("kassel-mobility")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0+unknown"


def sha256_of(path: Path) -> str:
    """Return the SHA-256 of a file, or of every file below a directory in name order."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        if path.is_dir():
            digest.update(str(file.relative_to(path)).encode())
        with file.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def input_file(kind: str, path: Path) -> InputFile:
    """Describe one input of a build."""
    size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size
    return InputFile(kind=kind, path=str(path), sha256=sha256_of(path), size_bytes=size)
