"""A flex feed goes through the region build: saved beside the timetable, loaded with the region."""

from __future__ import annotations

from pathlib import Path

import pytest

from routing.demo.generate import DemoInputs
from routing.errors import InputDataError
from routing.region.build import GtfsInput, RegionInputs, build_region
from routing.region.region import load_region
from tests.conftest_d.regions import DEMO_FIRST_DAY
from tests.routing.flex.flex_feeds import write_flex_feed


def test_flex_trips_are_built_into_the_region(demo_inputs: DemoInputs, tmp_path: Path) -> None:
    flex = write_flex_feed(tmp_path / "ast")
    inputs = RegionInputs(
        name="test",
        gtfs=[GtfsInput("demo", demo_inputs.gtfs), GtfsInput("ast", flex)],
        osm_file=demo_inputs.osm,
        first_day=DEMO_FIRST_DAY,
        days=2,
    )
    manifest = build_region(inputs, tmp_path / "region")
    assert manifest.counts["flex_trips"] == 4  # the inline feed's two and the demo AST's weekday and weekend trip
    assert manifest.counts["flex_zones"] == 2
    region = load_region(tmp_path / "region")
    assert region.flex is not None
    assert {trip.trip_id for trip in region.flex.trips} == {
        "ast:zone",
        "ast:to_group",
        "demo:AST90-abend-werktags",
        "demo:AST90-abend-wochenende",
    }
    assert region.flex.timezone == "Europe/Berlin"


def test_flex_only_region_is_refused_clearly(demo_inputs: DemoInputs, tmp_path: Path) -> None:
    inputs = RegionInputs(
        name="test",
        gtfs=[GtfsInput("ast", write_flex_feed(tmp_path / "ast"))],
        osm_file=demo_inputs.osm,
        first_day=DEMO_FIRST_DAY,
        days=2,
    )
    with pytest.raises(InputDataError, match="every feed is GTFS-Flex only"):
        build_region(inputs, tmp_path / "region")
