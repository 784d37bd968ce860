"""GBFS 3.0 ``opening_hours``, 2.x ``system_calendar``, ``system_regions`` and ``gbfs_versions``.

Read from the official MobilityData fixtures (checked against the official schemas first) and
the real snapshots in ../shared/data; both skip cleanly when absent.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from providers.errors import FeedError
from providers.gbfs._fields import FeedPlace
from providers.gbfs.adapter import GbfsProvider, GbfsSettings
from providers.gbfs.feeds import parse_station_information, parse_system_information
from providers.gbfs.opening import (
    newest_supported,
    parse_gbfs_versions,
    parse_opening_hours,
    parse_system_calendar,
    parse_system_regions,
)
from providers.http import HttpSettings
from tests.conftest_d.gbfs_server import GbfsFolderServer
from tests.providers.spec_check import GBFS_SCHEMAS, gbfs_errors, require

INFO = FeedPlace("test", "system_information")
CALENDAR = FeedPlace("test", "system_calendar")
BERLIN = "Europe/Berlin"


def _fixture(version: str, feed: str) -> object:
    """An official test fixture, after checking it against the official schema."""
    path = require(GBFS_SCHEMAS / "testFixtures" / f"v{version}" / f"{feed}.json")
    document = json.loads(path.read_text(encoding="utf-8"))
    assert gbfs_errors(version, feed, document) == []
    return document


# -- opening_hours (OSM syntax, GBFS 3.0) ---------------------------------------------------------


def test_weekday_hours_open_and_close_in_the_systems_time_zone() -> None:
    hours = parse_opening_hours("Mo-Fr 08:00-20:00; Sa 10:00-14:00", INFO, timezone=BERLIN)
    monday = datetime(2025, 3, 10, tzinfo=UTC)  # CET: UTC+1
    assert [hours.open_at(monday.replace(hour=h)) for h in (6, 7, 18, 19)] == [False, True, True, False]
    saturday, sunday = datetime(2025, 3, 15, 10, tzinfo=UTC), datetime(2025, 3, 16, 10, tzinfo=UTC)
    assert hours.open_at(saturday) and not hours.open_at(sunday)
    summer_monday = datetime(2025, 7, 7, 6, 30, tzinfo=UTC)  # CEST: 08:30 local
    assert hours.open_at(summer_monday)


def test_hours_past_midnight_and_always_open() -> None:
    night = parse_opening_hours("Fr 20:00-02:00", INFO, timezone=BERLIN)
    assert night.open_at(datetime(2025, 3, 15, 0, 30, tzinfo=UTC))  # Saturday 01:30 local
    assert not night.open_at(datetime(2025, 3, 15, 2, 0, tzinfo=UTC))
    always = parse_opening_hours("24/7", INFO, timezone=BERLIN)
    assert always.open_at(datetime(2025, 12, 25, 3, tzinfo=UTC))


@pytest.mark.parametrize("expression", ["every day 8 to 20", "Mo-Fr 25:00-26:00", "Mo-Fr 08:00-"])
def test_an_expression_that_is_not_osm_syntax_names_the_field(expression: str) -> None:
    with pytest.raises(FeedError, match=r"system_information: data\.opening_hours: not an OSM opening_hours"):
        parse_opening_hours(expression, INFO, timezone=BERLIN)


def test_the_official_3_0_fixture_and_the_real_almere_feed_publish_opening_hours(shared_data: Path) -> None:
    fixture = parse_system_information(_fixture("3.0", "system_information"), INFO)
    real_document = json.loads((shared_data / "gbfs-misc/ridecheck-almere/system_information.json").read_text())
    assert gbfs_errors("3.0", "system_information", real_document) == []
    real = parse_system_information(real_document, INFO)
    for system in (fixture, real):
        assert system.opening_hours == "Mo,Tu,We,Th,Fr,Sa,Su 00:00-23:59"
        hours = parse_opening_hours(system.opening_hours, INFO, timezone=system.timezone)
        # 00:00-23:59 leaves the last minute of every day closed, exactly as the expression says
        noon, last_minute = datetime(2025, 5, 21, 10, tzinfo=UTC), datetime(2025, 5, 21, 21, 59, 30, tzinfo=UTC)
        assert hours.open_at(noon) and not hours.open_at(last_minute)


# -- system_calendar (2.x) ------------------------------------------------------------------------


def test_the_official_calendar_fixture_bounds_the_operating_dates() -> None:
    calendar = parse_system_calendar(_fixture("2.3", "system_calendar"), CALENDAR, timezone=BERLIN)
    assert len(calendar.ranges) == 1
    assert calendar.open_at(datetime(2021, 12, 29, 12, tzinfo=UTC))
    assert not calendar.open_at(datetime(2021, 12, 31, 12, tzinfo=UTC))  # ends 30 December 2021
    assert not calendar.open_at(datetime(2019, 12, 31, 12, tzinfo=UTC))
    assert calendar.open_at(datetime(2019, 12, 31, 23, 30, tzinfo=UTC)), "already 1 January 2020 in Berlin"


def test_a_calendar_without_years_recurs_and_may_wrap_over_new_year() -> None:
    winter = {"start_month": 11, "start_day": 1, "end_month": 2, "end_day": 28}
    calendar = parse_system_calendar({"data": {"calendars": [winter]}}, CALENDAR, timezone=BERLIN)
    opened = [datetime(year, month, 15, 12, tzinfo=UTC) for year, month in ((2024, 11), (2025, 1), (2031, 2))]
    assert all(calendar.open_at(moment) for moment in opened)
    assert not calendar.open_at(datetime(2025, 6, 15, 12, tzinfo=UTC))


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({"start_month": 13, "start_day": 1, "end_month": 12, "end_day": 1}, r"calendars\[0\]\.start_month"),
        ({"start_month": 2, "start_day": 30, "end_month": 12, "end_day": 1}, r"calendars\[0\]\.start_day"),
        ({"start_month": 1, "start_day": 1, "end_day": 1}, r"calendars\[0\]\.end_month"),
        (
            {"start_month": 5, "start_day": 1, "start_year": 2022, "end_month": 1, "end_day": 1, "end_year": 2022},
            r"calendars\[0\]\.end_year",
        ),
    ],
)
def test_a_malformed_calendar_names_the_field(entry: dict[str, int], field: str) -> None:
    with pytest.raises(FeedError, match=field):
        parse_system_calendar({"data": {"calendars": [entry]}}, CALENDAR, timezone=BERLIN)


# -- system_regions and gbfs_versions -------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "expected"), [("2.3", {"TST:Region:Sahara": "Sahara"}), ("3.0", {"YVO:Region:5": "Gothenburg"})]
)
def test_regions_name_the_stations_regions(version: str, expected: dict[str, str]) -> None:
    regions = parse_system_regions(_fixture(version, "system_regions"), FeedPlace("test", "system_regions"))
    assert regions == expected
    station_document = _fixture(version, "station_information")
    assert isinstance(station_document, dict)
    (region_id,) = expected
    station_document["data"]["stations"][0]["region_id"] = region_id
    assert gbfs_errors(version, "station_information", station_document) == []
    stations = parse_station_information(station_document, FeedPlace("test", "station_information"))
    first = next(iter(stations.values()))
    assert (first.region_id, regions[first.region_id or ""]) == (region_id, expected[region_id])


def test_regions_without_a_name_are_refused() -> None:
    with pytest.raises(FeedError, match=r"system_regions: data\.regions\[0\]\.name: missing"):
        parse_system_regions({"data": {"regions": [{"region_id": "r"}]}}, FeedPlace("test", "system_regions"))


def test_the_newest_supported_version_is_chosen() -> None:
    offered = parse_gbfs_versions(_fixture("3.0", "gbfs_versions"), FeedPlace("test", "gbfs_versions"))
    assert len(offered) == 4
    assert newest_supported(offered) == ("3.0", "https://berlin.example.tier-services.io/tier_paris/gbfs/3.0")
    assert newest_supported({"2.2": "a", "2.10": "b", "4.0": "c"}) == ("2.2", "a")  # 2.10, 4.0 are not ours
    assert newest_supported({"1.1": "x"}) is None


def _write(folder: Path, feeds: dict[str, dict[str, object]]) -> None:
    folder.mkdir(parents=True)
    for name, data in feeds.items():
        (folder / f"{name}.json").write_text(json.dumps(data), encoding="utf-8")


def test_the_client_moves_to_the_newest_version_the_operator_offers(
    tmp_path: Path, shared_data: Path, gbfs_folder_server: Callable[[Path], GbfsFolderServer]
) -> None:
    # the real 3.0 Almere snapshot as the newer version, a 2.3 discovery naming it in gbfs_versions
    newer = gbfs_folder_server(shared_data / "gbfs-misc/ridecheck-almere")
    older_folder = tmp_path / "v2"
    older = gbfs_folder_server(older_folder)
    versions = {
        "last_updated": 1741710951,
        "ttl": 3600,
        "version": "2.3",
        "data": {
            "versions": [{"version": "2.3", "url": older.discovery_url}, {"version": "3.0", "url": newer.discovery_url}]
        },
    }
    assert gbfs_errors("2.3", "gbfs_versions", versions) == []
    _write(older_folder, {"gbfs_versions": versions})
    provider = GbfsProvider("almere", GbfsSettings(older.discovery_url, http=HttpSettings(timeout_s=5, retries=0)))
    info = provider.static_info()
    assert info.system.system_id == "check_almere" and len(provider.availability().vehicles) == 6
    assert provider.client.discovery_url == newer.discovery_url
    assert set(older.requests) == {"gbfs.json", "gbfs_versions.json"}, "nothing else is read from the old version"
    assert "system_information.json" in newer.requests


def test_opening_hours_and_calendar_close_a_real_snapshot_outside_them(
    tmp_path: Path, shared_data: Path, gbfs_folder_server: Callable[[Path], GbfsFolderServer]
) -> None:
    # Lillestrøm's real 2.3 bike-share feeds plus a system_calendar of May to September
    folder = tmp_path / "lillestrom"
    folder.mkdir()
    for path in (shared_data / "gbfs-misc/lillestrombysykkel").glob("*.json"):
        (folder / path.name).write_bytes(path.read_bytes())
    calendar = {
        "last_updated": 1741710951,
        "ttl": 3600,
        "version": "2.3",
        "data": {"calendars": [{"start_month": 5, "start_day": 1, "end_month": 9, "end_day": 30}]},
    }
    assert gbfs_errors("2.3", "system_calendar", calendar) == []
    (folder / "system_calendar.json").write_text(json.dumps(calendar), encoding="utf-8")
    server = gbfs_folder_server(folder)
    settings = GbfsSettings(server.discovery_url, http=HttpSettings(timeout_s=5, retries=0))
    summer, winter = datetime(2025, 6, 2, 10, tzinfo=UTC), datetime(2025, 1, 6, 10, tzinfo=UTC)
    opened = GbfsProvider("lillestrom", settings, now=lambda: summer)
    assert opened.static_info().open_at(summer) and not opened.static_info().open_at(winter)
    renting = [s.is_renting for s in opened.availability().stations.values()]
    assert len(renting) == 6 and any(renting)
    closed = GbfsProvider("lillestrom", settings, now=lambda: winter).availability().stations.values()
    assert not any(s.is_renting for s in closed)
