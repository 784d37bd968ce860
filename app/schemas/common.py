"""Building blocks shared by the API schemas."""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, WithJsonSchema
from pydantic.alias_generators import to_camel


class ApiModel(BaseModel):
    """Base of response models: camelCase JSON names, snake_case in Python."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)


class QueryModel(BaseModel):
    """Base of query-parameter models: unknown parameters are refused (typos surface)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)


def _parse_coordinate(value: object) -> tuple[float, float]:
    if isinstance(value, tuple | list) and len(value) == 2:  # noqa: PLR2004
        parts = [str(v) for v in value]
    elif isinstance(value, str):
        parts = value.split(",")
    else:
        msg = "expected LAT,LON"
        raise ValueError(msg)
    if len(parts) != 2:  # noqa: PLR2004
        msg = f"expected LAT,LON, got {value!r}"
        raise ValueError(msg)
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError as exc:
        msg = f"expected two decimal numbers LAT,LON, got {value!r}"
        raise ValueError(msg) from exc
    if not (math.isfinite(lat) and -90 <= lat <= 90):  # noqa: PLR2004
        msg = f"latitude {parts[0]} is outside -90..90"
        raise ValueError(msg)
    if not (math.isfinite(lon) and -180 <= lon <= 180):  # noqa: PLR2004
        msg = f"longitude {parts[1]} is outside -180..180"
        raise ValueError(msg)
    return lat, lon


Coordinate = Annotated[
    tuple[float, float],
    BeforeValidator(_parse_coordinate),
    PlainSerializer(lambda v: f"{v[0]},{v[1]}", return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+(\.\d+)?,-?\d+(\.\d+)?$", "examples": ["51.3155,9.4915"]}),
]
"""A WGS84 position written ``LAT,LON`` in decimal degrees."""
