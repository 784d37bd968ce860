"""The geocoder on real OSM extracts with addresses (../shared/data; skipped when absent).

The expectations come from the files themselves, read here with a plain pyosmium pass
over the ``addr:*`` tags (the OSM tagging spec), not from the geocoder's own extraction:
every tagged address is indexed and found by its street and number (also spelled the
way residents type: ``ss`` for ``ß``, ``Str.``, a typo, another word order), reverse
geocoding at an address names it, interpolation lines give their numbers, and POIs are
found by category word.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from pathlib import Path

import osmium
import pytest

from routing.geo import distance_m
from routing.geocode.build import build_geocoder
from routing.geocode.extract import Kind
from routing.geocode.geocoder import Geocoder
from routing.geocode.store import load_geocode, save_geocode

EXTRACTS = {
    "districts": "districts/test-addr-postal-code.osm.pbf",
    "heidelberg": "heidelberg/heidelberg.test.pbf",
}


@dataclass(frozen=True)
class TaggedAddress:
    ref: str
    street: str
    housenumber: str
    postcode: str
    lat: float
    lon: float


def tagged_addresses(path: Path) -> list[TaggedAddress]:
    """Nodes and non-highway ways with addr:housenumber and addr:street (or addr:place)."""
    found: list[TaggedAddress] = []
    for obj in osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY).with_locations():
        tags = obj.tags
        number, street = tags.get("addr:housenumber"), tags.get("addr:street") or tags.get("addr:place")
        if not number or not street:
            continue
        if isinstance(obj, osmium.osm.Node):
            found.append(TaggedAddress(f"n{obj.id}", street, number, tags.get("addr:postcode") or "", obj.lat, obj.lon))
        elif isinstance(obj, osmium.osm.Way) and "highway" not in tags and "addr:interpolation" not in tags:
            points = [(n.lat, n.lon) for n in obj.nodes if n.location.valid()]
            if points:
                lat = sum(p[0] for p in points) / len(points)
                lon = sum(p[1] for p in points) / len(points)
                found.append(TaggedAddress(f"w{obj.id}", street, number, tags.get("addr:postcode") or "", lat, lon))
    return found


@pytest.fixture(scope="module", params=sorted(EXTRACTS))
def extract(request: pytest.FixtureRequest, shared_data: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    path = shared_data / EXTRACTS[request.param]
    if not path.is_file():
        pytest.skip(f"{path} not found")
    arrays = build_geocoder(path, [])
    folder = tmp_path_factory.mktemp(f"geocode-{request.param}")
    save_geocode(arrays, folder)
    loaded = load_geocode(folder)
    assert loaded is not None
    return request.param, path, Geocoder(loaded), tagged_addresses(path)


def _unique(addresses: list[TaggedAddress]) -> dict[tuple[str, str, str], TaggedAddress]:
    unique: dict[tuple[str, str, str], TaggedAddress] = {}
    for address in addresses:
        unique.setdefault((address.street.casefold(), address.housenumber.casefold(), address.postcode), address)
    return unique


def test_every_tagged_address_is_indexed(extract) -> None:  # type: ignore[no-untyped-def]
    name, _, geocoder, tagged = extract
    counts = geocoder.arrays.counts
    print(f"{name}: {counts}")  # the report quotes these
    expected = len(_unique(tagged))
    from_lines = counts["addresses_interpolated"] + counts["addresses_street_from_line"]
    assert counts["addresses"] - from_lines == expected
    assert expected > 500
    assert counts["streets"] > 100 and counts["pois"] > 100


def _found(geocoder: Geocoder, query: str, address: TaggedAddress, *, within: int) -> bool:
    hits = geocoder.search(query, limit=within)
    return any(
        hit.kind == Kind.ADDRESS
        and hit.name == f"{address.street} {address.housenumber}"
        and distance_m(hit.lat, hit.lon, address.lat, address.lon) < 150
        for hit in hits
    )


def _typed(street: str) -> str:
    """The street as typed in a hurry: ß as ss, umlauts spelled out, Straße as Str., lower case."""
    text = street.replace("ß", "ss").replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    return text.replace("strasse", "str.").replace("Strasse", "Str.").lower()


def _typo(street: str, rng: random.Random) -> str | None:
    """Two neighbouring letters swapped inside the longest word (eight letters or more)."""
    word = max(street.split(), key=len)
    if len(word) < 8:
        return None
    i = rng.randrange(2, len(word) - 3)
    swapped = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return street.replace(word, swapped, 1)


def test_sample_addresses_are_found_as_typed(extract) -> None:  # type: ignore[no-untyped-def]
    name, _, geocoder, tagged = extract
    rng = random.Random(23)
    sample = rng.sample(sorted(_unique(tagged).values(), key=lambda a: a.ref), 60)
    exact = sum(_found(geocoder, f"{a.street} {a.housenumber}", a, within=3) for a in sample)
    typed = sum(_found(geocoder, f"{_typed(a.street)} {a.housenumber}", a, within=3) for a in sample)
    reordered = sum(_found(geocoder, f"{a.housenumber} {a.street}", a, within=3) for a in sample)
    with_typo = [(a, _typo(a.street, rng)) for a in sample]
    typos = [(a, t) for a, t in with_typo if t is not None]
    typo_found = sum(_found(geocoder, f"{t} {a.housenumber}", a, within=5) for a, t in typos)
    print(f"{name}: exact {exact}/60, typed {typed}/60, reordered {reordered}/60, typo {typo_found}/{len(typos)}")
    # Same street and number in two postcodes exist; nearly all must still be in the top 3.
    assert exact >= 58 and typed >= 58 and reordered >= 58
    assert typo_found >= 0.9 * len(typos)


def test_reverse_at_an_address_names_it(extract) -> None:  # type: ignore[no-untyped-def]
    _, _, geocoder, tagged = extract
    rng = random.Random(5)
    nodes = [a for a in tagged if a.ref.startswith("n")]
    for address in rng.sample(nodes, min(40, len(nodes))):
        hits = geocoder.reverse(address.lat, address.lon)
        assert hits and hits[0].kind == Kind.ADDRESS
        # The address itself, or (same street and number tagged twice) its twin close by.
        assert hits[0].name == f"{address.street} {address.housenumber}" or hits[0].distance_m == 0.0
        assert any(hit.kind == Kind.STREET for hit in hits), "a street within 500 m of a city address"


def test_reverse_far_away_is_empty(extract) -> None:  # type: ignore[no-untyped-def]
    assert extract[2].reverse(0.0, 0.0) == []


@pytest.mark.parametrize(
    ("tag", "words"), [("amenity=pharmacy", ("Apotheke", "pharmacy")), ("amenity=school", ("Schule", "school"))]
)
def test_pois_are_found_by_their_category_word(extract, tag: str, words: tuple[str, str]) -> None:  # type: ignore[no-untyped-def]
    _, path, geocoder, _ = extract
    key, value = tag.split("=")
    tagged = set()
    for obj in osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY):
        if obj.tags.get(key) == value and obj.tags.get("name") and not obj.tags.get("place"):
            tagged.add(obj.tags["name"])  # by name: one school mapped twice is one result
    if not tagged:
        pytest.skip(f"no named {tag} in {path.name}")
    for word in words:
        found = {hit.name for hit in geocoder.search(word, limit=50) if hit.category == tag}
        assert found == tagged or len(found) == 50


def test_interpolation_lines_give_the_numbers_between(shared_data: Path) -> None:
    """Heidelberg has addr:interpolation ways (odd/even).

    Per the OSM wiki, the numbers between two consecutive numbered nodes of such a line
    (same street) lie on the line between them: each middle number is found there.
    """
    path = shared_data / EXTRACTS["heidelberg"]
    if not path.is_file():
        pytest.skip(f"{path} not found")
    numbered: dict[int, tuple[str, str]] = {}
    lines: list[list[tuple[int, float, float]]] = []
    for obj in osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY).with_locations():
        if isinstance(obj, osmium.osm.Node) and "addr:housenumber" in obj.tags:
            numbered[obj.id] = (obj.tags["addr:housenumber"], obj.tags.get("addr:street") or "")
        elif isinstance(obj, osmium.osm.Way) and obj.tags.get("addr:interpolation") in ("odd", "even"):
            lines.append([(n.ref, n.lat, n.lon) for n in obj.nodes])
    geocoder = Geocoder(build_geocoder(path, []))
    checked = 0
    for line in lines:
        ends = [(i, numbered[ref]) for i, (ref, _, _) in enumerate(line) if ref in numbered]
        for (i, (low_text, street)), (j, (high_text, other)) in itertools.pairwise(ends):
            if street != other or not street or not (low_text.isdigit() and high_text.isdigit()):
                continue
            low, high = sorted((int(low_text), int(high_text)))
            if high - low < 4:
                continue
            middle = low + 2 * ((high - low) // 4)
            hits = geocoder.search(f"{street} {middle}", near=(line[i][1], line[i][2]), limit=3)
            assert hits and hits[0].name == f"{street} {middle}", (street, low, high, [h.name for h in hits])
            piece = line[i : j + 1]
            lats, lons = [p[1] for p in piece], [p[2] for p in piece]
            assert min(lats) - 1e-6 <= hits[0].lat <= max(lats) + 1e-6
            assert min(lons) - 1e-6 <= hits[0].lon <= max(lons) + 1e-6
            checked += 1
    assert checked >= 10
