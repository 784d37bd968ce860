"""Synthetic districts, homes and destinations for the demo city (labelled synthetic everywhere).

The demo city's OSM has streets only; its accessibility run needs places, so they are laid
out here deterministically over the street network's extent: a 3 x 3 grid of districts,
homes on a 12 x 12 lattice over the extent (weight 1, shared out so each district has
1,000 synthetic residents), and a few destinations per category a quarter lattice step
north of lattice points chosen by a seeded generator.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np
import shapely

from routing.accessibility.config import Category
from routing.accessibility.places import Destination, District, Origin

__all__ = ["SYNTHETIC_NOTE", "synthetic_places"]

SYNTHETIC_NOTE = "SYNTHETIC DEMO DATA - invented districts, homes and destinations"
GRID = 3
HOMES_PER_SIDE = 12
SYNTHETIC_POPULATION = 1000.0


def synthetic_places(
    node_lat: Sequence[float] | np.ndarray,
    node_lon: Sequence[float] | np.ndarray,
    categories: Sequence[Category],
    *,
    seed: int = 2026,
) -> tuple[list[District], list[Origin], list[Destination]]:
    """Districts, homes and destinations laid over the bounding box of the street nodes."""
    lat = np.asarray(node_lat, dtype=np.float64)
    lon = np.asarray(node_lon, dtype=np.float64)
    south, north, west, east = float(lat.min()), float(lat.max()), float(lon.min()), float(lon.max())
    districts = []
    for row in range(GRID):
        for col in range(GRID):
            box = shapely.box(
                west + (east - west) * col / GRID,
                south + (north - south) * row / GRID,
                west + (east - west) * (col + 1) / GRID,
                south + (north - south) * (row + 1) / GRID,
            )
            label = f"{'ABC'[row] if GRID <= 3 else row + 1}{col + 1}"
            districts.append(
                District(f"S{label}", f"Synthetischer Bezirk {label}", box, SYNTHETIC_POPULATION, "synthetic")
            )
    centres = [
        (
            south + (north - south) * (i + 0.5) / HOMES_PER_SIDE,
            west + (east - west) * (j + 0.5) / HOMES_PER_SIDE,
        )
        for i in range(HOMES_PER_SIDE)
        for j in range(HOMES_PER_SIDE)
    ]
    origins = [Origin(f"synthetic/{n}", round(a, 7), round(o, 7), 1.0) for n, (a, o) in enumerate(centres)]
    destinations = []
    for number, category in enumerate(categories):
        rng = random.Random(f"{seed}:{category.key}")
        count = 1 + number % 4
        for k, (a, o) in enumerate(rng.sample(centres, k=min(count, len(centres)))):
            a += (north - south) / HOMES_PER_SIDE / 4  # a quarter block north of the homes' point
            destinations.append(
                Destination(
                    f"synthetic/{category.key}/{k}",
                    category.key,
                    f"{category.name_de} {k + 1} (synthetisch)",
                    round(a, 7),
                    round(o, 7),
                )
            )
    return districts, origins, destinations
