"""When a GBFS system rents, beyond ``system_hours``: 3.0 ``opening_hours``, 2.x ``system_calendar``, regions.

* GBFS 3.0 ``system_information.opening_hours`` is an OSM ``opening_hours`` expression
  (``"Mo-Fr 08:00-20:00; Sa 10:00-14:00"``); it is parsed and evaluated by the
  ``opening-hours-py`` library (the Rust ``opening-hours`` crate), in the system's time zone.
  An expression it cannot parse is a :class:`~providers.errors.FeedError` naming the field.
* GBFS 2.x ``system_calendar`` lists the date ranges the system operates in (years optional:
  a range without years recurs every year and may run over New Year).
* ``system_regions`` names regions; stations name theirs by ``region_id``.
* ``gbfs_versions`` lists the versions an operator publishes; :func:`newest_supported` picks ours.

Pure: documents in, values out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import opening_hours

from providers.gbfs._fields import FeedPlace, localised_text

PARSER_ERROR: type[Exception] = getattr(opening_hours, "ParserError", SyntaxError)
"""What the library raises for bad syntax (its stub says ``SyntaxError``, the module raises ``ParserError``)."""

SUPPORTED_VERSIONS = ("2.0", "2.1", "2.2", "2.3", "3.0")
"""GBFS versions the parsers read (``feeds.py``); ``gbfs_versions`` picks the newest of these on offer."""


def _zone(timezone: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@dataclass(frozen=True)
class OpeningHours:
    """A system's OSM ``opening_hours`` expression in its time zone (GBFS 3.0 ``system_information``)."""

    expression: str
    timezone: str
    _parsed: opening_hours.OpeningHours = field(compare=False, repr=False)

    def open_at(self, moment: datetime) -> bool:
        """Whether the expression is open at the aware ``moment`` (an unknown time zone counts as always open)."""
        zone = _zone(self.timezone)
        return True if zone is None else self._parsed.is_open(moment.astimezone(zone))


@lru_cache(maxsize=256)
def _parsed_opening_hours(expression: str, timezone: str) -> opening_hours.OpeningHours:
    """The library's parse of ``expression`` (kept: ``static_info`` reads the same expression on every refresh)."""
    return opening_hours.OpeningHours(expression, timezone=_zone(timezone), auto_country=False, auto_timezone=False)


def parse_opening_hours(expression: str, place: FeedPlace, *, timezone: str) -> OpeningHours:
    """``data.opening_hours`` of a 3.0 ``system_information``.

    Raises
    ------
    FeedError
        The expression is not valid OSM ``opening_hours`` syntax (the parser's message is kept).
    """
    try:
        parsed = _parsed_opening_hours(expression, timezone)
    except (PARSER_ERROR, SyntaxError, ValueError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        place.fail("data.opening_hours", f"not an OSM opening_hours expression: {expression!r} ({first_line})")
    return OpeningHours(expression, timezone, parsed)


@dataclass(frozen=True)
class CalendarRange:
    """One ``system_calendar`` entry; without years it recurs every year (and may wrap over New Year)."""

    start_month: int
    start_day: int
    end_month: int
    end_day: int
    start_year: int | None = None
    end_year: int | None = None

    def covers(self, day: date) -> bool:
        """Whether the local date ``day`` is in the range (both ends included)."""
        if self.start_year is not None and self.end_year is not None:
            first = date(self.start_year, self.start_month, self.start_day)
            last = date(self.end_year, self.end_month, self.end_day)
            return first <= day <= last
        if self.start_year is not None and day.year < self.start_year:
            return False
        if self.end_year is not None and day.year > self.end_year:
            return False
        here, first_md, last_md = (
            (day.month, day.day),
            (self.start_month, self.start_day),
            (self.end_month, self.end_day),
        )
        if first_md <= last_md:
            return first_md <= here <= last_md
        return here >= first_md or here <= last_md


@dataclass(frozen=True)
class SystemCalendar:
    """GBFS 2.x ``system_calendar``: the dates the system operates, in its time zone."""

    ranges: tuple[CalendarRange, ...]
    timezone: str

    def open_at(self, moment: datetime) -> bool:
        """Whether the local date of the aware ``moment`` is in one of the ranges (no ranges: always)."""
        zone = _zone(self.timezone)
        if zone is None or not self.ranges:
            return True
        day = moment.astimezone(zone).date()
        return any(entry.covers(day) for entry in self.ranges)


def _month_day(item: dict[str, Any], prefix: str, place: FeedPlace, where: str) -> tuple[int, int, int | None]:
    month = place.count(item, f"{prefix}_month", where)
    day = place.count(item, f"{prefix}_day", where)
    year = place.count(item, f"{prefix}_year", where, required=False)
    assert month is not None and day is not None
    if not 1 <= month <= 12:
        place.fail(f"{where}.{prefix}_month", f"{month} is not a month (1..12)")
    if not 1 <= day <= 31:
        place.fail(f"{where}.{prefix}_day", f"{day} is not a day of the month (1..31)")
    try:
        date(year or 2000, month, day)  # 2000 is a leap year: 29 February recurs
    except ValueError:
        place.fail(f"{where}.{prefix}_day", f"{year or ''}-{month:02}-{day:02} is not a date")
    return month, day, year


def parse_system_calendar(document: object, place: FeedPlace, *, timezone: str) -> SystemCalendar:
    """``system_calendar`` (GBFS 2.x; removed in 3.0, whose ``opening_hours`` says the same)."""
    ranges = []
    for index, item in enumerate(place.items(place.data(document), "calendars")):
        where = f"data.calendars[{index}]"
        start_month, start_day, start_year = _month_day(item, "start", place, where)
        end_month, end_day, end_year = _month_day(item, "end", place, where)
        entry = CalendarRange(start_month, start_day, end_month, end_day, start_year, end_year)
        if (
            start_year is not None
            and end_year is not None
            and not entry.covers(date(start_year, start_month, start_day))
        ):
            place.fail(f"{where}.end_year", "the range ends before it starts")
        ranges.append(entry)
    return SystemCalendar(tuple(ranges), timezone)


def parse_system_regions(document: object, place: FeedPlace) -> dict[str, str]:
    """``system_regions``: region names by ``region_id`` (2.x strings or 3.0 localised names)."""
    regions: dict[str, str] = {}
    for index, item in enumerate(place.items(place.data(document), "regions")):
        where = f"data.regions[{index}]"
        region_id = place.string(item, "region_id", where)
        name = localised_text(item.get("name"))
        if not name:
            place.fail(f"{where}.name", "missing")
        regions[region_id] = name
    return regions


def parse_gbfs_versions(document: object, place: FeedPlace) -> dict[str, str]:
    """``gbfs_versions``: discovery URLs by version."""
    versions: dict[str, str] = {}
    for index, item in enumerate(place.items(place.data(document), "versions")):
        where = f"data.versions[{index}]"
        versions[place.string(item, "version", where)] = place.string(item, "url", where)
    return versions


def version_key(version: str) -> tuple[int, ...]:
    """``"2.3"`` as ``(2, 3)``, for ordering versions."""
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def newest_supported(offered: dict[str, str]) -> tuple[str, str] | None:
    """The newest version in ``offered`` that the parsers read, with its URL (``None``: none of ours)."""
    ours = [version for version in offered if version in SUPPORTED_VERSIONS]
    if not ours:
        return None
    newest = max(ours, key=version_key)
    return newest, offered[newest]
