"""Write the demo region's fares file: the NVV levels and passes as published, over the demo's zones.

Prices from KVG's ticket pages (see ../shared/KASSEL.md; Kurzstrecke, Stadt Kassel,
KasselPlus, PS1 and PS8 are published figures); PS2 to PS7 and the child prices are
INTERPOLATED for the SYNTHETIC demo and must be replaced by the dated price list for a
real region.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from routing.demo.city import SYNTHETIC_LABEL

ADULT_CENTS = {
    "kurzstrecke": 210,
    "ps1": 250,
    "stadt_kassel": 320,
    "kasselplus": 420,
    "ps2": 380,
    "ps3": 520,
    "ps4": 680,
    "ps5": 840,
    "ps6": 1000,
    "ps7": 1160,
    "ps8": 1320,
}
EVENING_AND_WEEKEND = [
    {"days": ["weekday"], "from": "19:00"},
    {"days": ["saturday", "sunday", "holiday"], "from": "00:00"},
]


AST_SURCHARGE_CENTS = 150
AST_SURCHARGE_NOTE = (
    "SYNTHETIC demo amount for the demo AST zone: no published NVV AST surcharge is recorded in the project's "
    "sources (shared/KASSEL.md); a real region sets the amount from the NVV tariff with its date"
)


def fares_document() -> dict[str, Any]:
    """The demo's fares as data (a fresh copy each call)."""
    order = sorted(ADULT_CENTS, key=lambda level: ADULT_CENTS[level])
    return copy.deepcopy(
        {
            "name": f"NVV tariff for the demo city - {SYNTHETIC_LABEL}",
            "valid_from": "2026-01-01",
            "currency": "EUR",
            "saturday_is_weekend": True,
            "operating_day_starts": "03:00",
            "tariff": {
                "city_zone": "kassel",
                "plus_zone": "kasselplus",
                "network_zone": "nvv",
                "short_trip_max_stops": 3,
                "adult": ADULT_CENTS,
                "child": {level: round(cents * 0.6 / 10) * 10 for level, cents in ADULT_CENTS.items()},
                "level_order": order,
                "zone_levels": {"hofgeismar": "ps3"},
                "default_level": "ps8",
            },
            "passes": [
                {
                    "id": "mittendrin",
                    "name": "MittendrinTicket",
                    "price_cents": 3500,
                    "period": "month",
                    "area": "kasselplus",
                    "extended_area": "nvv",
                    "extended_windows": EVENING_AND_WEEKEND,
                    "companions": {"adults": 1, "children_under": 18},
                    "eligibility": "teilhabecard",
                },
                {
                    "id": "diakonie-kasselplus",
                    "name": "DiakonieTicket KasselPlus",
                    "price_cents": 7000,
                    "period": "month",
                    "area": "kasselplus",
                    "extended_area": "nvv",
                    "extended_windows": EVENING_AND_WEEKEND,
                    "companions": {"adults": 1, "children_under": 18},
                },
                {
                    "id": "jahreskarte-kasselplus",
                    "name": "NVV Jahreskarte KasselPlus",
                    "price_cents": 90500,
                    "period": "year",
                    "area": "kasselplus",
                    "extended_area": "nvv",
                    "extended_windows": EVENING_AND_WEEKEND,
                    "companions": {"adults": 1, "children_under": 18},
                },
                {
                    "id": "deutschlandticket",
                    "name": "Deutschlandticket",
                    "price_cents": 6300,
                    "period": "month",
                    "area": "*",
                },
            ],
            "on_demand": {
                "name": "AST-Komfortzuschlag",
                "surcharge_cents": AST_SURCHARGE_CENTS,
                "zone_cents": {"demo:ast-nordost": AST_SURCHARGE_CENTS},
                "note": AST_SURCHARGE_NOTE,
            },
        }
    )


def write_fares(path: Path) -> None:
    """Write the demo fares file."""
    path.write_text(json.dumps(fares_document(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
