"""The region's streets as one GeoJSON layer for the map page (drawn under the districts, no tile server)."""

from __future__ import annotations

from typing import Any

from routing.street.compile import StreetNetwork

__all__ = ["STREET_PROFILE", "streets_geojson"]

STREET_PROFILE = "car"
"""The profile whose streets are drawn (the road network; footpaths would crowd the map)."""


def streets_geojson(street: StreetNetwork, *, profile: str = STREET_PROFILE, decimals: int = 5) -> dict[str, Any]:
    """Every street of ``profile`` once (both directions of a two-way street are one line), as a FeatureCollection.

    Raises
    ------
    KeyError
        When the region has no such profile.
    """
    graph = street.profiles[profile]
    tails = graph.tails()
    seen: set[tuple[int, ...]] = set()
    lines: list[list[list[float]]] = []
    for edge in range(graph.edge_count):
        start, end = int(graph.geometry_offsets[edge]), int(graph.geometry_offsets[edge + 1])
        nodes = [int(node) for node in graph.geometry_nodes[start:end]] or [int(tails[edge]), int(graph.targets[edge])]
        key = tuple(nodes) if nodes[0] <= nodes[-1] else tuple(reversed(nodes))
        if key in seen or len(key) < 2:  # a line needs two points
            continue
        seen.add(key)
        lines.append([[round(float(street.lon[n]), decimals), round(float(street.lat[n]), decimals)] for n in key])
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "MultiLineString", "coordinates": lines},
                "properties": {"layer": "streets", "profile": profile, "source": "OpenStreetMap (ODbL)"},
            }
        ],
    }
