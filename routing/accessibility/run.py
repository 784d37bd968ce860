"""One accessibility run: gather the places, compute every origin, aggregate per district, write the files.

The files are the contract the open-data export and map page read (``docs/open-data.md``,
section "Accessibility"): ``accessibility/districts.geojson``, ``indicators.csv``,
``origins.csv`` and ``metadata.json`` under the output directory.
"""

from __future__ import annotations

import csv
import json
import math
import multiprocessing
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from numpy.typing import NDArray

from routing.accessibility.aggregate import share_over, weighted_mean, weighted_median
from routing.accessibility.config import STREET_ONLY_WINDOW, AccessibilityConfig
from routing.accessibility.engine import AccessibilityEngine, OriginTimes
from routing.accessibility.places import (
    Destination,
    District,
    Origin,
    assign_districts,
    destinations_from_geojson,
    districts_from_geojson,
    places_from_osm,
)
from routing.accessibility.synthetic import SYNTHETIC_NOTE, synthetic_places
from routing.errors import InputDataError
from routing.region.manifest import code_version
from routing.region.region import Region

__all__ = [
    "INDICATOR_COLUMNS",
    "AccessibilityInputs",
    "AccessibilityResult",
    "compute_accessibility",
    "inputs_for_region",
    "write_accessibility",
]

INDICATOR_COLUMNS = (
    "district_id",
    "category",
    "mode",
    "window",
    "median_min",
    "p10_min",
    "p90_min",
    "share_over_threshold",
    "reachable_15",
    "reachable_30",
    "reachable_45",
)
ORIGIN_COLUMNS = (
    "origin_id",
    "district_id",
    "weight",
    "lat",
    "lon",
    "category",
    "mode",
    "window",
    "median_min",
    "p10_min",
    "p90_min",
    "reachable_15",
    "reachable_30",
    "reachable_45",
)
Progress = Callable[[int], None]


@dataclass(frozen=True)
class AccessibilityInputs:
    """The places of one run; origins carry their district (index into ``districts``)."""

    districts: list[District]
    origins: list[Origin]
    origin_district: NDArray[np.int64]
    destinations: list[Destination]
    synthetic: bool
    notes: list[str]


def _osm_file(region: Region) -> Path | None:
    for recorded in region.manifest.inputs:
        if recorded.kind == "osm":
            return Path(recorded.path)
    return None


def _scaled(origins: list[Origin], district_of: NDArray[np.int64], districts: Sequence[District]) -> list[Origin]:
    """Weights rescaled so that each district with a population sums to it (floor area shares it out)."""
    totals = np.zeros(len(districts))
    np.add.at(totals, district_of, [o.weight for o in origins])
    scaled = []
    for origin, index in zip(origins, district_of.tolist(), strict=True):
        population = districts[index].population
        weight = origin.weight
        if population is not None and totals[index] > 0:
            weight = origin.weight * population / totals[index]
        scaled.append(Origin(origin.origin_id, origin.lat, origin.lon, weight))
    return scaled


def _sample(district_of: NDArray[np.int64], at_most: int) -> NDArray[np.int64]:
    """Indexes of about ``at_most`` homes, evenly spaced within each district (at least one per district)."""
    share = at_most / district_of.size
    kept = []
    for district in np.unique(district_of).tolist():
        members = np.flatnonzero(district_of == district)
        count = max(1, math.floor(members.size * share))
        kept.append(members[np.linspace(0, members.size - 1, count).round().astype(np.int64)])
    return np.unique(np.concatenate(kept))


