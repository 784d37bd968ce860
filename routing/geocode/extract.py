"""Read what people search for from an OSM file: addresses, streets, places and POIs.

One pass of pyosmium over nodes and ways (with node locations):

- **addresses**: ``addr:housenumber`` with ``addr:street`` (or ``addr:place``) on nodes
  and on ways (building outlines and other areas; their centre of nodes is the point);
  ``addr:interpolation`` lines (``odd``, ``even``, ``all``) between two address nodes
  give the numbers in between, spaced along the line. Duplicates (a node and its building
  both tagged) are kept once.
- **streets**: named routable highways; ways of one name that share a node, or lie within
  :data:`STREET_MERGE_M` of each other (dual carriageways), are one street. Their
  segments, cut to at most :data:`SEGMENT_M`, serve reverse geocoding.
- **places**: ``place=*`` with a name (city, suburb, quarter, square, ...).
- **POIs**: named objects with one of :data:`POI_KEYS` (amenity, shop, tourism, ...), by
  category (``amenity=pharmacy``); categories in :data:`CATEGORY_WORDS` are also found by
  their German and English word ("Apotheke", "pharmacy").

Relations (multipolygon buildings, associatedStreet) are not read.
"""

from __future__ import annotations

import itertools
import math
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path

import numpy as np
import osmium
from numpy.typing import NDArray

from routing.errors import InputDataError
from routing.geo import EARTH_RADIUS_M
from routing.geocode.text import fold, house_number_words, name_words, words

STREET_HIGHWAYS = frozenset(
    {
        "motorway",
        "trunk",
        "primary",
        "secondary",
        "tertiary",
        "unclassified",
        "residential",
        "living_street",
        "pedestrian",
        "service",
        "road",
        "track",
        "footway",
        "cycleway",
        "path",
        "steps",
        "bridleway",
        "primary_link",
        "secondary_link",
        "tertiary_link",
        "trunk_link",
        "motorway_link",
    }
)
POI_KEYS = ("amenity", "shop", "tourism", "leisure", "office", "healthcare", "craft", "historic", "railway")
RAILWAY_POIS = frozenset({"station", "halt"})
"""Other railway objects (platforms, entrances, tram stops) are stops, found through the timetable."""
PLACE_VALUES = frozenset(
    {
        "city",
        "town",
        "village",
        "hamlet",
        "borough",
        "suburb",
        "quarter",
        "neighbourhood",
        "city_block",
        "locality",
        "square",
        "isolated_dwelling",
        "farm",
        "island",
    }
)
CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    "amenity=pharmacy": ("Apotheke", "pharmacy"),
    "amenity=doctors": ("Arzt", "Arztpraxis", "doctor"),
    "amenity=dentist": ("Zahnarzt", "dentist"),
    "amenity=hospital": ("Krankenhaus", "Klinikum", "hospital"),
    "amenity=clinic": ("Klinik", "clinic"),
    "amenity=school": ("Schule", "school"),
    "amenity=kindergarten": ("Kindergarten", "Kita", "kindergarten"),
    "amenity=university": ("Universität", "university"),
    "amenity=library": ("Bibliothek", "Bücherei", "library"),
    "amenity=townhall": ("Rathaus", "town hall"),
    "amenity=police": ("Polizei", "police"),
    "amenity=post_office": ("Post", "post office"),
    "amenity=bank": ("Bank", "bank"),
    "amenity=restaurant": ("Restaurant", "restaurant"),
    "amenity=cafe": ("Café", "cafe"),
    "amenity=fuel": ("Tankstelle", "fuel"),
    "amenity=place_of_worship": ("Kirche", "church"),
    "amenity=community_centre": ("Gemeinschaftszentrum", "Stadtteilzentrum", "community centre"),
    "amenity=theatre": ("Theater", "theatre"),
    "amenity=cinema": ("Kino", "cinema"),
    "shop=supermarket": ("Supermarkt", "supermarket"),
    "shop=bakery": ("Bäckerei", "bakery"),
    "tourism=hotel": ("Hotel", "hotel"),
    "tourism=museum": ("Museum", "museum"),
    "leisure=park": ("Park", "park"),
    "leisure=sports_centre": ("Sportzentrum", "sports centre"),
    "leisure=swimming_pool": ("Schwimmbad", "swimming pool"),
    "railway=station": ("Bahnhof", "station"),
}
STREET_MERGE_M = 250.0
"""Pieces of a street of the same name closer than this are one street."""
SEGMENT_M = 60.0
"""Street segments are cut to at most this length for the reverse-geocoding index."""


