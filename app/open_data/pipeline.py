"""One export run: read the platform's tables, protect the figures, write the files."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.open_data.districts import DistrictIndex, load_districts
from app.open_data.errors import DistrictsFileError
from app.open_data.export import ExportSettings, load_releases, write_export
from app.open_data.noise import NoiseConfig
from app.open_data.suppression import DEFAULT_K
from app.open_data.usage import UsageStatistics, build_usage, read_purchases, read_rides

__all__ = ["ExportSummary", "export_open_data", "find_districts"]


@dataclass(frozen=True)
class ExportSummary:
    """What one run wrote."""

    statistics: UsageStatistics
    files: tuple[Path, ...]
    districts: DistrictIndex


def find_districts(out: Path, districts: Path | None) -> DistrictIndex:
    """The districts file given, else the accessibility run's ``OUT/accessibility/districts.geojson``.

    Raises
    ------
    DistrictsFileError
        When neither is there (naming both places) or the file is unusable.
    """
    if districts is not None:
        return load_districts(districts)
    default = out / "accessibility" / "districts.geojson"
    if default.is_file():
        return load_districts(default)
    problem = "no districts: pass --districts FILE.geojson or run `mobility open-data accessibility --out` first"
    raise DistrictsFileError(str(default), problem)


def export_open_data(
    session: Session,
    out: Path,
    *,
    districts: DistrictIndex,
    zone: tzinfo,
    as_of: date,
    k: int = DEFAULT_K,
    epsilon: float | None = None,
    settings: ExportSettings | None = None,
    now: datetime | None = None,
    streets: dict[str, Any] | None = None,
) -> ExportSummary:
    """Compute the usage statistics of every closed month before ``as_of`` and write the export to ``out``.

    Months already published in ``out`` (its release files) are kept unchanged. ``streets``
    (:func:`app.open_data.streets.streets_geojson`) is written as ``map/streets.geojson``, the
    map page's base layer (OpenStreetMap data, ODbL; not part of the DL-DE datasets).
    """
    rides = read_rides(session, districts, zone)
    purchases = read_purchases(session, districts)
    statistics = build_usage(
        rides,
        purchases,
        districts,
        as_of=as_of,
        k=k,
        noise=None if epsilon is None else NoiseConfig(epsilon=epsilon),
        frozen=load_releases(out),
    )
    files = write_export(
        statistics,
        districts,
        out,
        settings=settings or ExportSettings(),
        generated_at=now or datetime.now(UTC),
    )
    if streets is not None:
        target = out / "map" / "streets.geojson"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(streets, separators=(",", ":")), encoding="utf-8")
        files.append(target)
    return ExportSummary(statistics=statistics, files=tuple(files), districts=districts)
