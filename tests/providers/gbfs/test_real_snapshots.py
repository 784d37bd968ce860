"""Every real GBFS snapshot in ../shared/data parses through the real HTTP client and passes the kit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from providers.conformance import run_conformance
from providers.gbfs.adapter import GbfsProvider, GbfsSettings
from providers.http import HttpSettings
from providers.model import FormFactor
from tests.conftest_d.gbfs_server import GbfsFolderServer

pytestmark = pytest.mark.realdata

SNAPSHOTS = {
    # folder: (stations, vehicles, vehicle types, plans, zones); a system without
    # vehicle_types.json has one default type (GBFS 2.x: bicycles)
    "bay-area/gbfs": (496, 720, 1, 0, 0),
    "darmstadt/gbfs": (1, 1, 1, 0, 0),
    "gbfs-misc/lillestrombysykkel": (6, 0, 1, 2, 0),
    "gbfs-misc/ridecheck-almere": (0, 6, 1, 0, 14),  # 16 features, 2 without geometry
    "herrenberg/gbfs/car-sharing": (254, 0, 1, 0, 0),
    "herrenberg/gbfs/car-sharing-teilauto-neckar-alb": (103, 0, 0, 0, 0),
    "herrenberg/gbfs/car-sharing-renningen": (23, 0, 1, 0, 0),
    "herrenberg/gbfs/stadtrad": (1, 0, 1, 0, 0),
    "herrenberg/gbfs/alf": (1, 0, 1, 0, 0),
    "herrenberg/gbfs/bananologen": (1, 0, 1, 0, 0),
    "herrenberg/gbfs/gueltstein-mobil": (1, 0, 1, 0, 0),
}


def _provider(server: GbfsFolderServer, now: datetime | None = None) -> GbfsProvider:
    settings = GbfsSettings(server.discovery_url, http=HttpSettings(timeout_s=5, retries=0))
    if now is None:
        return GbfsProvider(server.folder.name, settings)
    return GbfsProvider(server.folder.name, settings, now=lambda: now)


@pytest.mark.parametrize("folder", sorted(SNAPSHOTS))
def test_snapshot_parses_and_passes_the_kit(
    folder: str,
    shared_data: Path,
    gbfs_folder_server: Callable[[Path], GbfsFolderServer],
) -> None:
    stations, vehicles, types, plans, zones = SNAPSHOTS[folder]
    provider = _provider(gbfs_folder_server(shared_data / folder))
    info = provider.static_info()
    live = provider.availability()
    assert (len(info.stations), len(live.vehicles), len(info.vehicle_types)) == (stations, vehicles, types)
    assert (len(info.pricing_plans), len(info.geofencing.zones)) == (plans, zones)
    assert live.stale, "a snapshot years old must be marked stale"
    assert set(live.stations) <= set(info.stations) or not info.stations
    report = run_conformance(provider)
    assert report.passed, report.render()


def test_unknown_counts_in_real_car_sharing_feed_stay_pickup_candidates(
    shared_data: Path,
    gbfs_folder_server: Callable[[Path], GbfsFolderServer],
) -> None:
    # stadtnavi's car-sharing feeds publish num_bikes_available = -1 for "unknown".
    provider = _provider(gbfs_folder_server(shared_data / "herrenberg/gbfs/car-sharing"))
    statuses = list(provider.availability().stations.values())
    assert statuses and all(s.vehicles_available is None and s.can_pick_up for s in statuses)


def test_almere_geofencing_rules(shared_data: Path, gbfs_folder_server: Callable[[Path], GbfsFolderServer]) -> None:
    zones = _provider(gbfs_folder_server(shared_data / "gbfs-misc/ridecheck-almere")).static_info().geofencing
    moped = "check_moped_almere_60"
    hub = next(zone for zone in zones.zones if zone.name == "Hub Bergnet")
    inside = hub.geometry.representative_point()
    # Hub Bergnet: start allowed, end not; outside every zone the global rule forbids both.
    assert zones.may_start_at(inside.y, inside.x, moped)
    assert not zones.may_end_at(inside.y, inside.x, moped)
    assert not zones.may_start_at(0.0, 0.0, moped) and not zones.may_end_at(0.0, 0.0, moped)
    ends_allowed = [z for z in zones.zones if z.rules and z.rules[0].ride_end_allowed]
    point = ends_allowed[0].geometry.representative_point()
    assert zones.may_end_at(point.y, point.x, moped)


def test_a_system_without_vehicle_types_rents_bicycles_unless_configured_or_car_sharing(
    shared_data: Path, gbfs_folder_server: Callable[[Path], GbfsFolderServer]
) -> None:
    bay_wheels = _provider(gbfs_folder_server(shared_data / "bay-area" / "gbfs"))
    (default,) = bay_wheels.static_info().vehicle_types.values()
    assert (default.vehicle_type_id, default.form_factor, default.propulsion) == (
        "default",
        FormFactor.BICYCLE,
        "human",
    )
    assert {vehicle.vehicle_type_id for vehicle in bay_wheels.availability().vehicles} == {"default"}
    server = gbfs_folder_server(shared_data / "herrenberg" / "gbfs" / "car-sharing")
    stadtmobil = GbfsProvider(
        "stadtmobil",
        GbfsSettings(server.discovery_url, form_factor=FormFactor.CAR, return_constraint="roundtrip_station"),
    )
    (car,) = stadtmobil.static_info().vehicle_types.values()
    assert (car.form_factor, car.return_constraint) == (FormFactor.CAR, "roundtrip_station")


def test_car_sharing_systems_without_vehicle_types_rent_cars(
    shared_data: Path, gbfs_folder_server: Callable[[Path], GbfsFolderServer]
) -> None:
    # stadtnavi's car-sharing feeds publish no vehicle_types; their system_information says what they are
    for folder in ("car-sharing", "car-sharing-teilauto-neckar-alb", "car-sharing-renningen"):
        server = gbfs_folder_server(shared_data / "herrenberg" / "gbfs" / folder)
        types = _provider(server).static_info().vehicle_types
        if not types:  # teilAuto publishes an empty vehicle_types feed
            continue
        (car,) = types.values()
        assert (car.form_factor, car.return_constraint) == (FormFactor.CAR, "roundtrip_station"), folder


def test_system_hours_close_the_cargo_bike_outside_its_hours(
    shared_data: Path, gbfs_folder_server: Callable[[Path], GbfsFolderServer]
) -> None:
    # alf rents on tue/fri 10-19 and wed/thu 15-19, Europe/Berlin (CET in March: UTC+1)
    server = gbfs_folder_server(shared_data / "herrenberg/gbfs/alf")
    tuesday_noon = datetime(2025, 3, 11, 11, 0, tzinfo=UTC)
    monday_noon = datetime(2025, 3, 10, 11, 0, tzinfo=UTC)
    wednesday_noon = datetime(2025, 3, 12, 11, 0, tzinfo=UTC)
    opened = _provider(server, tuesday_noon)
    hours = opened.static_info().hours
    assert hours is not None and hours.timezone == "Europe/Berlin"
    assert all(s.is_renting for s in opened.availability().stations.values())
    for closed_at in (monday_noon, wednesday_noon):
        closed = _provider(server, closed_at).availability().stations.values()
        assert closed and not any(s.is_renting or s.can_pick_up for s in closed)
        assert all(s.is_returning for s in closed), "returns stay possible"


def test_system_alerts_become_warnings(
    shared_data: Path, gbfs_folder_server: Callable[[Path], GbfsFolderServer]
) -> None:
    info = _provider(gbfs_folder_server(shared_data / "herrenberg/gbfs/gueltstein-mobil")).static_info()
    (alert,) = info.alerts_at(datetime(2025, 3, 11, tzinfo=UTC))
    assert (alert.alert_id, alert.kind, alert.summary) == ("1", "other", "Vorankündigung")
    assert alert.url.startswith("https://gueltsteinmobil.de/")
    empty = _provider(gbfs_folder_server(shared_data / "herrenberg/gbfs/stadtrad")).static_info()
    assert empty.alerts == ()
