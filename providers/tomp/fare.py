"""The total of a TOMP-API 1.6 ``fare``, exactly as the spec defines its parts.

- ``FIXED``: ``amount`` once (with a scale: once the ride reaches ``scaleFrom``).
- ``FLEX``: ``amount`` per ``units`` of ``unitType`` (``units`` is the unit *size*: "0.5 EUR per
  15 MINUTE" is ``amount`` 0.5, ``units`` 15), charged for every started unit; with a scale only
  for the part of the ride between ``scaleFrom`` and ``scaleTo`` (in ``scaleType``).
- ``MAX``: not part of the sum; it caps the total ("a maximum of 15 euro per day").

The total is "the sum of all parts, except for the 'MAX' farePart". Discounts are negative
parts; a ride never costs less than nothing. A single part without ``type`` is ``FIXED``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

MINUTES_PER = {"SECOND": 1 / 60, "MINUTE": 1.0, "HOUR": 60.0}
KM_PER = {"KM": 1.0, "MILE": 1.609344}


class FareError(ValueError):
    """A fare part cannot be priced; the message names the part and field."""


@dataclass(frozen=True)
class Ride:
    """How long and how far the priced ride is."""

    minutes: float
    km: float

    def quantity(self, unit: str, where: str) -> float:
        """The ride in ``unit`` (``MINUTE``, ``KM``, ...)."""
        if unit in MINUTES_PER:
            return self.minutes / MINUTES_PER[unit]
        if unit in KM_PER:
            return self.km / KM_PER[unit]
        msg = f"{where}: unit {unit!r} is not a time or distance unit (PERCENTAGE parts are not supported)"
        raise FareError(msg)


@dataclass(frozen=True)
class FareTotal:
    """A fare summed up: cents, currency and whether the operator calls it an estimate."""

    cents: int
    currency: str
    estimated: bool


def _cents(value: object, where: str) -> int:
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise FareError(f"{where}: {value!r} is not a number") from exc
    if not amount.is_finite():
        raise FareError(f"{where}: {value!r} is not a finite number")
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _number(part: dict[str, object], key: str, where: str, default: float | None = None) -> float:
    value = part.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise FareError(f"{where}.{key}: expected a number >= 0, got {value!r}")
    return float(value)


def _in_scale(part: dict[str, object], ride: Ride, where: str) -> tuple[float, float | None, str | None]:
    """``(from, to, scaleType)`` of a part; ``scaleType`` ``None`` without a scale."""
    if "scaleFrom" not in part and "scaleTo" not in part:
        return 0.0, None, None
    scale_type = part.get("scaleType")
    if not isinstance(scale_type, str):
        raise FareError(f"{where}.scaleType: required with scaleFrom/scaleTo")
    low = _number(part, "scaleFrom", where, 0.0)
    high = None if part.get("scaleTo") is None else _number(part, "scaleTo", where)
    return low, high, scale_type


def part_cents(part: dict[str, object], ride: Ride, where: str) -> int:
    """What one ``FIXED`` or ``FLEX`` part adds for ``ride`` (``MAX`` parts are handled by :func:`fare_total`)."""
    kind = part.get("type", "FIXED")
    amount = _cents(part.get("amount"), f"{where}.amount")
    low, high, scale_type = _in_scale(part, ride, where)
    if kind == "FIXED":
        if scale_type is None:
            return amount
        reached = ride.quantity(scale_type, f"{where}.scaleType")
        return amount if reached > low or (reached == low == 0) else 0
    if kind != "FLEX":
        raise FareError(f"{where}.type: one of FIXED, FLEX, MAX, got {kind!r}")
    unit = part.get("unitType")
    if not isinstance(unit, str):
        raise FareError(f"{where}.unitType: required for FLEX parts")
    size = _number(part, "units", where)
    used = ride.quantity(unit, f"{where}.unitType")
    if scale_type is not None:
        if (unit in MINUTES_PER) != (scale_type in MINUTES_PER):
            raise FareError(f"{where}.scaleType: {scale_type} does not measure the same as unitType {unit}")
        # the scale's bounds in the part's own unit
        table = MINUTES_PER if unit in MINUTES_PER else KM_PER
        if scale_type not in table:
            raise FareError(f"{where}.scaleType: {scale_type!r} is not a unit like {unit}")
        factor = table[scale_type] / table[unit]
        stop = used if high is None else min(used, high * factor)
        used = max(stop - low * factor, 0.0)
    if used <= 0:
        return 0
    if size == 0:
        return amount
    return math.ceil(used / size - 1e-9) * amount


def fare_total(fare: object, ride: Ride, *, where: str = "pricing") -> FareTotal:
    """The total of a TOMP ``fare`` object for ``ride``.

    Raises
    ------
    FareError
        The fare is not ``{estimated, parts: [...]}`` or a part cannot be priced.
    """
    if not isinstance(fare, dict) or not isinstance(fare.get("parts"), list):
        raise FareError(f"{where}: expected {{estimated, parts: [...]}}")
    parts = fare["parts"]
    total, cap, currencies = 0, None, set()
    for index, part in enumerate(parts):
        here = f"{where}.parts[{index}]"
        if not isinstance(part, dict):
            raise FareError(f"{here}: not an object")
        if "type" not in part and len(parts) > 1:
            raise FareError(f"{here}.type: required when a fare has more than one part")
        if isinstance(part.get("currencyCode"), str):
            currencies.add(part["currencyCode"])
        if part.get("type") == "MAX":
            limit = _cents(part.get("amount"), f"{here}.amount")
            cap = limit if cap is None else min(cap, limit)
        else:
            total += part_cents(part, ride, here)
    if len(currencies) > 1:
        raise FareError(f"{where}.parts: mixed currencies {sorted(currencies)}")
    total = max(total, 0)
    if cap is not None:
        total = min(total, cap)
    return FareTotal(total, next(iter(currencies), "EUR"), bool(fare.get("estimated", False)))
