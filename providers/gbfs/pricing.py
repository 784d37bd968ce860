"""Prices of a shared-vehicle ride from GBFS ``system_pricing_plans``, exactly as the spec defines them.

A plan has a base ``price`` charged once per trip plus optional ``per_min_pricing`` and
``per_km_pricing`` segments. A segment ``{start, rate, interval, end}`` charges ``rate``
once at ``start`` and again every ``interval`` units after it, up to but not including
``end`` (without ``end``: until the trip ends, on top of later segments); ``interval``
0 charges ``rate`` once. A segment only charges once the trip has reached its
``start``. Rates may be negative (discounts); a trip never costs less than nothing.

Money is integer cents: the feed's decimal amounts are converted once with
:class:`decimal.Decimal`, so 0.1 + 0.2 is exactly 30 cents.

Pass-holder perks (nextbike Kassel gave NVV subscribers the first 30 minutes free) are
:class:`Perk` values from provider configuration: free minutes are taken off the time
segments, a discount off the base price.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any


class PricingPlanError(ValueError):
    """A pricing plan in a feed cannot be read; the message names the plan and the field."""


def to_cents(amount: object, *, where: str) -> int:
    """A feed amount (major units, e.g. 0.25 EUR) as integer cents, rounded half up."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation as exc:
        msg = f"{where}: {amount!r} is not a number"
        raise PricingPlanError(msg) from exc
    if not value.is_finite():
        msg = f"{where}: {amount!r} is not a finite number"
        raise PricingPlanError(msg)
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Segment:
    """One ``per_min_pricing`` or ``per_km_pricing`` entry (minutes or kilometres)."""

    start: float
    rate_cents: int
    interval: float
    end: float | None = None

    def charges(self, used: float) -> int:
        """How many times ``rate`` is charged for ``used`` minutes or kilometres.

        Charges fall at ``start``, ``start + interval``, ... (before ``end``); each one
        the trip has gone beyond counts.
        """
        stop = used if self.end is None else min(used, self.end)
        if stop <= self.start:
            return 0
        if self.interval == 0:
            return 1
        return math.ceil((stop - self.start) / self.interval - 1e-9)

    def cost_cents(self, used: float) -> int:
        """What this segment adds for ``used`` units."""
        return self.charges(used) * self.rate_cents


@dataclass(frozen=True)
class PricingPlan:
    """A GBFS pricing plan."""

    plan_id: str
    name: str
    currency: str
    base_cents: int
    per_minute: tuple[Segment, ...] = ()
    per_km: tuple[Segment, ...] = ()
    is_taxable: bool = False
    surge: bool = False

    @property
    def is_flat(self) -> bool:
        """True when the price does not depend on time or distance."""
        return not self.per_minute and not self.per_km


@dataclass(frozen=True)
class Perk:
    """A pass holder's advantage on one operator's plans (from provider configuration)."""

    free_minutes: float = 0.0
    base_discount_cents: int = 0


def ride_cost_cents(plan: PricingPlan, *, minutes: float, km: float, perk: Perk | None = None) -> int:
    """The price of a ride of ``minutes`` and ``km`` under ``plan``, in cents (never below 0)."""
    if minutes < 0 or km < 0:
        msg = f"a ride cannot last {minutes} min or cover {km} km"
        raise ValueError(msg)
    perk = perk or Perk()
    charged_minutes = max(minutes - perk.free_minutes, 0.0)
    total = max(plan.base_cents - perk.base_discount_cents, 0)
    if charged_minutes > 0:
        total += sum(segment.cost_cents(charged_minutes) for segment in plan.per_minute)
    if km > 0:
        total += sum(segment.cost_cents(km) for segment in plan.per_km)
    return max(total, 0)


def _segments(raw: object, *, where: str) -> tuple[Segment, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        msg = f"{where}: expected a list of segments"
        raise PricingPlanError(msg)
    segments = []
    for index, item in enumerate(raw):
        here = f"{where}[{index}]"
        if not isinstance(item, dict):
            msg = f"{here}: expected an object"
            raise PricingPlanError(msg)
        for field in ("start", "rate", "interval"):
            if field not in item:
                msg = f"{here}: missing required field {field!r}"
                raise PricingPlanError(msg)
        start, interval, end = item["start"], item["interval"], item.get("end")
        for field, value in (("start", start), ("interval", interval), ("end", end)):
            if value is not None and (not isinstance(value, int | float) or isinstance(value, bool) or value < 0):
                msg = f"{here}.{field}: expected a non-negative number, got {value!r}"
                raise PricingPlanError(msg)
        if end is not None and end < start:
            msg = f"{here}: end {end} lies before start {start}"
            raise PricingPlanError(msg)
        segments.append(
            Segment(
                start=float(start),
                rate_cents=to_cents(item["rate"], where=f"{here}.rate"),
                interval=float(interval),
                end=None if end is None else float(end),
            )
        )
    return tuple(segments)


def _text(value: object) -> str:
    """A v2 string, or the first text of a v3 localised list."""
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return str(value[0].get("text", ""))
    return "" if value is None else str(value)


def parse_pricing_plans(document: dict[str, Any]) -> dict[str, PricingPlan]:
    """Plans by ``plan_id`` from a ``system_pricing_plans.json`` document (GBFS 2.x or 3.0).

    Raises
    ------
    PricingPlanError
        Naming the plan and field that cannot be read.
    """
    data = document.get("data")
    plans = data.get("plans") if isinstance(data, dict) else None
    if not isinstance(plans, list):
        msg = "system_pricing_plans: data.plans must be a list"
        raise PricingPlanError(msg)
    parsed: dict[str, PricingPlan] = {}
    for index, plan in enumerate(plans):
        if not isinstance(plan, dict):
            msg = f"system_pricing_plans: plans[{index}] is not an object"
            raise PricingPlanError(msg)
        plan_id = plan.get("plan_id")
        where = f"system_pricing_plans: plan {plan_id!r}" if plan_id else f"system_pricing_plans: plans[{index}]"
        for field in ("plan_id", "currency", "price"):
            if field not in plan:
                msg = f"{where}: missing required field {field!r}"
                raise PricingPlanError(msg)
        parsed[str(plan_id)] = PricingPlan(
            plan_id=str(plan_id),
            name=_text(plan.get("name")),
            currency=str(plan["currency"]),
            base_cents=to_cents(plan["price"], where=f"{where}.price"),
            per_minute=_segments(plan.get("per_min_pricing"), where=f"{where}.per_min_pricing"),
            per_km=_segments(plan.get("per_km_pricing"), where=f"{where}.per_km_pricing"),
            is_taxable=bool(plan.get("is_taxable", False)),
            surge=bool(plan.get("surge_pricing", False)),
        )
    return parsed