class Kind(IntEnum):
    """What a search result is; the value is stored in the region."""

    ADDRESS = 0
    STREET = 1
    PLACE = 2
    POI = 3
    STOP = 4


@dataclass(frozen=True)
class Feature:
    """One searchable thing: its id, shown name and context, position and index words."""

    kind: Kind
    ref: str
    """Stable id within the region: ``n<id>``/``w<id>`` (OSM), ``i<way>-<number>``, ``s<stop_id>``."""
    name: str
    context: str
    """Postcode and city of an address or street; the category label of a POI."""
    category: str
    """``amenity=pharmacy``, ``place=suburb``, ``highway``, ``address``, ``stop``."""
    lat: float
    lon: float
    words: tuple[str, ...]
    """Words of the name itself (matched at full weight)."""
    context_words: tuple[str, ...]
    """Words of the postcode, city, street (POIs) and category: found, at a lower weight."""
    core_words: int
    """How many words the name has as typed (compounds unsplit): the query's share of it ranks."""


@dataclass
class OsmGeocodeData:
    """Everything read from one OSM file."""

    features: list[Feature] = field(default_factory=list)
    segments: NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, 4)))
    """lat1, lon1, lat2, lon2 per street segment."""
    segment_feature: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """Index into ``features`` of each segment's street."""
    address_points: NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, 2)))
    """lat, lon of every tagged point of an address (entrances and shops of one address too)."""
    address_point_feature: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class _Address:
    street: str
    housenumber: str
    postcode: str
    city: str
    lat: float
    lon: float
    ref: str


@dataclass
class _StreetWay:
    """A named street way: node ids and coordinates in typed buffers (8 bytes a value, not a Python object)."""

    way_id: int
    name: str
    refs: array[int]
    lats: array[float]
    lons: array[float]


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return EARTH_RADIUS_M * math.hypot(x, y)


def _address_feature(address: _Address) -> Feature:
    street_words = name_words(address.street)
    number_words = house_number_words(address.housenumber)
    context_words = [*name_words(address.postcode), *name_words(address.city)]
    core = tuple(dict.fromkeys([*street_words, *number_words]))
    return Feature(
        kind=Kind.ADDRESS,
        ref=address.ref,
        name=f"{address.street} {address.housenumber}",
        context=" ".join(part for part in (address.postcode, address.city) if part),
        category="address",
        lat=address.lat,
        lon=address.lon,
        words=core,
        context_words=tuple(word for word in dict.fromkeys(context_words) if word not in core),
        core_words=len(words(address.street)) + 1,
    )


def _category(tags: osmium.osm.TagList) -> str | None:
    for key in POI_KEYS:
        value = tags.get(key)
        if key == "railway" and value not in RAILWAY_POIS:
            continue
        if (value and value not in ("no", "yes")) or (value == "yes" and key in ("shop", "office", "craft")):
            return f"{key}={value}"
    return None


def _named_feature(
    kind: Kind, ref: str, name: str, category: str, lat: float, lon: float, context: str, where: str = ""
) -> Feature:
    """A named entry; ``where`` (its street and city) and its category's words are searchable too."""
    core = name_words(name)
    extra = [word for label in CATEGORY_WORDS.get(category, ()) for word in name_words(label)]
    extra += name_words(where)
    return Feature(
        kind=kind,
        ref=ref,
        name=name,
        context=context,
        category=category,
        lat=lat,
        lon=lon,
        words=tuple(core),
        context_words=tuple(word for word in dict.fromkeys(extra) if word not in core),
        core_words=len(words(name)),
    )


def _interpolate(
    way_id: int, kind: str, ends: list[tuple[int, _Address]], lats: list[float], lons: list[float], street: str
) -> list[_Address]:
    """The addresses between consecutive numbered nodes of an interpolation line."""
    step = 2 if kind in ("odd", "even") else 1 if kind == "all" else 0
    if step == 0:
        return []
    # Cumulative distance along the line, to place numbers between the numbered nodes.
    along = [0.0]
    for i in range(1, len(lats)):
        along.append(along[-1] + _distance_m(lats[i - 1], lons[i - 1], lats[i], lons[i]))
    out: list[_Address] = []
    for (i, a), (j, b) in itertools.pairwise(ends):
        if not (a.housenumber.isdigit() and b.housenumber.isdigit()):
            continue
        if a.street and b.street and fold(a.street) != fold(b.street):
            continue  # a line drawn through another street's numbers
        low, high = int(a.housenumber), int(b.housenumber)
        direction = 1 if high > low else -1
        span = abs(high - low)
        if span <= step or span > 400 or along[j] <= along[i]:
            continue
        for number in range(low + direction * step, high, direction * step):
            fraction = abs(number - low) / span
            target = along[i] + fraction * (along[j] - along[i])
            k = i
            while k < j and along[k + 1] < target:
                k += 1
            piece = along[k + 1] - along[k] if k < j else 0.0
            t = (target - along[k]) / piece if piece > 0 else 0.0
            out.append(
                _Address(
                    street=a.street or b.street or street,
                    housenumber=str(number),
                    postcode=a.postcode or b.postcode,
                    city=a.city or b.city,
                    lat=lats[k] + t * (lats[min(k + 1, j)] - lats[k]),
                    lon=lons[k] + t * (lons[min(k + 1, j)] - lons[k]),
                    ref=f"i{way_id}-{number}",
                )
            )
    return out


