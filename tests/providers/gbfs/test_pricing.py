"""GBFS pricing plans: the spec's worked examples, perks, and clear errors for broken plans."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from providers.gbfs.pricing import Perk, PricingPlanError, Segment, parse_pricing_plans, ride_cost_cents

# The two plans of the GBFS 2.3 specification's system_pricing_plans example.
SPEC_EXAMPLE = {
    "last_updated": 1604198100,
    "ttl": 0,
    "version": "2.3",
    "data": {
        "plans": [
            {
                "plan_id": "plan3",
                "name": "Simple Rate",
                "currency": "CAD",
                "price": 3.00,
                "is_taxable": True,
                "description": "$3 unlock fee, $0.25 per kilometer and 0.50 per minute.",
                "per_km_pricing": [{"start": 0, "rate": 0.25, "interval": 1}],
                "per_min_pricing": [{"start": 0, "rate": 0.50, "interval": 1}],
            },
            {
                "plan_id": "plan4",
                "name": "Advanced Rate",
                "currency": "CAD",
                "price": 3.00,
                "is_taxable": True,
                "description": "$3 unlock fee, $0.25 per kilometer starting after 5km, and 0.50 per minute for first "
                "20 min, then 0.30 per minute afterwards",
                "per_km_pricing": [{"start": 5, "rate": 0.25, "interval": 1}],
                "per_min_pricing": [
                    {"start": 0, "rate": 0.50, "interval": 1, "end": 20},
                    {"start": 20, "rate": 0.30, "interval": 1},
                ],
            },
        ]
    },
}


@pytest.mark.parametrize(
    ("plan", "minutes", "km", "cents"),
    [
        # Simple rate: 3.00 + 0.25 per started km + 0.50 per started minute.
        ("plan3", 10, 2, 300 + 2 * 25 + 10 * 50),
        ("plan3", 10.5, 2.2, 300 + 3 * 25 + 11 * 50),
        ("plan3", 0, 0, 300),
        # Advanced: km charged from the 5th on; 0.50/min for minutes 0-19, then 0.30/min.
        ("plan4", 15, 4, 300 + 15 * 50),
        ("plan4", 20, 5, 300 + 20 * 50),
        ("plan4", 25, 8, 300 + 3 * 25 + 20 * 50 + 5 * 30),
        ("plan4", 20.5, 5.5, 300 + 1 * 25 + 20 * 50 + 1 * 30),
    ],
)
def test_spec_examples(plan: str, minutes: float, km: float, cents: int) -> None:
    plans = parse_pricing_plans(SPEC_EXAMPLE)
    assert ride_cost_cents(plans[plan], minutes=minutes, km=km) == cents


def test_interval_zero_charges_once_and_end_is_exclusive() -> None:
    once = Segment(start=10, rate_cents=100, interval=0)
    assert [once.charges(m) for m in (5, 10, 10.1, 90)] == [0, 0, 1, 1]
    every_five = Segment(start=0, rate_cents=100, interval=5, end=30)
    assert [every_five.charges(m) for m in (1, 5, 5.01, 29, 30, 60)] == [1, 1, 2, 6, 6, 6]


def test_negative_rates_discount_but_never_below_zero() -> None:
    plans = parse_pricing_plans(
        {
            "data": {
                "plans": [
                    {
                        "plan_id": "d",
                        "name": "Discount",
                        "currency": "EUR",
                        "price": 1.0,
                        "per_min_pricing": [
                            {"start": 0, "rate": 0.2, "interval": 1},
                            {"start": 10, "rate": -0.2, "interval": 1},
                        ],
                    },
                    {
                        "plan_id": "n",
                        "name": "Refund",
                        "currency": "EUR",
                        "price": 0.5,
                        "per_min_pricing": [{"start": 0, "rate": -1, "interval": 0}],
                    },
                ]
            }
        }
    )
    assert ride_cost_cents(plans["d"], minutes=15, km=0) == 100 + 15 * 20 - 5 * 20
    assert ride_cost_cents(plans["n"], minutes=3, km=0) == 0


def test_decimal_amounts_are_exact_cents() -> None:
    plans = parse_pricing_plans(
        {
            "data": {
                "plans": [
                    {
                        "plan_id": "x",
                        "name": [{"text": "Tarif", "language": "de"}],
                        "currency": "EUR",
                        "price": 0.1,
                        "per_min_pricing": [{"start": 0, "rate": 0.2, "interval": 1}],
                    }
                ]
            }
        }
    )
    assert plans["x"].name == "Tarif"  # GBFS 3.0 localised names
    assert ride_cost_cents(plans["x"], minutes=1, km=0) == 30


def test_pass_holder_perk_takes_minutes_and_base_off() -> None:
    nextbike = parse_pricing_plans(
        {
            "data": {
                "plans": [
                    {
                        "plan_id": "basic",
                        "name": "Basis",
                        "currency": "EUR",
                        "price": 0,
                        "per_min_pricing": [{"start": 0, "rate": 1.0, "interval": 15}],
                    }
                ]
            }
        }
    )["basic"]
    assert ride_cost_cents(nextbike, minutes=40, km=3) == 300
    nvv = Perk(free_minutes=30)
    assert ride_cost_cents(nextbike, minutes=25, km=3, perk=nvv) == 0
    assert ride_cost_cents(nextbike, minutes=40, km=3, perk=nvv) == 100
    assert ride_cost_cents(nextbike, minutes=40, km=3, perk=Perk(base_discount_cents=500)) == 300


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        ({"plan_id": "p", "currency": "EUR"}, "plan 'p': missing required field 'price'"),
        ({"plan_id": "p", "currency": "EUR", "price": "abc"}, "plan 'p'.price: 'abc' is not a number"),
        (
            {"plan_id": "p", "currency": "EUR", "price": 1, "per_min_pricing": [{"start": 0, "rate": 1}]},
            "per_min_pricing[0]: missing required field 'interval'",
        ),
        (
            {
                "plan_id": "p",
                "currency": "EUR",
                "price": 1,
                "per_km_pricing": [{"start": -1, "rate": 1, "interval": 1}],
            },
            "per_km_pricing[0].start: expected a non-negative number",
        ),
        (
            {
                "plan_id": "p",
                "currency": "EUR",
                "price": 1,
                "per_min_pricing": [{"start": 10, "rate": 1, "interval": 1, "end": 5}],
            },
            "end 5 lies before start 10",
        ),
    ],
)
def test_broken_plans_name_the_plan_and_field(plan: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(PricingPlanError, match=message.replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")):
        parse_pricing_plans({"data": {"plans": [plan]}})


def test_real_feed_plans_parse(shared_data: Path) -> None:
    document = json.loads((shared_data / "gbfs-misc" / "lillestrombysykkel" / "system_pricing_plans.json").read_text())
    plans = {plan.name: plan for plan in parse_pricing_plans(document).values()}
    assert set(plans) == {"sesongkort", "3-dagerskort"}
    season = plans["sesongkort"]
    assert (season.currency, season.base_cents, season.is_flat) == ("NOK", 5000, True)
    assert ride_cost_cents(season, minutes=45, km=5) == 5000
    assert ride_cost_cents(plans["3-dagerskort"], minutes=45, km=5) == 1000
