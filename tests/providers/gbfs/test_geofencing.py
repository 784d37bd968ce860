"""Geofencing semantics: first zone wins, first rule wins, 2.x ride_allowed, ride-through, station parking."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from providers.errors import FeedError
from providers.gbfs._fields import FeedPlace
from providers.gbfs.geofencing import parse_geofencing

PLACE = FeedPlace("test", "geofencing_zones")


def _square(lon: float, lat: float, size: float) -> dict[str, object]:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def _zone(name: str, geometry: dict[str, object], *rules: dict[str, object], **extra: object) -> dict[str, object]:
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {"name": name, "rules": list(rules), **extra},
    }


V3 = {
    "version": "3.0",
    "data": {
        "geofencing_zones": {
            "type": "FeatureCollection",
            "features": [
                _zone(
                    "park",
                    _square(9.0, 51.0, 0.01),
                    {
                        "vehicle_type_ids": ["scooter"],
                        "ride_start_allowed": False,
                        "ride_end_allowed": False,
                        "ride_through_allowed": False,
                    },
                    {"ride_start_allowed": True, "ride_end_allowed": True, "ride_through_allowed": True},
                ),
                _zone(
                    "big",
                    _square(8.99, 50.99, 0.05),
                    {
                        "ride_start_allowed": True,
                        "ride_end_allowed": True,
                        "ride_through_allowed": True,
                        "station_parking": True,
                    },
                ),
                _zone(
                    "market",
                    _square(9.05, 51.05, 0.005),  # a parking area for market days only
                    {"ride_start_allowed": True, "ride_end_allowed": True, "ride_through_allowed": True},
                    start="2026-11-21T08:00:00Z",
                    end="2026-11-21T14:00:00Z",
                ),
            ],
        },
        "global_rules": [{"ride_start_allowed": False, "ride_end_allowed": False, "ride_through_allowed": True}],
    },
}


def test_first_zone_and_first_applicable_rule_win() -> None:
    zones = parse_geofencing(V3, PLACE)
    # In the park (which lies inside "big"): scooters banned, bikes allowed anywhere (park is listed first).
    assert not zones.may_end_at(51.005, 9.005, "scooter")
    assert zones.may_end_at(51.005, 9.005, "bike")
    # In "big" outside the park: station parking only.
    assert not zones.may_end_at(51.03, 9.03, "bike")
    assert zones.may_end_at(51.03, 9.03, "bike", at_station=True)
    # Outside every zone the global rule applies.
    assert not zones.may_start_at(52.0, 10.0, "bike")


def test_ride_through_and_time_windows() -> None:
    zones = parse_geofencing(V3, PLACE)
    across_the_park = [(51.005, 8.995), (51.005, 9.015)]
    assert not zones.may_pass(across_the_park, "scooter")
    assert zones.may_pass(across_the_park, "bike")
    market = (51.052, 9.052)
    assert zones.may_end_at(*market, "bike", datetime(2026, 11, 21, 10, tzinfo=UTC))
    assert not zones.may_end_at(*market, "bike", datetime(2026, 11, 21, 15, tzinfo=UTC)), "global rule after 14:00"


def test_v2_ride_allowed_covers_start_and_end() -> None:
    zones = parse_geofencing(
        {
            "version": "2.3",
            "data": {
                "geofencing_zones": {
                    "type": "FeatureCollection",
                    "features": [
                        _zone(
                            "centre",
                            _square(9.0, 51.0, 0.01),
                            {
                                "vehicle_type_id": ["bike"],
                                "ride_allowed": False,
                                "ride_through_allowed": True,
                            },
                        )
                    ],
                }
            },
        },
        PLACE,
    )
    assert not zones.may_start_at(51.005, 9.005, "bike") and not zones.may_end_at(51.005, 9.005, "bike")
    assert zones.may_end_at(51.005, 9.005, "car")


@pytest.mark.parametrize(
    ("features", "message"),
    [
        (
            [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [9, 51]}, "properties": {}}],
            r"features\[0\]\.geometry: expected a GeoJSON Polygon",
        ),
        (
            [_zone("x", {"type": "Polygon", "coordinates": [[[9, 51]]]})],
            r"features\[0\]\.geometry: unreadable",
        ),
        (
            [_zone("x", _square(9, 51, 1), {"ride_through_allowed": "no"})],
            r"features\[0\]\.properties\.rules\[0\]\.ride_through_allowed: expected true/false",
        ),
    ],
)
def test_broken_zones_name_the_field(features: list[object], message: str) -> None:
    with pytest.raises(FeedError, match=message):
        parse_geofencing({"data": {"geofencing_zones": {"type": "FeatureCollection", "features": features}}}, PLACE)
