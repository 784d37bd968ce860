"""Do the street network and the stops cover the same place? Warnings for a build that would route nothing."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["MARGIN_DEGREES", "coverage_warnings"]

MARGIN_DEGREES = 0.02
"""How far (about 2 km) outside the street network's bounding box a stop may lie and still count as covered."""


def coverage_warnings(
    stop_lat: NDArray[np.float64],
    stop_lon: NDArray[np.float64],
    street_lat: NDArray[np.float64],
    street_lon: NDArray[np.float64],
    *,
    footpaths: dict[str, int],
) -> list[str]:
    """Warnings when the OSM extract and the GTFS stops do not overlap.

    Parameters
    ----------
    stop_lat, stop_lon
        Positions of the timetable's stops (NaN for stops without one).
    street_lat, street_lon
        Positions of the street network's nodes.
    footpaths
        Footpath count per profile.

    Returns
    -------
    list[str]
        Empty when most stops lie on the street network; otherwise what is missing and why.
    """
    warnings: list[str] = []
    placed = np.isfinite(stop_lat) & np.isfinite(stop_lon)
    total = int(placed.sum())
    if total == 0:
        return warnings
    if street_lat.size == 0:
        return [f"the OSM extract has no streets; none of the {total} stops can be walked to"]
    south, north = float(street_lat.min()) - MARGIN_DEGREES, float(street_lat.max()) + MARGIN_DEGREES
    west, east = float(street_lon.min()) - MARGIN_DEGREES, float(street_lon.max()) + MARGIN_DEGREES
    lat, lon = stop_lat[placed], stop_lon[placed]
    inside = int(((lat >= south) & (lat <= north) & (lon >= west) & (lon <= east)).sum())
    if inside < total:
        share = 100.0 * inside / total
        warnings.append(
            f"only {inside} of {total} stops ({share:.0f} %) lie within the OSM extract "
            f"({south:.3f},{west:.3f}..{north:.3f},{east:.3f}); the others get no access walks or footpaths"
        )
    if total > 1:
        empty = sorted(profile for profile, count in footpaths.items() if count == 0)
        if empty:
            warnings.append(f"no footpaths for {', '.join(empty)}: do the OSM extract and the stops overlap?")
    return warnings
