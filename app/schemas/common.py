"""Building blocks shared by the API schemas."""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, WithJsonSchema
from pydantic.alias_generators import to_camel


class ApiModel(BaseModel):
    """Base of response models: camelCase JSON names, snake_case in Python."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)


class QueryModel(BaseModel):
    """Base of query-parameter models: unknown parameters are refused (typos surface)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)


class BodyModel(BaseModel):
    """Base of JSON request bodies: camelCase names, unknown fields refused."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)


_LATITUDE = r"-?(?:90(?:\.0+)?|[1-8]?\d(?:\.\d+)?)"
_LONGITUDE = r"-?(?:180(?:\.0+)?|(?:1[0-7]\d|[1-9]?\d)(?:\.\d+)?)"
COORDINATE_PATTERN = rf"^{_LATITUDE},{_LONGITUDE}$"
_COORDINATE = re.compile(COORDINATE_PATTERN)


def parse_coordinate(value: object) -> tuple[float, float]:
    """``(lat, lon)`` from ``LAT,LON`` text (or a pair).

    Raises
    ------
    ValueError
        Naming the coordinate that is out of range or the expected form.
    """
    if isinstance(value, tuple | list) and len(value) == 2:
        value = f"{value[0]},{value[1]}"
    if not isinstance(value, str):
        msg = "expected LAT,LON"
        raise ValueError(msg)
    text = value
    if not _COORDINATE.match(text):
        lat_text, _, lon_text = text.partition(",")
        for label, part, limit in (("latitude", lat_text, 90), ("longitude", lon_text, 180)):
            try:
                number = float(part)
            except ValueError:
                continue
            if math.isfinite(number) and abs(number) > limit:
                msg = f"{label} {part} is outside -{limit}..{limit}"
                raise ValueError(msg)
        msg = f"expected LAT,LON in decimal degrees (e.g. 51.3155,9.4915), got {value!r}"
        raise ValueError(msg)
    lat_text, lon_text = text.split(",")
    return float(lat_text), float(lon_text)


Coordinate = Annotated[
    tuple[float, float],
    BeforeValidator(parse_coordinate),
    PlainSerializer(lambda v: f"{v[0]},{v[1]}", return_type=str),
    WithJsonSchema({"type": "string", "pattern": COORDINATE_PATTERN, "examples": ["51.3155,9.4915"]}),
]
"""A WGS84 position written ``LAT,LON`` in decimal degrees."""


_NUMBER = re.compile(r"^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$")


def _parse_time(value: object) -> object:
    if isinstance(value, datetime):
        moment = value
    else:
        if not isinstance(value, str) or _NUMBER.match(value):
            msg = f"expected an ISO 8601 date and time (e.g. 2026-12-02T08:30), got {value!r}"
            raise ValueError(msg)
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError as exc:
            msg = f"expected an ISO 8601 date and time (e.g. 2026-12-02T08:30), got {value!r}"
            raise ValueError(msg) from exc
    # Well-formed but unrepresentable in the region's zone, or far from the timetable, is a
    # business rule, not a malformed value: app.local_times.local_moment answers it with 422.
    return moment


RequestTime = Annotated[
    datetime,
    BeforeValidator(_parse_time),
    WithJsonSchema({"type": "string", "format": "date-time", "examples": ["2026-12-02T08:30"]}),
]
"""A time in a query: ISO 8601 text only (no numbers as Unix times)."""