def _way_points(way: osmium.osm.Way) -> tuple[list[int], list[float], list[float]]:
    refs: list[int] = []
    lats: list[float] = []
    lons: list[float] = []
    for node in way.nodes:
        location = node.location
        if location.valid():
            refs.append(node.ref)
            lats.append(location.lat)
            lons.append(location.lon)
    return refs, lats, lons


def _street_groups(ways: list[_StreetWay]) -> list[list[_StreetWay]]:
    """Ways of one name joined into streets: sharing a node, or close (dual carriageways)."""
    by_name: dict[str, list[_StreetWay]] = defaultdict(list)
    for way in ways:
        by_name[fold(way.name)].append(way)
    groups: list[list[_StreetWay]] = []
    for members in by_name.values():
        parent = list(range(len(members)))

        def find(i: int, parent: list[int] = parent) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        owner: dict[int, int] = {}
        for index, way in enumerate(members):
            for ref in way.refs:
                if ref in owner:
                    parent[find(index)] = find(owner[ref])
                else:
                    owner[ref] = index
        centres = [(float(np.mean(way.lats)), float(np.mean(way.lons))) for way in members]
        reach = [
            max(_distance_m(c[0], c[1], la, lo) for la, lo in zip(way.lats, way.lons, strict=True))
            for c, way in zip(centres, members, strict=True)
        ]
        for i in range(len(members)):
            for j in range(i + 1, len(members)):
                gap = _distance_m(*centres[i], *centres[j]) - reach[i] - reach[j]
                if gap <= STREET_MERGE_M and find(i) != find(j):
                    parent[find(i)] = find(j)
        components: dict[int, list[_StreetWay]] = defaultdict(list)
        for index, way in enumerate(members):
            components[find(index)].append(way)
        groups.extend(components.values())
    return groups


def _segments(way: _StreetWay) -> list[tuple[float, float, float, float]]:
    out: list[tuple[float, float, float, float]] = []
    for k in range(1, len(way.lats)):
        lat1, lon1, lat2, lon2 = way.lats[k - 1], way.lons[k - 1], way.lats[k], way.lons[k]
        pieces = max(1, math.ceil(_distance_m(lat1, lon1, lat2, lon2) / SEGMENT_M))
        for p in range(pieces):
            a, b = p / pieces, (p + 1) / pieces
            out.append(
                (lat1 + a * (lat2 - lat1), lon1 + a * (lon2 - lon1), lat1 + b * (lat2 - lat1), lon1 + b * (lon2 - lon1))
            )
    return out


def geocode_data_from_osm_file(source: Path) -> OsmGeocodeData:
    """Read addresses, streets, places and POIs from ``source`` (``.osm``, ``.pbf``, ...).

    Raises
    ------
    InputDataError
        When the file cannot be read as OSM data.
    """
    if not source.is_file():
        raise InputDataError(str(source), "no such OSM file")
    found = _read_osm(source)
    interpolated, on_lines = _interpolate_lines(found)
    features = [_address_feature(address) for address in found.addresses.values()]
    points = _address_points(found.addresses, found.more_points)
    streets, segments, owners = _street_features(found.street_ways, found.addresses, first_index=len(features))
    features += streets
    features.extend(found.named)
    kinds = Counter(feature.kind for feature in features)
    return OsmGeocodeData(
        features=features,
        segments=np.frombuffer(segments, dtype=np.float64).reshape(-1, 4),
        segment_feature=np.frombuffer(owners, dtype=np.int64),
        address_points=np.asarray([(lat, lon) for lat, lon, _ in points], dtype=np.float64).reshape(-1, 2),
        address_point_feature=np.asarray([i for _, _, i in points], dtype=np.int64),
        counts={
            "addresses": kinds[Kind.ADDRESS],
            "addresses_interpolated": interpolated,
            "addresses_street_from_line": on_lines,
            "streets": len(streets),
            "places": kinds[Kind.PLACE],
            "pois": kinds[Kind.POI],
            "street_segments": len(owners),
        },
    )


