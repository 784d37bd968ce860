"""OSM import: only routable ways reach osmnx, the oneway direction survives, bad files are named."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from routing.errors import InputDataError
from routing.street.compile import StreetNetwork, compile_street_network
from routing.street.osm_import import bike_parking_from_osm_file, graph_from_osm_file

SMALL_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
 <node id="1" lat="51.3000" lon="9.4000"/>
 <node id="2" lat="51.3000" lon="9.4010"/>
 <node id="3" lat="51.3010" lon="9.4010"/>
 <node id="4" lat="51.3010" lon="9.4000"/>
 <node id="5" lat="51.3005" lon="9.4005"/>
 <way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/><tag k="name" v="Einbahnstraße"/>
  <tag k="oneway" v="yes"/></way>
 <way id="11"><nd ref="2"/><nd ref="3"/><tag k="highway" v="steps"/></way>
 <way id="12"><nd ref="3"/><nd ref="4"/><nd ref="1"/><tag k="highway" v="footway"/><tag k="name" v="Fußweg"/></way>
 <way id="13"><nd ref="1"/><nd ref="5"/><nd ref="3"/><nd ref="1"/><tag k="building" v="yes"/></way>
</osm>
"""


@pytest.fixture
def small_osm(tmp_path: Path) -> Path:
    path = tmp_path / "small.osm"
    path.write_text(SMALL_OSM, encoding="utf-8")
    return path


def test_buildings_are_dropped_and_ways_kept(small_osm: Path) -> None:
    graph = graph_from_osm_file(small_osm)
    assert set(graph.nodes) == {1, 2, 3, 4}
    assert {data["osmid"] for _, _, data in graph.edges(data=True)} == {10, 11, 12}


def has_segment(network: StreetNetwork, profile: str, a: int, b: int) -> bool:
    """Whether some edge of ``profile`` runs from OSM node ``a`` straight to OSM node ``b``."""
    index = {int(osm): i for i, osm in enumerate(network.osm_id)}
    graph = network.profiles[profile]
    nodes = np.asarray(graph.geometry_nodes)
    ends = set(np.asarray(graph.geometry_offsets)[1:].tolist())
    for k in range(nodes.size - 1):
        if k + 1 not in ends and nodes[k] == index[a] and nodes[k + 1] == index[b]:
            return True
    return False


def test_oneway_holds_for_bikes_not_for_walkers(small_osm: Path) -> None:
    network = compile_street_network(graph_from_osm_file(small_osm))

    def has_edge(profile: str, a: int, b: int) -> bool:
        return has_segment(network, profile, a, b)

    assert has_edge("walk", 1, 2) and has_edge("walk", 2, 1)
    assert has_edge("bike", 1, 2) and not has_edge("bike", 2, 1)
    assert has_edge("walk", 2, 3) and not has_edge("wheelchair", 2, 3)
    names = {network.names[int(i)] for i in network.profiles["walk"].name_index}
    assert {"Einbahnstraße", "Fußweg"} <= names


def test_gzipped_xml_is_read(tmp_path: Path) -> None:
    path = tmp_path / "small.osm.gz"
    path.write_bytes(gzip.compress(SMALL_OSM.encode()))
    assert graph_from_osm_file(path).number_of_nodes() == 4


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("missing.osm", None, "no such OSM file"),
        ("broken.osm", "<osm><node id='1' lat='x'", "cannot read OSM data"),
        ("empty.osm", '<osm version="0.6"><node id="1" lat="1" lon="1"/></osm>', "no routable highway ways"),
        ("data.csv", "a,b", "unknown OSM file type"),
    ],
)
def test_bad_files_are_named(tmp_path: Path, name: str, content: str | None, fragment: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(InputDataError) as caught:
        graph_from_osm_file(path)
    assert fragment in str(caught.value)
    assert name in str(caught.value)


@pytest.mark.realdata
def test_real_pbf_extract(shared_data: Path) -> None:
    network = compile_street_network(graph_from_osm_file(shared_data / "herrenberg" / "herrenberg-minimal.osm.pbf"))
    assert network.node_count > 1000
    walk, bike, wheelchair = (network.profiles[p] for p in ("walk", "bike", "wheelchair"))
    assert walk.edge_count > bike.edge_count > 0
    assert walk.edge_count > wheelchair.edge_count > 0
    assert all(int(walk.offsets[-1]) == walk.edge_count for _ in [0])
    assert (walk.length_m > 0).all()
    names = {network.names[i] for i in range(len(network.names))}
    assert any("straße" in name.lower() for name in names)


@pytest.mark.realdata
def test_real_gzipped_xml_extract(shared_data: Path) -> None:
    network = compile_street_network(graph_from_osm_file(shared_data / "osm-perf" / "north-bayreuth.osm.gz"))
    assert network.node_count > 1000
    assert network.profiles["bike"].edge_count > 0


def test_overpass_graphs_are_normalised_to_both_directions() -> None:
    import networkx as nx

    from routing.street.osm_import import _restore_oneway_from_overpass

    graph = nx.MultiDiGraph()
    graph.add_node(1, x=9.40, y=51.30)
    graph.add_node(2, x=9.41, y=51.30)
    graph.add_node(3, x=9.41, y=51.31)
    graph.add_edge(1, 2, highway="residential", oneway=True, reversed=False, length=700.0)
    graph.add_edge(2, 3, highway="residential", oneway=False, reversed=False, length=1100.0)
    graph.add_edge(3, 2, highway="residential", oneway=False, reversed=True, length=1100.0)
    network = compile_street_network(_restore_oneway_from_overpass(graph))

    def has_edge(profile: str, a: int, b: int) -> bool:
        return has_segment(network, profile, a, b)

    assert has_edge("walk", 2, 1) and has_edge("walk", 1, 2)
    assert has_edge("bike", 1, 2) and not has_edge("bike", 2, 1)
    assert has_edge("bike", 2, 3) and has_edge("bike", 3, 2)


def test_public_bicycle_parking_as_points_and_area_centres(tmp_path: Path) -> None:
    path = tmp_path / "parking.osm"
    path.write_text(
        """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
 <node id="1" version="1" lat="51.0000" lon="9.0000"><tag k="amenity" v="bicycle_parking"/></node>
 <node id="2" version="1" lat="51.0010" lon="9.0010"><tag k="amenity" v="bicycle_parking"/>
  <tag k="access" v="private"/></node>
 <node id="3" version="1" lat="51.0020" lon="9.0020"/>
 <node id="4" version="1" lat="51.0020" lon="9.0040"/>
 <node id="5" version="1" lat="51.0040" lon="9.0040"/>
 <node id="6" version="1" lat="51.0040" lon="9.0020"/>
 <node id="7" version="1" lat="51.0050" lon="9.0050"><tag k="amenity" v="bench"/></node>
 <way id="10" version="1"><nd ref="3"/><nd ref="4"/><nd ref="5"/><nd ref="6"/>
  <tag k="amenity" v="bicycle_parking"/><tag k="covered" v="yes"/></way>
</osm>
""",
        encoding="utf-8",
    )
    points = bike_parking_from_osm_file(path)
    assert points.shape == (2, 2)
    assert points[0].tolist() == pytest.approx([51.0, 9.0])
    assert points[1].tolist() == pytest.approx([51.003, 9.003])


def test_unreadable_osm_names_the_file_for_bicycle_parking(tmp_path: Path) -> None:
    path = tmp_path / "broken.osm"
    path.write_text("<osm><node id=", encoding="utf-8")
    with pytest.raises(InputDataError, match=r"broken\.osm"):
        bike_parking_from_osm_file(path)
