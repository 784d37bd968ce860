"""Schemas of the open-data publication endpoints."""

from __future__ import annotations

from pydantic import Field

from app.schemas.common import ApiModel


class OpenDataFile(ApiModel):
    """One published file of the latest export."""

    path: str = Field(description="Path below /api/v1/open-data/")
    media_type: str
    bytes: int
    etag: str = Field(description="Strong ETag of the file's content (as the file's own answer sends it)")


class OpenDataIndex(ApiModel):
    """The files of the latest open-data export and its DCAT-AP.de catalog."""

    catalog: str = Field(description="Path of the DCAT-AP.de JSON-LD metadata")
    files: list[OpenDataFile]