_Interpolation = tuple[int, str, str, list[int], list[float], list[float]]
"""An ``addr:interpolation`` way: its id, kind (odd, even, all), own street, node ids, lats and lons."""


def _address_key(street: str, housenumber: str, postcode: str) -> str:
    """What makes two tagged points one address (a node and its building, two entrances)."""
    return "|".join(fold(part) for part in (street, housenumber, postcode))


@dataclass
class _Found:
    """What the one pass over an OSM file collects, before interpolation lines and streets are resolved."""

    addresses: dict[str, _Address] = field(default_factory=dict)
    """By :func:`_address_key`, in file order."""
    address_nodes: dict[int, _Address] = field(default_factory=dict)
    """Addresses tagged on nodes, by node id (the ends of interpolation lines)."""
    more_points: defaultdict[str, list[tuple[float, float]]] = field(default_factory=lambda: defaultdict(list))
    """Further points (entrances, shops) of an address already found."""
    named: list[Feature] = field(default_factory=list)
    """Places and POIs."""
    street_ways: list[_StreetWay] = field(default_factory=list)
    interpolations: list[_Interpolation] = field(default_factory=list)

    def add(self, obj: object) -> None:
        """Take what a tagged node or way has for the geocoder (relations are not read)."""
        if not isinstance(obj, osmium.osm.Node | osmium.osm.Way) or len(obj.tags) == 0:
            return
        point = _node_point(obj) if isinstance(obj, osmium.osm.Node) else self._way(obj)
        if point is None:
            return
        lat, lon, ref = point
        self._add_address(obj.id, obj.tags, lat, lon, ref)
        self._add_named(obj.tags, ref, lat, lon)

    def _way(self, way: osmium.osm.Way) -> tuple[float, float, str] | None:
        """Keep a named street or an interpolation line; the point of a building outline or other area."""
        tags = way.tags
        refs, lats, lons = _way_points(way)
        if not lats:
            return None
        if tags.get("highway") in STREET_HIGHWAYS and tags.get("name"):
            self.street_ways.append(
                _StreetWay(way.id, tags["name"], array("q", refs), array("d", lats), array("d", lons))
            )
        if "addr:interpolation" in tags:
            self.interpolations.append(
                (way.id, tags["addr:interpolation"], tags.get("addr:street") or "", refs, lats, lons)
            )
            return None
        if tags.get("highway"):
            return None
        # A building outline or area: its point is the mean of its distinct nodes.
        closed = len(refs) > 2 and refs[0] == refs[-1]
        lat = float(np.mean(lats[:-1] if closed else lats))
        lon = float(np.mean(lons[:-1] if closed else lons))
        return lat, lon, f"w{way.id}"

    def _add_address(self, osm_id: int, tags: osmium.osm.TagList, lat: float, lon: float, ref: str) -> None:
        housenumber = tags.get("addr:housenumber")
        if not housenumber:
            return
        street = tags.get("addr:street") or tags.get("addr:place")
        address = _Address(
            street=street or "",
            housenumber=housenumber,
            postcode=tags.get("addr:postcode") or "",
            city=tags.get("addr:city") or "",
            lat=lat,
            lon=lon,
            ref=ref,
        )
        if street:
            key = _address_key(street, housenumber, address.postcode)
            if key in self.addresses:  # another entrance or shop of the same address
                self.more_points[key].append((lat, lon))
            else:
                self.addresses[key] = address
        if ref.startswith("n"):
            self.address_nodes[osm_id] = address  # an end of an interpolation line may take its street

    def _add_named(self, tags: osmium.osm.TagList, ref: str, lat: float, lon: float) -> None:
        name = tags.get("name")
        if not name:
            return
        place = tags.get("place")
        if place in PLACE_VALUES:
            self.named.append(_named_feature(Kind.PLACE, ref, name, f"place={place}", lat, lon, place))
            return
        category = _category(tags)
        if category is not None:
            where = " ".join(tags.get(key) or "" for key in ("addr:street", "addr:place", "addr:city"))
            self.named.append(_named_feature(Kind.POI, ref, name, category, lat, lon, category, where))


def _node_point(node: osmium.osm.Node) -> tuple[float, float, str] | None:
    """Where a node is (None: its location is not in the file)."""
    if not node.location.valid():
        return None
    return node.location.lat, node.location.lon, f"n{node.id}"


