"""Save and load a region's flex network (``flex.json`` in the build directory)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from routing.errors import RegionError
from routing.flex.model import (
    BookingRule,
    BookingType,
    FlexNetwork,
    FlexStop,
    FlexStopTime,
    FlexTrip,
    FlexZone,
    LocationGroup,
    PickupDropOff,
    PlaceKind,
)

FLEX_FILE = "flex.json"


def save_flex(network: FlexNetwork, directory: Path) -> None:
    """Write ``network`` into the build ``directory``."""
    data = asdict(network)
    for trip in data["trips"]:
        trip["service_days"] = [day.isoformat() for day in trip["service_days"]]
    (directory / FLEX_FILE).write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")


def _polygons(raw: list[Any]) -> tuple[tuple[tuple[tuple[float, float], ...], ...], ...]:
    return tuple(tuple(tuple((float(p[0]), float(p[1])) for p in ring) for ring in polygon) for polygon in raw)


def _stop_time(raw: dict[str, Any]) -> FlexStopTime:
    return FlexStopTime(
        **{
            **raw,
            "kind": PlaceKind(raw["kind"]),
            "pickup_type": PickupDropOff(raw["pickup_type"]),
            "drop_off_type": PickupDropOff(raw["drop_off_type"]),
        }
    )


def load_flex_network(directory: Path) -> FlexNetwork | None:
    """The flex network of the build ``directory``; None when the region has none.

    Raises
    ------
    RegionError
        When ``flex.json`` is there but damaged.
    """
    path = directory / FLEX_FILE
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return FlexNetwork(
            timezone=data["timezone"],
            zones={
                k: FlexZone(zone_id=v["zone_id"], name=v["name"], polygons=_polygons(v["polygons"]))
                for k, v in data["zones"].items()
            },
            stops={k: FlexStop(**v) for k, v in data["stops"].items()},
            groups={
                k: LocationGroup(group_id=v["group_id"], name=v["name"], stop_ids=tuple(v["stop_ids"]))
                for k, v in data["groups"].items()
            },
            stop_areas={k: tuple(v) for k, v in data["stop_areas"].items()},
            rules={
                k: BookingRule(**{**v, "booking_type": BookingType(v["booking_type"])})
                for k, v in data["rules"].items()
            },
            trips=tuple(
                FlexTrip(
                    **{
                        **trip,
                        "service_days": tuple(date.fromisoformat(day) for day in trip["service_days"]),
                        "stop_times": tuple(_stop_time(st) for st in trip["stop_times"]),
                    }
                )
                for trip in data["trips"]
            ),
            warnings=tuple(data["warnings"]),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RegionError(f"{path}: flex network is damaged ({exc}); rebuild the region") from exc