def inputs_for_region(
    region: Region,
    config: AccessibilityConfig,
    *,
    osm_file: Path | None = None,
    districts_file: Path | None = None,
    destinations_file: Path | None = None,
) -> AccessibilityInputs:
    """Districts, homes and destinations for ``region``.

    The OSM file is ``osm_file`` or the one the region was built from. A synthetic
    region whose OSM has no homes gets :func:`synthetic_places` (and a note saying so).

    Raises
    ------
    InputDataError
        When the OSM file is missing or unreadable, when no district or no home is found.
    """
    notes: list[str] = []
    source = osm_file or _osm_file(region)
    districts: list[District] = []
    origins: list[Origin] = []
    destinations: list[Destination] = []
    synthetic = False
    if source is not None and source.is_file():
        found = places_from_osm(
            source,
            config.categories,
            admin_level=config.admin_level,
            all_buildings=config.all_buildings,
            boundary=config.boundary,
        )
        districts, origins, destinations = found.districts, found.origins, found.destinations
    elif not region.manifest.synthetic:
        raise InputDataError(
            str(source or "osm"),
            "the region's OSM file is not there; give it with --osm (homes and places come from it)",
        )
    if region.manifest.synthetic and not origins:
        synthetic = True
        districts, origins, synthetic_destinations = synthetic_places(
            np.asarray(region.street.lat), np.asarray(region.street.lon), config.categories
        )
        destinations = [*destinations, *synthetic_destinations]
        notes.append(SYNTHETIC_NOTE)
    if districts_file is not None:
        districts = districts_from_geojson(districts_file)
    if destinations_file is not None:
        destinations = [*destinations, *destinations_from_geojson(destinations_file, config.categories)]
    if not districts:
        raise InputDataError(
            str(source),
            f"no boundary={config.boundary} area"
            + (f" at admin_level={config.admin_level}" if config.boundary == "administrative" else "")
            + "; give --districts",
        )
    if not origins:
        raise InputDataError(str(source), "no residential buildings (building=house/apartments/residential/...)")
    district_of = assign_districts(origins, districts)
    inside = district_of >= 0
    if not inside.all():
        notes.append(f"{int((~inside).sum())} of {len(origins)} homes lie in no district and are left out")
    origins = [o for o, keep in zip(origins, inside.tolist(), strict=True) if keep]
    district_of = district_of[inside]
    if config.max_origins is not None and len(origins) > config.max_origins:
        keep = _sample(district_of, config.max_origins)
        notes.append(f"{keep.size} of {len(origins)} homes taken, evenly in each district (max_origins)")
        origins, district_of = [origins[i] for i in keep.tolist()], district_of[keep]
    return AccessibilityInputs(
        districts=districts,
        origins=_scaled(origins, district_of, districts),
        origin_district=district_of,
        destinations=destinations,
        synthetic=synthetic,
        notes=notes,
    )


@dataclass(frozen=True)
class AccessibilityResult:
    """Per (mode, window): per-origin statistics ``[origins, categories, 3]`` and counts ``[origins, categories, 3]``.

    ``routed`` marks the origins on the walking network (the others are left out of every figure).
    """

    inputs: AccessibilityInputs
    config: AccessibilityConfig
    times: dict[tuple[str, str], NDArray[np.float64]]
    counts: dict[tuple[str, str], NDArray[np.float64]]
    routed: NDArray[np.bool_]
    days: dict[str, str]
    seconds: float
    origin_minutes: int
    """Origins x departure minutes computed (transit modes), for throughput figures."""


_WORKER: dict[str, AccessibilityEngine] = {}
"""The engine of a worker process (one per process, built by :func:`_start_worker`)."""

Found = dict[tuple[str, str], tuple[NDArray[np.float64], NDArray[np.float64]]] | None


def _start_worker(region_path: Path, destinations: list[Destination], config: AccessibilityConfig) -> None:
    from routing.region.region import load_region

    _WORKER["engine"] = AccessibilityEngine(load_region(region_path), destinations, config)


def _work(origins: list[Origin]) -> list[Found]:
    engine = _WORKER["engine"]
    return [_plain(engine.origin(origin)) for origin in origins]


def _plain(found: dict[tuple[str, str], OriginTimes] | None) -> Found:
    return None if found is None else {key: (v.nearest_min, v.counts) for key, v in found.items()}


