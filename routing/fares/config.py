"""The fare configuration of a region: tariff levels and pass products as dated data.

A JSON file (``fares.json``, given to ``mobility region build --fares``)::

    {
      "name": "NVV tariff (KVG price list)", "valid_from": "2026-01-01", "currency": "EUR",
      "saturday_is_weekend": true, "operating_day_starts": "03:00",
      "tariff": {
        "city_zone": "kassel", "plus_zone": "kasselplus", "network_zone": "nvv",
        "short_trip_max_stops": 4,
        "adult": {"kurzstrecke": 210, "stadt_kassel": 320, "kasselplus": 420, "ps1": 250, ..., "ps8": 1320},
        "child": {...},
        "level_order": ["kurzstrecke", "ps1", "stadt_kassel", "ps2", "kasselplus", "ps3", ...],
        "zone_levels": {"hofgeismar": "ps3"}, "default_level": "ps8"
      },
      "passes": [{"id": "mittendrin", "name": "MittendrinTicket", "price_cents": 3500, "period": "month",
                  "area": "kasselplus", "extended_area": "nvv",
                  "extended_windows": [{"days": ["weekday"], "from": "19:00"},
                                       {"days": ["saturday", "sunday", "holiday"], "from": "00:00"}],
                  "companions": {"adults": 1, "children_under": 18}, "eligibility": "teilhabecard"}],
      "on_demand": {"name": "AST-Zuschlag", "surcharge_cents": 150, "zone_cents": {"demo:ast-nordost": 150},
                    "note": "where the amount comes from"}
    }

``on_demand`` (optional) is the surcharge of an on-demand (flex) ride on top of the normal
ticket, per ride and optionally per flex zone; a pass pays it only with
``"covers_on_demand_surcharge": true`` (default false: the normal ticket is covered, the
surcharge is not).

Zone ids are those of the region's zones file. ``saturday_is_weekend`` decides whether a
Saturday counts as a weekend day for the time windows (sources on the MittendrinTicket
differ; default true). Times are local (Europe/Berlin); an operating day runs from
``operating_day_starts`` to the same time next morning, so a ride boarding at 00:30 is
still in the evening window of the day before.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Any

from routing.errors import InputDataError

DAY_KINDS = frozenset({"weekday", "saturday", "sunday", "holiday"})
ALL_AREAS = "*"
"""A pass area meaning all local transport (the Deutschlandticket)."""


@dataclass(frozen=True)
class TimeWindow:
    """Days of a kind from a time of the operating day to its end."""

    days: frozenset[str]
    start: time


@dataclass(frozen=True)
class Companions:
    """Who rides along free while the extended validity applies."""

    adults: int = 0
    children_under: int | None = None
    """Children younger than this ride free (None: no children)."""


@dataclass(frozen=True)
class PassProduct:
    """A time pass as data: where and when it is valid, for whom, at what price."""

    id: str
    name: str
    price_cents: int
    period: str
    """``month`` or ``year``."""
    area: str
    """Zone id valid all the time, or ``*`` for all local transport."""
    extended_area: str | None = None
    extended_windows: tuple[TimeWindow, ...] = ()
    companions: Companions = Companions()
    eligibility: str | None = None
    """What a buyer must prove (``teilhabecard``), or None."""
    covers_on_demand_surcharge: bool = False
    """True when the pass also pays the on-demand (AST) surcharge of rides it covers (default: it does not)."""


@dataclass(frozen=True)
class OnDemandSurcharge:
    """The surcharge an on-demand (flex: AST, Rufbus) ride costs on top of the normal ticket, per ride."""

    name: str
    cents: int
    """Per ride, where no zone has its own amount."""
    zone_cents: dict[str, int]
    """Per flex zone (``<feed>:<location id>``): the amount of a ride picking up or setting down there."""
    note: str = ""
    """Where the amount comes from (a dated source, or that it is a placeholder)."""


@dataclass(frozen=True)
class TariffTable:
    """Single-ticket price levels and how a trip's zones choose one."""

    city_zone: str
    plus_zone: str
    network_zone: str
    adult: dict[str, int]
    child: dict[str, int]
    level_order: tuple[str, ...]
    zone_levels: dict[str, str]
    default_level: str
    short_trip_max_stops: int = 0


@dataclass(frozen=True)
class FareConfig:
    """Everything fares need besides the region's stops and zones."""

    name: str
    valid_from: date
    currency: str
    tariff: TariffTable
    passes: dict[str, PassProduct]
    saturday_is_weekend: bool = True
    operating_day_starts: time = time(3, 0)
    on_demand: OnDemandSurcharge | None = None


