"""GTFS tables as gtfs-kit reads them, without importing gtfs-kit (it loads folium and geopandas).

``DTYPES`` are gtfs-kit 13.0.1's column types (``gtfs_kit.constants.DTYPES``), so every
table reads exactly as ``gtfs_kit.read_feed`` reads it (a test compares the two while
gtfs-kit is installed). :class:`GtfsTables` holds the tables the way ``gtfs_kit.Feed``
holds them, one attribute per file, without the indexed copies of trips and calendars
that ``Feed`` makes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DTYPES: dict[str, dict[str, str]] = {
    "agency": {
        "agency_id": "string",
        "agency_name": "string",
        "agency_url": "string",
        "agency_timezone": "string",
        "agency_lang": "string",
        "agency_phone": "string",
        "agency_fare_url": "string",
        "agency_email": "string",
    },
    "attributions": {
        "attribution_id": "string",
        "agency_id": "string",
        "route_id": "string",
        "trip_id": "string",
        "organization_name": "string",
        "is_producer": "Int32",
        "is_operator": "Int32",
        "is_authority": "Int32",
        "attribution_url": "string",
        "attribution_email": "string",
        "attribution_phone": "string",
    },
    "calendar": {
        "service_id": "string",
        "monday": "Int32",
        "tuesday": "Int32",
        "wednesday": "Int32",
        "thursday": "Int32",
        "friday": "Int32",
        "saturday": "Int32",
        "sunday": "Int32",
        "start_date": "string",
        "end_date": "string",
    },
    "calendar_dates": {
        "service_id": "string",
        "date": "string",
        "exception_type": "Int32",
    },
    "fare_attributes": {
        "fare_id": "string",
        "price": "float",
        "currency_type": "string",
        "payment_method": "Int32",
        "transfers": "Int32",
        "agency_id": "string",
        "transfer_duration": "Int16",
    },
    "fare_rules": {
        "fare_id": "string",
        "route_id": "string",
        "origin_id": "string",
        "destination_id": "string",
        "contains_id": "string",
    },
    "feed_info": {
        "feed_publisher_name": "string",
        "feed_publisher_url": "string",
        "feed_lang": "string",
        "feed_start_date": "string",
        "feed_end_date": "string",
        "feed_version": "string",
    },
    "frequencies": {
        "trip_id": "string",
        "start_time": "string",
        "end_time": "string",
        "headway_secs": "Int16",
        "exact_times": "Int32",
    },
    "routes": {
        "route_id": "string",
        "agency_id": "string",
        "route_short_name": "string",
        "route_long_name": "string",
        "route_desc": "string",
        "route_type": "Int32",
        "route_url": "string",
        "route_color": "string",
        "route_text_color": "string",
    },
    "shapes": {
        "shape_id": "string",
        "shape_pt_lat": "float",
        "shape_pt_lon": "float",
        "shape_pt_sequence": "Int32",
        "shape_dist_traveled": "float",
    },
    "stop_times": {
        "trip_id": "string",
        "arrival_time": "string",
        "departure_time": "string",
        "stop_id": "string",
        "stop_sequence": "Int32",
        "stop_headsign": "string",
        "pickup_type": "Int32",
        "drop_off_type": "Int32",
        "shape_dist_traveled": "float",
        "timepoint": "Int32",
    },
    "stops": {
        "stop_id": "string",
        "stop_code": "string",
        "stop_name": "string",
        "stop_desc": "string",
        "stop_lat": "float",
        "stop_lon": "float",
        "zone_id": "string",
        "stop_url": "string",
        "location_type": "Int32",
        "parent_station": "string",
        "stop_timezone": "string",
        "wheelchair_boarding": "Int32",
    },
    "transfers": {
        "from_stop_id": "string",
        "to_stop_id": "string",
        "transfer_type": "Int32",
        "min_transfer_time": "Int16",
    },
    "trips": {
        "route_id": "string",
        "service_id": "string",
        "trip_id": "string",
        "trip_headsign": "string",
        "trip_short_name": "string",
        "direction_id": "Int32",
        "block_id": "string",
        "shape_id": "string",
        "wheelchair_accessible": "Int32",
        "bikes_allowed": "Int32",
    },
}
"""Per GTFS file (without ``.txt``), the pandas type of each column gtfs-kit knows."""


@dataclass
class GtfsTables:
    """One feed's tables (None: the file is missing or has no rows); distances in km.

    Typed ``Any`` as ``gtfs_kit.Feed``'s attributes are: ``gtfs_load`` checks that the
    required tables are there, and reads the optional ones through ``GtfsFeed.table``.
    """

    agency: Any = None
    attributions: Any = None
    calendar: Any = None
    calendar_dates: Any = None
    fare_attributes: Any = None
    fare_rules: Any = None
    feed_info: Any = None
    frequencies: Any = None
    routes: Any = None
    shapes: Any = None
    stop_times: Any = None
    stops: Any = None
    transfers: Any = None
    trips: Any = None
