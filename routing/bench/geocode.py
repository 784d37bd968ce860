"""Geocoder benchmark: query latency and answer quality, beside a plain rapidfuzz scan.

Queries are drawn (seeded) from the index's own entries and written the ways residents
type them: as stored, loosely (lower case, ``ss`` for ``ß``, ``Str.``), with one typo
(two letters swapped), and cut short (autocomplete: the last word half typed), half of
them with a ``near`` point. A query counts as answered when the entry it was drawn from
(same name, within 300 m) is among the first five results. The baseline scores every
entry's label with ``rapidfuzz.process.extract`` (WRatio), the obvious way to do fuzzy
search without an index, on the same queries.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

from routing.geo import distance_m
from routing.geocode.build import build_geocoder
from routing.geocode.extract import Kind
from routing.geocode.geocoder import Geocoder
from routing.geocode.store import GeocodeArrays
from routing.region.build import peak_memory_mib

STYLES = ("stored", "loose", "typo", "prefix")


def _loose(text: str) -> str:
    text = text.replace("ß", "ss").replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    return text.replace("strasse", "str.").replace("Strasse", "Str.").lower()


def _typo(text: str, rng: random.Random) -> str:
    words = text.split()
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[longest]
    if len(word) >= 5:
        i = rng.randrange(1, len(word) - 2)
        words[longest] = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return " ".join(words)


def _prefix(text: str) -> str:
    words = text.split()
    last = words[-1]
    if len(last) >= 4 and not last[0].isdigit():
        words[-1] = last[: max(3, len(last) // 2)]
    return " ".join(words)


def make_queries(geocoder: Geocoder, count: int, seed: int) -> list[tuple[str, tuple[float, float] | None, int]]:
    """``(text, near, entry)`` triples: the query, an optional point, and the entry it was drawn from."""
    rng = random.Random(seed)
    kinds = np.asarray(geocoder.arrays.kind)
    pool = [int(i) for i in np.flatnonzero(kinds != int(Kind.STOP))] or list(range(geocoder.size))
    queries: list[tuple[str, tuple[float, float] | None, int]] = []
    for number in range(count):
        entry = rng.choice(pool)
        name = geocoder.arrays.text("name", entry)
        style = STYLES[number % len(STYLES)]
        text = (
            name
            if style == "stored"
            else _loose(name)
            if style == "loose"
            else _typo(name, rng)
            if style == "typo"
            else _prefix(name)
        )
        near = None
        if rng.random() < 0.5:
            other = rng.randrange(geocoder.size)
            near = (float(geocoder.arrays.lat[other]), float(geocoder.arrays.lon[other]))
        queries.append((text, near, entry))
    return queries


def _stats(samples: list[float]) -> dict[str, float]:
    values = np.asarray(samples) * 1000.0
    return {
        "p50_ms": round(float(np.percentile(values, 50)), 3),
        "p95_ms": round(float(np.percentile(values, 95)), 3),
        "p99_ms": round(float(np.percentile(values, 99)), 3),
        "max_ms": round(float(values.max()), 3),
    }


def _answered(geocoder: Geocoder, entry: int, found: list[int]) -> bool:
    name = geocoder.arrays.text("name", entry)
    lat, lon = float(geocoder.arrays.lat[entry]), float(geocoder.arrays.lon[entry])
    return any(
        geocoder.arrays.text("name", i) == name
        and distance_m(lat, lon, float(geocoder.arrays.lat[i]), float(geocoder.arrays.lon[i])) <= 300
        for i in found
    )


def run_geocode_benchmark(
    arrays: GeocodeArrays, *, name: str, queries: int = 1000, seed: int = 23, baseline_queries: int = 200
) -> dict[str, Any]:
    """Measure search and reverse latency and the share of queries answered in the top five.

    Search is timed by the wall clock and by this thread's CPU time: on a shared machine
    (load above the core count) the wall clock also counts time spent waiting for a core.
    """
    started = time.perf_counter()
    geocoder = Geocoder(arrays)
    load_s = time.perf_counter() - started
    drawn = make_queries(geocoder, queries, seed)
    for text, near, _ in drawn[:50]:  # warm caches
        geocoder.search(text, near=near, limit=5)
    timings: list[float] = []
    cpu_timings: list[float] = []
    answered = dict.fromkeys(STYLES, 0)
    for number, (text, near, entry) in enumerate(drawn):
        t0, c0 = time.perf_counter(), time.thread_time()
        hits = geocoder.search(text, near=near, limit=5)
        cpu_timings.append(time.thread_time() - c0)
        timings.append(time.perf_counter() - t0)
        answered[STYLES[number % len(STYLES)]] += _answered(geocoder, entry, [hit.index for hit in hits])
    reverse_timings: list[float] = []
    rng = random.Random(seed)
    for _ in range(queries):
        entry = rng.randrange(geocoder.size)
        lat = float(geocoder.arrays.lat[entry]) + rng.gauss(0, 0.0005)
        lon = float(geocoder.arrays.lon[entry]) + rng.gauss(0, 0.0005)
        t0 = time.perf_counter()
        geocoder.reverse(lat, lon)
        reverse_timings.append(time.perf_counter() - t0)
    labels = [geocoder.arrays.text("name", i) for i in range(geocoder.size)]
    baseline_timings: list[float] = []
    baseline_answered = 0
    for text, _, entry in drawn[:baseline_queries]:
        t0 = time.perf_counter()
        found = process.extract(text, labels, scorer=fuzz.WRatio, limit=5)
        baseline_timings.append(time.perf_counter() - t0)
        baseline_answered += _answered(geocoder, entry, [int(index) for _, _, index in found])
    per_style = max(1, queries // len(STYLES))
    return {
        "region": name,
        "entries": geocoder.size,
        "counts": arrays.counts,
        "load_seconds": round(load_s, 3),
        "queries": queries,
        "load_average": [round(value, 2) for value in os.getloadavg()],
        "search": _stats(timings),
        "search_cpu": _stats(cpu_timings),
        "reverse": _stats(reverse_timings),
        "answered_top5": {style: round(count / per_style, 3) for style, count in answered.items()},
        "baseline": {
            "name": "rapidfuzz.process.extract WRatio over all labels",
            "queries": min(baseline_queries, queries),
            **_stats(baseline_timings),
            "answered_top5": round(baseline_answered / max(1, min(baseline_queries, queries)), 3),
        },
    }


def geocoder_from_osm(osm_file: Path) -> tuple[GeocodeArrays, float, float]:
    """Build a geocoder from an OSM file alone; with the build seconds and peak memory (MiB)."""
    started = time.perf_counter()
    arrays = build_geocoder(osm_file, [])
    return arrays, round(time.perf_counter() - started, 2), round(peak_memory_mib(), 1)


def format_report(report: dict[str, Any]) -> str:
    """Human-readable summary with the ratio to the baseline."""
    search, reverse, baseline = report["search"], report["reverse"], report["baseline"]
    answered = ", ".join(f"{style} {share:.0%}" for style, share in report["answered_top5"].items())
    lines = [
        f"geocode benchmark: {report['region']} ({report['entries']} entries; {report['counts']})",
        f"  search   p50 {search['p50_ms']:7.3f} ms  p95 {search['p95_ms']:7.3f} ms  p99 {search['p99_ms']:7.3f} ms"
        f"  ({report['queries']} queries)",
        f"  search CPU time (this thread; the wall clock includes waiting for a core): p50 "
        f"{report['search_cpu']['p50_ms']:7.3f} ms  p95 {report['search_cpu']['p95_ms']:7.3f} ms  "
        f"(load average {report['load_average'][0]})",
        f"  answered in top 5: {answered}",
        f"  reverse  p50 {reverse['p50_ms']:7.3f} ms  p95 {reverse['p95_ms']:7.3f} ms",
        f"  baseline ({baseline['name']}): p50 {baseline['p50_ms']:.3f} ms  p95 {baseline['p95_ms']:.3f} ms, "
        f"answered {baseline['answered_top5']:.0%}; ours is {baseline['p95_ms'] / max(search['p95_ms'], 1e-9):.1f}x "
        "faster at p95",
    ]
    if "build_seconds" in report:
        lines.append(f"  build from OSM: {report['build_seconds']} s, peak memory {report['peak_memory_mib']} MiB")
    return "\n".join(lines)
