"""Open Data Rathaus: anonymised usage statistics of the platform and their publication (issue #21).

- :mod:`app.open_data.districts`: the region's district polygons and a point-in-polygon index.
- :mod:`app.open_data.suppression`: k-anonymity per published line with complementary suppression.
- :mod:`app.open_data.noise`: optional calibrated noise (OpenDP) on the published counts.
- :mod:`app.open_data.usage`: the statistics, read from the platform's own tables.
- :mod:`app.open_data.export`: CSV, GeoJSON, Parquet and DCAT-AP.de metadata, checked against the
  export's own JSON Schema; :mod:`app.open_data.cli` is ``mobility open-data export``.

Nothing here writes a row about a person, a booking or a trip: only counts of cells that at
least ``k`` distinct people contributed to leave (``docs/open-data.md``).
"""

from __future__ import annotations

from app.open_data.errors import DistrictsFileError, OpenDataError, ReleaseFileError

__all__ = ["DistrictsFileError", "OpenDataError", "ReleaseFileError"]
