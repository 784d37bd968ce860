"""GTFS tables read as gtfs-kit reads them, and a region build that never imports gtfs-kit."""

from __future__ import annotations

import subprocess
import sys

import gtfs_kit as gk

from routing.transit.gtfs_tables import DTYPES, GtfsTables
from tests.paths import ROOT


def test_column_types_are_gtfs_kits() -> None:
    assert DTYPES == gk.constants.DTYPES


def test_the_tables_are_the_files_gtfs_kit_holds() -> None:
    assert set(GtfsTables.__dataclass_fields__) == set(gk.constants.DTYPES)


def test_the_region_build_imports_neither_gtfs_kit_nor_folium() -> None:
    code = "import sys, routing.region.build; print(sorted({'gtfs_kit', 'folium'} & set(sys.modules)))"
    completed = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    assert completed.stdout.strip() == "[]"