def _results(
    region: Region,
    inputs: AccessibilityInputs,
    config: AccessibilityConfig,
    engine: AccessibilityEngine,
    workers: int,
    progress: Progress,
) -> Iterator[tuple[int, Found]]:
    """Each origin's row and result, in one process or spread over ``workers`` (chunks of 16 homes)."""
    if workers <= 1:
        for row, origin in enumerate(inputs.origins):
            yield row, _plain(engine.origin(origin))
            progress(1)
        return
    chunks = [list(range(i, min(i + 16, len(inputs.origins)))) for i in range(0, len(inputs.origins), 16)]
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no forked numba or thread state
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start_worker, initargs=(region.path, inputs.destinations, config)
    ) as pool:
        futures = {pool.submit(_work, [inputs.origins[i] for i in chunk]): chunk for chunk in chunks}
        for future in as_completed(futures):
            for row, found in zip(futures[future], future.result(), strict=True):
                yield row, found
            progress(len(futures[future]))


def compute_accessibility(
    region: Region,
    inputs: AccessibilityInputs,
    config: AccessibilityConfig,
    *,
    progress: Progress = lambda _: None,
    engine: AccessibilityEngine | None = None,
    workers: int = 1,
) -> AccessibilityResult:
    """Every origin's times (``progress(n)`` as homes are done), kept for aggregation.

    ``workers`` > 1 spreads the homes over that many processes, each with its own engine
    on the memory-mapped region (the results do not depend on it).
    """
    started = time.perf_counter()
    engine = engine or AccessibilityEngine(region, inputs.destinations, config)
    keys = [
        (mode.key, window)
        for mode in config.modes
        for window in ([w.key for w in config.windows] if mode.transit else [STREET_ONLY_WINDOW])
    ]
    n, c, k = len(inputs.origins), len(config.categories), len(config.count_limits_min)
    times = {key: np.full((n, c, 3), np.inf) for key in keys}
    counts = {key: np.zeros((n, c, k)) for key in keys}
    routed = np.zeros(n, dtype=bool)
    minutes_per_origin = sum(w.minutes for w in config.windows) * sum(1 for m in config.modes if m.transit)
    for row, found in _results(region, inputs, config, engine, workers, progress):
        if found is None:
            continue
        routed[row] = True
        for key, (nearest, reached) in found.items():
            times[key][row] = nearest
            counts[key][row] = reached
    return AccessibilityResult(
        inputs=inputs,
        config=config,
        times=times,
        counts=counts,
        routed=routed,
        days={key: day.isoformat() for key, day in engine.days.items()},
        seconds=time.perf_counter() - started,
        origin_minutes=int(routed.sum()) * minutes_per_origin,
    )


def _number(value: float, digits: int = 1) -> float | None:
    return None if not math.isfinite(value) else round(value, digits)


def _cell(value: float | None) -> str:
    return "" if value is None else f"{value:.10g}"


def district_indicators(result: AccessibilityResult) -> list[dict[str, object]]:
    """One row per district x category x mode x window (the ``indicators.csv`` columns)."""
    rows: list[dict[str, object]] = []
    weights = np.array([o.weight for o in result.inputs.origins], dtype=np.float64)
    limits = result.config.count_limits_min
    for index, district in enumerate(result.inputs.districts):
        members = (result.inputs.origin_district == index) & result.routed
        w = weights[members]
        for (mode, window), times in result.times.items():
            counts = result.counts[mode, window]
            for c, category in enumerate(result.config.categories):
                median = times[members, c, 0]
                row: dict[str, object] = {
                    "district_id": district.district_id,
                    "category": category.key,
                    "mode": mode,
                    "window": window,
                    "median_min": _number(weighted_median(median, w)),
                    "p10_min": _number(weighted_median(times[members, c, 1], w)),
                    "p90_min": _number(weighted_median(times[members, c, 2], w)),
                    "share_over_threshold": _number(share_over(median, w, result.config.threshold_min), 3),
                }
                for j, limit in enumerate(limits):
                    row[f"reachable_{limit}"] = _number(weighted_mean(counts[members, c, j], w), 2)
                rows.append(row)
    return rows


