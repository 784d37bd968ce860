"""What the latest open-data export says about the region's districts (read by the account API)."""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["published_district_ids"]


def published_district_ids(folder: Path) -> frozenset[str] | None:
    """The district ids of the latest export in ``folder`` (its usage document, else the accessibility run's).

    None when no export names districts yet (any well-formed id is then accepted and counted
    as ``not_given`` until a districts file lists it).
    """
    usage = folder / "usage" / "usage.json"
    try:
        if usage.is_file():
            return frozenset(str(d["id"]) for d in json.loads(usage.read_text("utf-8"))["districts"])
        districts = folder / "accessibility" / "districts.geojson"
        if districts.is_file():
            features = json.loads(districts.read_text("utf-8"))["features"]
            return frozenset(str(f["properties"]["district_id"]) for f in features)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return None
