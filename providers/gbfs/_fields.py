"""Typed readers for GBFS JSON fields that raise :class:`FeedError` naming the feed and field."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NoReturn

from providers.errors import FeedError


@dataclass(frozen=True)
class FeedPlace:
    """Which provider and feed a document came from, for error messages."""

    provider: str
    feed: str

    def fail(self, field: str, problem: str) -> NoReturn:
        """Raise :class:`FeedError` for ``field``."""
        raise FeedError(self.provider, self.feed, field, problem)

    def data(self, document: object) -> dict[str, Any]:
        """The ``data`` object of a feed document."""
        if not isinstance(document, dict):
            self.fail("", "the document is not a JSON object")
        data = document.get("data")
        if not isinstance(data, dict):
            self.fail("data", "missing or not an object")
        return data

    def items(self, data: dict[str, Any], key: str) -> list[dict[str, Any]]:
        """``data[key]`` as a list of objects."""
        value = data.get(key)
        if not isinstance(value, list):
            self.fail(f"data.{key}", "missing or not a list")
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                self.fail(f"data.{key}[{index}]", "not an object")
        return value

    def string(self, item: dict[str, Any], key: str, where: str) -> str:
        """A required, non-empty string (ids may be numbers in old feeds)."""
        value = item.get(key)
        if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
            self.fail(f"{where}.{key}", f"required string, got {value!r}")
        return str(value)

    def number(self, item: dict[str, Any], key: str, where: str, *, required: bool = True) -> float | None:
        """A number (``None`` when optional and absent)."""
        value = item.get(key)
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(f"{where}.{key}", f"expected a number, got {value!r}")
        return float(value)

    def count(self, item: dict[str, Any], key: str, where: str, *, required: bool = True) -> int | None:
        """A non-negative integer count."""
        value = item.get(key)
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0 or value != int(value):
            self.fail(f"{where}.{key}", f"expected a non-negative integer, got {value!r}")
        return int(value)

    def flag(self, item: dict[str, Any], key: str, where: str, *, default: bool) -> bool:
        """A boolean; GBFS 1.x/2.0 feeds wrote 0/1."""
        value = item.get(key, default)
        if isinstance(value, bool):
            return value
        if value in (0, 1):
            return bool(value)
        self.fail(f"{where}.{key}", f"expected true/false, got {value!r}")

    def coordinates(self, item: dict[str, Any], where: str, *, required: bool = True) -> tuple[float, float] | None:
        """``(lat, lon)`` inside WGS84 bounds."""
        if not required and item.get("lat") is None and item.get("lon") is None:
            return None
        lat = self.number(item, "lat", where)
        lon = self.number(item, "lon", where)
        assert lat is not None and lon is not None
        if not -90 <= lat <= 90:
            self.fail(f"{where}.lat", f"{lat} is outside -90..90")
        if not -180 <= lon <= 180:
            self.fail(f"{where}.lon", f"{lon} is outside -180..180")
        return lat, lon

    def timestamp(self, value: object, field: str) -> datetime:
        """POSIX seconds (2.x) or RFC 3339 (3.0) as an aware UTC datetime."""
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            return datetime.fromtimestamp(value, UTC)
        if isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                pass
            else:
                if parsed.tzinfo is not None:
                    return parsed.astimezone(UTC)
        self.fail(field, f"expected POSIX seconds or an RFC 3339 time with offset, got {value!r}")


def localised_text(value: object) -> str:
    """A GBFS 2.x string, or the first text of a 3.0 list of ``{text, language}``."""
    if isinstance(value, list):
        for entry in value:
            text = entry.get("text") if isinstance(entry, dict) else None
            if isinstance(text, str):
                return text
        return ""
    return "" if value is None else str(value)