def write_accessibility(result: AccessibilityResult, region: Region, out: Path) -> list[Path]:
    """Write the four files under ``out/accessibility/``; returns their paths."""
    folder = out / "accessibility"
    folder.mkdir(parents=True, exist_ok=True)
    rows = district_indicators(result)
    limits = result.config.count_limits_min
    columns = (*INDICATOR_COLUMNS[:8], *(f"reachable_{limit}" for limit in limits))
    indicators = folder / "indicators.csv"
    with indicators.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row[c] if isinstance(row[c], str) else _cell(row[c]) for c in columns])  # type: ignore[arg-type]
    weights = np.array([o.weight for o in result.inputs.origins], dtype=np.float64)
    features = []
    for index, district in enumerate(result.inputs.districts):
        members = result.inputs.origin_district == index
        mine = [r for r in rows if r["district_id"] == district.district_id]
        features.append(
            {
                "type": "Feature",
                "id": district.district_id,
                "geometry": shapely.geometry.mapping(district.geometry),
                "properties": {
                    "district_id": district.district_id,
                    "name": district.name,
                    "population": district.population,
                    "synthetic": district.source == "synthetic",
                    "source": district.source,
                    "origins": int((members & result.routed).sum()),
                    "weight": round(float(weights[members & result.routed].sum()), 1),
                    "indicators": {
                        f"{r['category']}|{r['mode']}|{r['window']}": {
                            k: r[k] for k in columns if k not in ("district_id", "category", "mode", "window")
                        }
                        for r in mine
                    },
                },
            }
        )
    districts = folder / "districts.geojson"
    districts.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), encoding="utf-8"
    )
    origins = folder / "origins.csv"
    with origins.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow((*ORIGIN_COLUMNS[:11], *(f"reachable_{limit}" for limit in limits)))
        for number, origin in enumerate(result.inputs.origins):
            if not result.routed[number]:
                continue
            district_id = result.inputs.districts[int(result.inputs.origin_district[number])].district_id
            for (mode, window), times in result.times.items():
                counts = result.counts[mode, window]
                for c, category in enumerate(result.config.categories):
                    writer.writerow(
                        [
                            origin.origin_id,
                            district_id,
                            f"{origin.weight:.3f}",
                            f"{origin.lat:.7f}",
                            f"{origin.lon:.7f}",
                            category.key,
                            mode,
                            window,
                            *(_cell(_number(float(v))) for v in times[number, c]),
                            *(f"{float(v):g}" for v in counts[number, c]),
                        ]
                    )
    metadata = folder / "metadata.json"
    config = result.config
    metadata.write_text(
        json.dumps(
            {
                "region": region.manifest.name,
                "region_built_at": region.manifest.built_at,
                "synthetic": region.manifest.synthetic or result.inputs.synthetic,
                "notes": result.inputs.notes,
                "code_version": code_version(),
                "windows": [
                    {
                        "key": w.key,
                        "name_de": w.name_de,
                        "name_en": w.name_en,
                        "day": result.days[w.key],
                        "start": w.start.isoformat("minutes"),
                        "end": w.end.isoformat("minutes"),
                        "step_s": int(w.step.total_seconds()),
                        "departures": w.minutes,
                    }
                    for w in config.windows
                ],
                "modes": [
                    {
                        "key": m.key,
                        "name_de": m.name_de,
                        "name_en": m.name_en,
                        "profile": m.profile,
                        "speed_kmh": m.speed_kmh,
                        "transit": m.transit,
                    }
                    for m in config.modes
                ],
                "categories": [
                    {"key": c.key, "name_de": c.name_de, "name_en": c.name_en, "osm_tags": dict(c.tags)}
                    for c in config.categories
                ],
                "cutoff_min": config.cutoff_min,
                "threshold_min": config.threshold_min,
                "count_limits_min": list(limits),
                "max_access_walk_s": config.max_access_walk_s,
                "max_transfers": config.max_transfers,
                "admin_level": config.admin_level,
                "boundary": config.boundary,
                "counts": {
                    "districts": len(result.inputs.districts),
                    "origins": len(result.inputs.origins),
                    "origins_routed": int(result.routed.sum()),
                    "destinations": len(result.inputs.destinations),
                    "destinations_by_category": {
                        c.key: sum(1 for d in result.inputs.destinations if d.category == c.key)
                        for c in config.categories
                    },
                },
                "seconds": round(result.seconds, 2),
                "origin_minutes": result.origin_minutes,
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    return [districts, indicators, origins, metadata]