class _Reader:
    def __init__(self, source: str, data: object, where: str = "") -> None:
        if not isinstance(data, dict):
            raise InputDataError(source, f"{where or 'the file'} must be a JSON object")
        self.source, self.data, self.where = source, data, where

    def _name(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        if key not in self.data:
            if default is ...:
                raise InputDataError(self.source, f"{self._name(key)} is missing")
            return default
        value = self.data[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise InputDataError(self.source, f"{self._name(key)} has the wrong type ({type(value).__name__})")
        return value

    def cents(self, key: str) -> dict[str, int]:
        table = self.get(key, dict)
        for level, cents in table.items():
            if not isinstance(cents, int) or isinstance(cents, bool) or cents < 0:
                raise InputDataError(self.source, f"{self._name(key)}.{level} must be whole cents >= 0")
        return dict(table)

    def time_of_day(self, key: str, default: Any = ...) -> time:
        raw = self.get(key, str, default)
        if isinstance(raw, time):
            return raw
        try:
            return time.fromisoformat(raw)
        except ValueError as exc:
            raise InputDataError(self.source, f"{self._name(key)}: {raw!r} is not HH:MM") from exc

    def child(self, key: str) -> _Reader:
        return _Reader(self.source, self.get(key, dict), self._name(key))


def _pass(source: str, raw: object, number: int) -> PassProduct:
    reader = _Reader(source, raw, f"passes[{number}]")
    windows = []
    for index, window in enumerate(reader.get("extended_windows", list, [])):
        window_reader = _Reader(source, window, f"passes[{number}].extended_windows[{index}]")
        days = frozenset(window_reader.get("days", list))
        if not days or not days <= DAY_KINDS:
            raise InputDataError(
                source, f"passes[{number}].extended_windows[{index}].days must name {sorted(DAY_KINDS)}"
            )
        windows.append(TimeWindow(days=days, start=window_reader.time_of_day("from")))
    companions = reader.get("companions", dict, {})
    companion_reader = _Reader(source, companions, f"passes[{number}].companions")
    period = reader.get("period", str)
    if period not in ("month", "year"):
        raise InputDataError(source, f"passes[{number}].period must be month or year")
    return PassProduct(
        id=reader.get("id", str),
        name=reader.get("name", str),
        price_cents=reader.get("price_cents", int),
        period=period,
        area=reader.get("area", str),
        extended_area=reader.get("extended_area", str, None),
        extended_windows=tuple(windows),
        companions=Companions(
            adults=companion_reader.get("adults", int, 0),
            children_under=companion_reader.get("children_under", int, None),
        ),
        eligibility=reader.get("eligibility", str, None),
        covers_on_demand_surcharge=reader.get("covers_on_demand_surcharge", bool, False),
    )


def _on_demand(source: str, raw: object) -> OnDemandSurcharge:
    reader = _Reader(source, raw, "on_demand")
    cents = reader.get("surcharge_cents", int)
    if cents < 0:
        raise InputDataError(source, "on_demand.surcharge_cents must be whole cents >= 0")
    return OnDemandSurcharge(
        name=reader.get("name", str),
        cents=cents,
        zone_cents=reader.cents("zone_cents") if "zone_cents" in reader.data else {},
        note=reader.get("note", str, ""),
    )


def parse_fare_config(data: object, *, source: str = "fares") -> FareConfig:
    """Validate fare data; every problem names the field.

    Raises
    ------
    InputDataError
        Missing or mistyped fields, unknown levels, repeated pass ids.
    """
    reader = _Reader(source, data)
    tariff_reader = reader.child("tariff")
    adult, child = tariff_reader.cents("adult"), tariff_reader.cents("child")
    order = tuple(tariff_reader.get("level_order", list))
    if set(order) != set(adult) or set(child) - set(adult):
        raise InputDataError(
            source, "tariff.level_order must list every adult level once; child levels must be adult levels"
        )
    zone_levels = tariff_reader.get("zone_levels", dict, {})
    default_level = tariff_reader.get("default_level", str)
    for level in [*zone_levels.values(), default_level]:
        if level not in adult:
            raise InputDataError(source, f"tariff: unknown level {level!r}")
    tariff = TariffTable(
        city_zone=tariff_reader.get("city_zone", str),
        plus_zone=tariff_reader.get("plus_zone", str),
        network_zone=tariff_reader.get("network_zone", str),
        adult=adult,
        child=child,
        level_order=order,
        zone_levels=dict(zone_levels),
        default_level=default_level,
        short_trip_max_stops=tariff_reader.get("short_trip_max_stops", int, 0),
    )
    passes: dict[str, PassProduct] = {}
    for number, raw in enumerate(reader.get("passes", list, [])):
        product = _pass(source, raw, number)
        if product.id in passes:
            raise InputDataError(source, f"passes[{number}].id {product.id!r} repeats")
        passes[product.id] = product
    try:
        valid_from = date.fromisoformat(reader.get("valid_from", str))
    except ValueError as exc:
        raise InputDataError(source, f"valid_from: {exc}") from exc
    return FareConfig(
        name=reader.get("name", str),
        valid_from=valid_from,
        currency=reader.get("currency", str),
        tariff=tariff,
        passes=passes,
        saturday_is_weekend=reader.get("saturday_is_weekend", bool, True),
        operating_day_starts=reader.time_of_day("operating_day_starts", time(3, 0)),
        on_demand=_on_demand(source, reader.data["on_demand"]) if "on_demand" in reader.data else None,
    )


def load_fare_config(path: Path) -> FareConfig:
    """Read and validate a fares JSON file.

    Raises
    ------
    InputDataError
        Unreadable file or invalid content (the message names the field).
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputDataError(str(path), f"cannot read fares JSON: {exc}") from exc
    return parse_fare_config(data, source=str(path))


FARES_FILE = "fares/fares.json"


def save_fare_config(source: Path, zones: object, region_dir: Path) -> None:
    """Copy a validated fares file into the region, refusing zone ids the region does not have.

    Raises
    ------
    InputDataError
        A pass or level names a zone missing from the region's zones.
    """
    config = load_fare_config(source)
    known = {zone.id for zone in getattr(zones, "zones", [])}
    tariff = config.tariff
    named = {tariff.city_zone, tariff.plus_zone, tariff.network_zone, *tariff.zone_levels}
    for product in config.passes.values():
        named |= {product.area, *([product.extended_area] if product.extended_area else [])}
    unknown = sorted(named - known - {ALL_AREAS})
    if unknown:
        raise InputDataError(str(source), f"zones not in the region's zones file: {', '.join(unknown)}")
    target = region_dir / FARES_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")


def load_region_fares(region_dir: Path) -> FareConfig | None:
    """The fare configuration stored in a region, or None when it was built without one."""
    path = region_dir / FARES_FILE
    return load_fare_config(path) if path.is_file() else None