def _read_osm(source: Path) -> _Found:
    """One pass of pyosmium over the nodes and ways of ``source``, with node locations.

    Raises
    ------
    InputDataError
        When the file cannot be read as OSM data.
    """
    found = _Found()
    try:
        for obj in osmium.FileProcessor(str(source), osmium.osm.NODE | osmium.osm.WAY).with_locations():
            found.add(obj)
    except RuntimeError as exc:  # libosmium reports parse errors as RuntimeError
        raise InputDataError(str(source), f"cannot read OSM data: {exc}") from exc
    return found


def _interpolate_lines(found: _Found) -> tuple[int, int]:
    """Add the addresses of interpolation lines; how many were interpolated, and how many ends took a line's street."""
    interpolated = on_lines = 0
    for way_id, kind, line_street, refs, lats, lons in found.interpolations:
        ends = [(i, found.address_nodes[ref]) for i, ref in enumerate(refs) if ref in found.address_nodes]
        end_streets = Counter(end.street for _, end in ends if end.street)
        street = line_street or (end_streets.most_common(1)[0][0] if end_streets else "")
        if not street:
            continue
        on_lines += _give_ends_the_street(found.addresses, ends, street)
        for address in _interpolate(way_id, kind, ends, lats, lons, street):
            key = _address_key(address.street, address.housenumber, address.postcode)
            if key not in found.addresses:
                found.addresses[key] = address
                interpolated += 1
    return interpolated, on_lines


def _give_ends_the_street(addresses: dict[str, _Address], ends: list[tuple[int, _Address]], street: str) -> int:
    """Numbered nodes of a line without ``addr:street`` take the line's street; how many became new addresses."""
    added = 0
    for _, end in ends:
        if end.street:
            continue
        end.street = street
        key = _address_key(street, end.housenumber, end.postcode)
        if key not in addresses:
            addresses[key] = end
            added += 1
    return added


def _address_points(
    addresses: dict[str, _Address], more_points: dict[str, list[tuple[float, float]]]
) -> list[tuple[float, float, int]]:
    """Every tagged point of every address (lat, lon, index of its address): its own, then the further ones."""
    points = [(address.lat, address.lon, i) for i, address in enumerate(addresses.values())]
    positions = {key: i for i, key in enumerate(addresses)}
    points += [(lat, lon, positions[key]) for key, extra in more_points.items() for lat, lon in extra]
    return points


def _street_features(
    street_ways: list[_StreetWay], addresses: dict[str, _Address], *, first_index: int
) -> tuple[list[Feature], array[float], array[int]]:
    """One feature per street (its ways grouped), its segments, and each segment's feature index.

    ``first_index`` is where the first street will stand in the feature list. Segments
    are flat (lat1, lon1, lat2, lon2 after each other) in typed buffers: a million of
    them as tuples of floats took about 170 bytes each, the geocoder's largest part.
    """
    by_street: dict[str, list[_Address]] = defaultdict(list)
    for address in addresses.values():
        by_street[fold(address.street)].append(address)
    features: list[Feature] = []
    segments = array("d")
    owners = array("q")
    for group in _street_groups(street_ways):
        index = first_index + len(features)
        features.append(_street_feature(group, by_street))
        for way in group:
            pieces = _segments(way)
            segments.extend(itertools.chain.from_iterable(pieces))
            owners.extend([index] * len(pieces))
    return features, segments, owners


def _street_feature(group: list[_StreetWay], by_street: dict[str, list[_Address]]) -> Feature:
    """A street at its node nearest the mean of its ways' nodes, with the postcode and city of an address on it."""
    group_lats = np.concatenate([np.asarray(way.lats) for way in group])
    group_lons = np.concatenate([np.asarray(way.lons) for way in group])
    east = (group_lons - group_lons.mean()) * math.cos(math.radians(group_lats[0]))
    centre = int(np.argmin((group_lats - group_lats.mean()) ** 2 + east**2))
    name = group[0].name
    lat, lon = float(group_lats[centre]), float(group_lons[centre])
    context = _street_context(by_street.get(fold(name), []), lat, lon)
    return _named_feature(Kind.STREET, f"w{min(way.way_id for way in group)}", name, "highway", lat, lon, context)


def _street_context(addresses: list[_Address], lat: float, lon: float) -> str:
    """Postcode and city of the nearest address on a street of this name (within 2 km)."""
    best: tuple[float, _Address] | None = None
    for address in addresses:
        if not (address.postcode or address.city):
            continue
        distance = _distance_m(lat, lon, address.lat, address.lon)
        if distance <= 2000 and (best is None or distance < best[0]):
            best = (distance, address)
    if best is None:
        return ""
    return " ".join(part for part in (best[1].postcode, best[1].city) if part)
