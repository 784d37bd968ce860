"""Write the demo city's GBFS 2.3 feeds and tariff-zone file (SYNTHETIC DEMO DATA).

Two sandbox operators: ``demo-rad`` (bikeshare: stations plus a few free-floating bikes
that may not be parked in the central pedestrian zone) and ``demo-auto`` (station-based
carsharing). Zones: the tariff areas ``nvv`` (whole area) and
``kasselplus`` (inner part), and the municipalities ``kassel``, ``vellmar`` (inside
KasselPlus) and ``hofgeismar`` (outside it).
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from routing.demo.city import SYNTHETIC_LABEL, CityPlan

GBFS_VERSION = "2.3"
FEED_TTL_SECONDS = 60


def _dump(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _system(
    plan: CityPlan,
    folder: Path,
    *,
    system_id: str,
    name: str,
    stations: list[tuple[int, int]],
    vehicle: dict[str, Any],
    plan_price: dict[str, Any],
    base_url: str,
    last_updated: int,
    capacity: int,
    rng: random.Random,
    free_floating: int = 0,
    no_parking: list[list[list[float]]] | None = None,
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    url = f"{base_url.rstrip('/')}/{system_id}"
    files = [
        "system_information",
        "vehicle_types",
        "station_information",
        "station_status",
        "free_bike_status",
        "system_pricing_plans",
    ]
    if no_parking is not None:
        files.append("geofencing_zones")

    def envelope(data: dict[str, Any]) -> dict[str, Any]:
        return {"last_updated": last_updated, "ttl": FEED_TTL_SECONDS, "version": GBFS_VERSION, "data": data}

    _dump(folder / "gbfs.json", envelope({"de": {"feeds": [{"name": f, "url": f"{url}/{f}.json"} for f in files]}}))
    _dump(
        folder / "system_information.json",
        envelope(
            {
                "system_id": system_id,
                "language": "de",
                "name": name,
                "operator": f"{name} - {SYNTHETIC_LABEL}",
                "timezone": "Europe/Berlin",
                "url": "https://example.invalid/" + system_id,
                "license_url": "https://example.invalid/license",
                "feed_contact_email": "demo@example.invalid",
            }
        ),
    )
    _dump(folder / "vehicle_types.json", envelope({"vehicle_types": [vehicle]}))
    infos, statuses = [], []
    for number, (row, col) in enumerate(stations, start=1):
        point = plan.position(row, col)
        station_id = f"{system_id}-{number}"
        available = rng.randint(0, capacity)
        infos.append(
            {
                "station_id": station_id,
                "name": f"{name} Station {number}",
                "lat": point.lat,
                "lon": point.lon,
                "capacity": capacity,
                "is_virtual_station": False,
            }
        )
        statuses.append(
            {
                "station_id": station_id,
                "num_bikes_available": available,
                "num_docks_available": capacity - available,
                "vehicle_types_available": [{"vehicle_type_id": vehicle["vehicle_type_id"], "count": available}],
                "is_installed": True,
                "is_renting": True,
                "is_returning": True,
                "last_reported": last_updated,
            }
        )
    _dump(folder / "station_information.json", envelope({"stations": infos}))
    _dump(folder / "station_status.json", envelope({"stations": statuses}))
    bikes = []
    for number in range(1, free_floating + 1):
        point = plan.position(rng.uniform(1, plan.size - 2), rng.uniform(1, plan.size - 2))
        bikes.append(
            {
                "bike_id": f"{system_id}-frei-{number}",
                "lat": point.lat,
                "lon": point.lon,
                "is_reserved": False,
                "is_disabled": False,
                "vehicle_type_id": vehicle["vehicle_type_id"],
            }
        )
    _dump(folder / "free_bike_status.json", envelope({"bikes": bikes}))
    if no_parking is not None:
        _dump(
            folder / "geofencing_zones.json",
            envelope(
                {
                    "geofencing_zones": {
                        "type": "FeatureCollection",
                        "features": [
                            {
                                "type": "Feature",
                                "geometry": {"type": "Polygon", "coordinates": no_parking},
                                "properties": {
                                    "name": "Fußgängerzone (synthetic)",
                                    "rules": [
                                        {
                                            "vehicle_type_id": [vehicle["vehicle_type_id"]],
                                            "ride_allowed": False,
                                            "ride_through_allowed": True,
                                        }
                                    ],
                                },
                            },
                        ],
                    }
                }
            ),
        )
    _dump(folder / "system_pricing_plans.json", envelope({"plans": [plan_price]}))


def write_gbfs(plan: CityPlan, folder: Path, *, first_day: date, base_url: str) -> None:
    """Write both sandbox operators' GBFS feeds below ``folder``."""
    rng = random.Random(plan.seed)
    last_updated = int(datetime.combine(first_day, time(0), tzinfo=UTC).timestamp())
    _system(
        plan,
        folder / "demo-rad",
        system_id="demo-rad",
        name="Demo-Rad",
        stations=plan.bike_stations,
        vehicle={
            "vehicle_type_id": "bike",
            "form_factor": "bicycle",
            "propulsion_type": "human",
            "name": "Stadtrad",
            "default_pricing_plan_id": "rad-standard",
            "return_constraint": "hybrid",
        },
        plan_price={
            "plan_id": "rad-standard",
            "name": "Standardtarif",
            "currency": "EUR",
            "price": 0.0,
            "is_taxable": True,
            "description": "1 EUR je angefangene 15 Minuten",
            "per_min_pricing": [{"start": 0, "rate": 1.0, "interval": 15}],
        },
        base_url=base_url,
        last_updated=last_updated,
        capacity=10,
        rng=rng,
        free_floating=6,
        no_parking=_box(plan, plan.middle - 1, plan.middle - 1, plan.middle + 1, plan.middle + 1),
    )
    _system(
        plan,
        folder / "demo-auto",
        system_id="demo-auto",
        name="Demo-Auto",
        stations=plan.car_stations,
        vehicle={
            "vehicle_type_id": "kleinwagen",
            "form_factor": "car",
            "propulsion_type": "electric",
            "name": "Kleinwagen",
            "max_range_meters": 250000,
            "default_pricing_plan_id": "auto-standard",
            "return_constraint": "roundtrip_station",
        },
        plan_price={
            "plan_id": "auto-standard",
            "name": "Stundentarif",
            "currency": "EUR",
            "price": 0.0,
            "is_taxable": True,
            "description": "3 EUR je Stunde plus 0,25 EUR je km",
            "per_min_pricing": [{"start": 0, "rate": 3.0, "interval": 60}],
            "per_km_pricing": [{"start": 0, "rate": 0.25, "interval": 1}],
        },
        base_url=base_url,
        last_updated=last_updated,
        capacity=2,
        rng=rng,
    )
    _dump(folder / "demo-auto" / "sandbox.json", {"cancellation_fee_cents": 200, "note": "sandbox operator policy"})


