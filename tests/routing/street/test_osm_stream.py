"""The streaming OSM import writes the same street network as the osmnx import, byte for byte.

Both readers go through :func:`routing.street.compile.canonical_edge_table`; osmnx (its
XML parser, its graph, its edge lengths) is the independent side. Real extracts from
``../shared/data`` (Porto Alegre, Heidelberg) skip cleanly when absent.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from routing.errors import InputDataError
from routing.street.compile import STREET_DIR, EdgeTable, compile_edge_table, edge_table_from_graph, save_street_network
from routing.street.osm_import import bike_parking_from_osm_file, graph_from_osm_file
from routing.street.osm_stream import streets_from_osm_file
from tests.routing.street.osm_samples import TRICKY_OSM


def _equal_tables(streamed: EdgeTable, graph: EdgeTable) -> None:
    for name in ("lat", "lon", "osm_id", "tail", "head", "length_m", "name_index", "rule_ids"):
        ours, theirs = getattr(streamed, name), getattr(graph, name)
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape, name
        assert np.array_equal(ours, theirs), name
    assert streamed.names == graph.names
    assert streamed.rules == graph.rules
    assert streamed.profile_names == graph.profile_names


def test_tricky_ways_read_the_same_both_ways(tmp_path: Path) -> None:
    source = tmp_path / "tricky.osm"
    source.write_text(TRICKY_OSM, encoding="utf-8")
    streamed = streets_from_osm_file(source)
    graph = edge_table_from_graph(graph_from_osm_file(source))
    _equal_tables(streamed.edges, graph)
    assert streamed.ways == 7 and streamed.missing_nodes == 0
    # nodes 1-6 only (6 shares 5's place: the tie is broken by OSM id); no building, no parking node
    assert set(streamed.edges.osm_id.tolist()) == {1, 2, 3, 4, 5, 6}
    positions = {int(osm): i for i, osm in enumerate(streamed.edges.osm_id.tolist())}
    assert positions[5] < positions[6]
    # every segment both ways: 1-2, 2-3, 3-4, 4-1, 1-5, 5-3, 5-6, 6-4, 1-2 (service) = 9 segments
    assert streamed.edges.tail.size == 18
    # a way without a segment (one node, repeated) names nothing
    assert streamed.edges.names == ["", "Am Fußweg", "K 17", "Zeppelinstraße"]
    np.testing.assert_array_equal(streamed.bike_parking, bike_parking_from_osm_file(source))
    assert streamed.bike_parking.shape == (2, 2)


def test_missing_nodes_leave_their_segments_out(tmp_path: Path) -> None:
    source = tmp_path / "cut.osm"
    source.write_text(
        """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
 <node id="1" lat="51.30" lon="9.40"/>
 <node id="2" lat="51.30" lon="9.41"/>
 <node id="3" lat="51.31" lon="9.41"/>
 <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="99"/><tag k="highway" v="residential"/></way>
</osm>
""",
        encoding="utf-8",
    )
    streamed = streets_from_osm_file(source)
    assert streamed.missing_nodes == 1
    assert set(streamed.edges.osm_id.tolist()) == {1, 2, 3}
    assert streamed.edges.tail.size == 4  # 1-2 and 2-3, both ways; 3-99 is gone


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("not osm at all", "cannot read OSM data"),
        (
            '<?xml version="1.0"?><osm version="0.6"><node id="1" lat="1" lon="1"/>'
            '<way id="2"><nd ref="1"/><tag k="building" v="yes"/></way></osm>',
            "no routable highway ways",
        ),
    ],
)
def test_bad_files_are_named(tmp_path: Path, content: str, problem: str) -> None:
    source = tmp_path / "bad.osm"
    source.write_text(content, encoding="utf-8")
    with pytest.raises(InputDataError, match=problem) as error:
        streets_from_osm_file(source)
    assert error.value.source == str(source)


def test_unknown_and_missing_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(InputDataError, match="no such OSM file"):
        streets_from_osm_file(tmp_path / "absent.osm.pbf")
    other = tmp_path / "streets.csv"
    other.write_text("a,b\n", encoding="utf-8")
    with pytest.raises(InputDataError, match="unknown OSM file type"):
        streets_from_osm_file(other)


def _digests(directory: Path) -> dict[str, str]:
    return {
        str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


@pytest.mark.realdata
@pytest.mark.parametrize("extract", ["porto-alegre/poa_osm.pbf", "heidelberg/heidelberg.test.pbf"])
def test_both_readers_write_identical_street_networks(shared_data: Path, tmp_path: Path, extract: str) -> None:
    source = shared_data / extract
    streamed = streets_from_osm_file(source)
    ours = replace(compile_edge_table(streamed.edges), bike_parking=streamed.bike_parking)
    save_street_network(ours, tmp_path / "stream")
    del ours
    graph_edges = edge_table_from_graph(graph_from_osm_file(source))
    _equal_tables(streamed.edges, graph_edges)
    theirs = replace(compile_edge_table(graph_edges), bike_parking=bike_parking_from_osm_file(source))
    save_street_network(theirs, tmp_path / "osmnx")
    stream_files, osmnx_files = _digests(tmp_path / "stream" / STREET_DIR), _digests(tmp_path / "osmnx" / STREET_DIR)
    assert len(stream_files) > 20
    assert stream_files == osmnx_files
    assert streamed.edges.osm_id.size > 30_000
