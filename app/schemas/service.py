"""Schemas of the service endpoints: health, readiness and the region description."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from app.schemas.common import ApiModel


class Health(ApiModel):
    """The process is alive."""

    status: Literal["ok"] = "ok"


class ReadinessCheck(ApiModel):
    """One dependency checked by ``/ready``."""

    name: str
    ok: bool
    detail: str


class Readiness(ApiModel):
    """Whether the service can answer requests."""

    status: Literal["ready", "not_ready"]
    checks: list[ReadinessCheck]


class RegionInfo(ApiModel):
    """The region this server routes in."""

    name: str = Field(description="Name given at build time")
    synthetic: bool = Field(description="True for the generated demo city: not real data")
    timezone: str
    valid_from: date | None = Field(description="First day with timetable data")
    valid_until: date | None = Field(description="Last day with timetable data")
    bbox: list[float] = Field(min_length=4, max_length=4, description="min lon, min lat, max lon, max lat")
    built_at: str
    code_version: str
    counts: dict[str, int]
