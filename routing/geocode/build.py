"""Build a region's geocoder from its OSM file and its stations (called by ``region build``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from routing.geocode.extract import Feature, Kind, OsmGeocodeData, geocode_data_from_osm_file
from routing.geocode.store import GeocodeArrays, compile_geocode
from routing.geocode.text import name_words, words


@dataclass(frozen=True)
class StopPoint:
    """A station or stand-alone stop to find by name."""

    stop_id: str
    name: str
    lat: float
    lon: float


def stop_feature(stop: StopPoint) -> Feature:
    """The index entry of a stop (id ``s<stop_id>``)."""
    return Feature(
        kind=Kind.STOP,
        ref=f"s{stop.stop_id}",
        name=stop.name,
        context="",
        category="stop",
        lat=stop.lat,
        lon=stop.lon,
        words=tuple(name_words(stop.name)),
        context_words=(),
        core_words=len(words(stop.name)),
    )


def build_geocoder(osm_file: Path | None, stops: list[StopPoint]) -> GeocodeArrays:
    """Addresses, streets, places and POIs of ``osm_file`` (when given) and the ``stops``, compiled.

    Raises
    ------
    InputDataError
        When the OSM file cannot be read.
    """
    data = geocode_data_from_osm_file(osm_file) if osm_file is not None else OsmGeocodeData()
    features = [*data.features, *(stop_feature(stop) for stop in stops if stop.name.strip())]
    return compile_geocode(
        features,
        segments=data.segments,
        segment_feature=data.segment_feature,
        points=data.address_points,
        point_feature=data.address_point_feature,
        counts=data.counts,
    )
