"""Building blocks shared by the API schemas."""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, StringConstraints, WithJsonSchema
from pydantic.alias_generators import to_camel

from app.i18n import FieldValueError


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
    """``LAT,LON`` in decimal degrees as a (lat, lon) pair.

    Raises
    ------
    ValueError
        Not two numbers, or outside the ranges of latitude and longitude; the message says which.
    """
    if isinstance(value, tuple | list) and len(value) == 2:
        value = f"{value[0]},{value[1]}"
    if not isinstance(value, str):
        raise FieldValueError("field.coordinate_type")
    text = value
    if not _COORDINATE.match(text):
        lat_text, _, lon_text = text.partition(",")
        for key, part, limit in (("field.latitude_range", lat_text, 90), ("field.longitude_range", lon_text, 180)):
            try:
                number = float(part)
            except ValueError:
                continue
            if math.isfinite(number) and abs(number) > limit:
                raise FieldValueError(key, value=part)
        raise FieldValueError("field.coordinate", value=repr(value))
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
            raise FieldValueError("field.time", value=repr(value))
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError as exc:
            raise FieldValueError("field.time", value=repr(value)) from exc
    # Well-formed but unrepresentable in the region's zone, or far from the timetable, is a
    # business rule, not a malformed value: app.local_times.local_moment answers it with 422.
    return moment


RequestTime = Annotated[
    datetime,
    BeforeValidator(_parse_time),
    WithJsonSchema({"type": "string", "format": "date-time", "examples": ["2026-12-02T08:30"]}),
]
"""A time in a query: ISO 8601 text only (no numbers as Unix times)."""


def trimmed_text(*, min_length: int, max_length: int) -> StringConstraints:
    """Text stripped of surrounding whitespace that must keep ``min_length`` characters after stripping.

    The length rule applies to the stripped text, so the JSON Schema says the same with a
    ``pattern`` (a non-space first and last character, enough between them): a request the
    document calls valid is not refused for being blank. NUL characters are refused too
    (PostgreSQL text cannot hold them; the text is stored).
    """
    if min_length <= 1:
        pattern = r"^\s*[^\s\x00][^\x00]*$"
    else:
        pattern = rf"^\s*[^\s\x00][^\x00]{{{min_length - 2},}}[^\s\x00]\s*$"
    return StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length, pattern=pattern)
