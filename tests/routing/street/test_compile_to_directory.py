"""Profiles written as they are compiled: the same files as a network saved at the end, memory-mapped."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from routing.street.compile import STREET_DIR, compile_edge_table, save_street_network
from routing.street.osm_stream import streets_from_osm_file
from tests.routing.street.osm_samples import TRICKY_OSM


def _files(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def test_profiles_written_one_by_one_equal_a_network_saved_whole(tmp_path: Path) -> None:
    osm = tmp_path / "tricky.osm"
    osm.write_text(TRICKY_OSM, encoding="utf-8")
    edges = streets_from_osm_file(osm).edges

    whole = compile_edge_table(edges)
    save_street_network(whole, tmp_path / "whole")
    streamed = compile_edge_table(edges, region_dir=tmp_path / "streamed")
    save_street_network(streamed, tmp_path / "streamed", profiles=False)

    assert set(streamed.profiles) == set(whole.profiles)
    for name, graph in streamed.profiles.items():
        assert isinstance(graph.targets, np.memmap), name
        assert np.array_equal(graph.targets, whole.profiles[name].targets), name
    written = _files(tmp_path / "streamed" / STREET_DIR)
    assert written == _files(tmp_path / "whole" / STREET_DIR)
    assert any(path.endswith("landmarks.forward.npy") for path in written)