def _box(plan: CityPlan, row0: float, col0: float, row1: float, col1: float) -> list[list[list[float]]]:
    corners = [(row0, col0), (row0, col1), (row1, col1), (row1, col0), (row0, col0)]
    return [[[plan.position(r, c).lon, plan.position(r, c).lat] for r, c in corners]]


def write_zones(plan: CityPlan, path: Path) -> None:
    """Write the tariff areas and municipalities of ``plan`` as GeoJSON."""
    last = plan.size - 1
    inner_lo, inner_hi = last * 0.15, last * 0.85
    city_lo, city_hi = last * 0.25, last * 0.75

    def feature(zone_id: str, name: str, kind: str, rings: list[list[list[float]]]) -> dict[str, Any]:
        return {
            "type": "Feature",
            "properties": {"id": zone_id, "name": name, "kind": kind},
            "geometry": {"type": "Polygon", "coordinates": rings},
        }

    collection = {
        "type": "FeatureCollection",
        "name": SYNTHETIC_LABEL,
        "features": [
            feature("nvv", "NVV (synthetic)", "tariff_area", _box(plan, -1, -1, last + 1, last + 1)),
            feature(
                "kasselplus",
                "KasselPlus (synthetic)",
                "tariff_area",
                _box(plan, inner_lo, inner_lo, inner_hi, inner_hi),
            ),
            feature(
                "kassel", "Stadt Kassel (synthetic)", "municipality", _box(plan, city_lo, city_lo, city_hi, city_hi)
            ),
            feature("vellmar", "Vellmar (synthetic)", "municipality", _box(plan, city_hi, city_lo, inner_hi, city_hi)),
            feature(
                "hofgeismar", "Hofgeismar (synthetic)", "municipality", _box(plan, inner_hi, -1, last + 1, last + 1)
            ),
        ],
    }
    path.write_text(json.dumps(collection, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
