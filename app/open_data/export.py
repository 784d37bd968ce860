"""Writing the open-data export: CSV, GeoJSON, Parquet and DCAT-AP.de metadata (JSON-LD).

Layout of ``OUT`` (the accessibility run writes ``OUT/accessibility/`` beside it)::

    dcat.jsonld                       DCAT-AP.de catalog: the datasets, their files, licence, period, method
    schema/usage.schema.json          JSON Schema of usage/usage.json and of the CSV rows
    schema/dcat.schema.json           JSON Schema of dcat.jsonld
    usage/usage.json                  every table, one document (what the map page reads)
    usage/<table>.csv, .parquet       one file per table: month, category, count, suppressed
    usage/districts.geojson           district polygons with their per-month figures
    usage/releases/<YYYY-MM>.json     the figures of each published month, frozen

A month once published is kept as it was (read back from its release file) in every later
export, so two exports never differ in a published figure.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from app.open_data.districts import DistrictIndex
from app.open_data.errors import ReleaseFileError
from app.open_data.usage import TABLES, TOTAL, PublishedLine, PublishedTable, UsageStatistics

DL_DE_BY_2_0 = "http://dcat-ap.de/def/licenses/dl-by-de/2.0"
"""Datenlizenz Deutschland - Namensnennung - Version 2.0 in the DCAT-AP.de licence vocabulary."""
THEME_TRANSPORT = "http://publications.europa.eu/resource/authority/data-theme/TRAN"
FILE_TYPES = {
    "text/csv": "http://publications.europa.eu/resource/authority/file-type/CSV",
    "application/geo+json": "http://publications.europa.eu/resource/authority/file-type/GEOJSON",
    "application/json": "http://publications.europa.eu/resource/authority/file-type/JSON",
    "application/vnd.apache.parquet": "http://publications.europa.eu/resource/authority/file-type/PARQUET",
}
CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "dcatde": "http://dcat-ap.de/def/dcatde/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "mobility": "urn:kassel-mobility:open-data#",
}
SCHEMA_FILES = ("usage.schema.json", "dcat.schema.json")

__all__ = [
    "DL_DE_BY_2_0",
    "ExportSettings",
    "load_releases",
    "load_schema",
    "usage_document",
    "validate_export",
    "write_export",
]


@dataclass(frozen=True)
class ExportSettings:
    """Who publishes, under which licence, and where the files are served."""

    publisher: str = "Stadt Kassel"
    attribution: str = "Stadt Kassel, kassel-mobility"
    license: str = DL_DE_BY_2_0
    base_url: str = "/api/v1/open-data"
    """Where ``OUT`` is served (``dcat:downloadURL`` = base_url + path)."""


def load_schema(name: str) -> dict[str, Any]:
    """One of the export's JSON Schemas shipped in the package (``usage`` or ``dcat``)."""
    text = resources.files("app.open_data").joinpath("schema", f"{name}.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _line_json(line: PublishedLine) -> dict[str, Any]:
    return {"month": line.month, "total": line.total, "cells": dict(line.cells)}


def usage_document(stats: UsageStatistics, districts: DistrictIndex, *, generated_at: datetime) -> dict[str, Any]:
    """The ``usage/usage.json`` document."""
    noise = None
    if stats.noise is not None:
        noise = {
            "mechanism": "discrete Laplace",
            "library": "OpenDP",
            "epsilonPerLine": stats.noise.epsilon,
            "capPerPerson": stats.noise.cap,
        }
    return {
        "schemaVersion": 1,
        "generatedAt": generated_at.isoformat(),
        "asOf": stats.as_of.isoformat(),
        "months": list(stats.months),
        "frozenMonths": list(stats.frozen_months),
        "synthetic": districts.synthetic,
        "method": {"k": stats.k, "dominance": stats.dominance, "noise": noise, "closedMonthsOnly": True},
        "districts": [{"id": d.district_id, "name": d.name} for d in districts.districts],
        "tables": [
            {
                "name": table.spec.name,
                "dimension": table.spec.dimension,
                "unit": table.spec.unit,
                "title": {"de": table.spec.title_de, "en": table.spec.title_en},
                "lines": [_line_json(line) for line in table.lines],
            }
            for table in stats.tables
        ],
    }


def _csv_rows(table: PublishedTable) -> list[dict[str, Any]]:
    rows = []
    for line in table.lines:
        for category, value in ((TOTAL, line.total), *line.cells):
            rows.append(
                {
                    "month": line.month,
                    "category": category,
                    "count": value,
                    "suppressed": "yes" if value is None else "no",
                }
            )
    return rows


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    os.replace(partial, path)


def _json_bytes(document: object) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _csv_bytes(rows: Sequence[Mapping[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["month", "category", "count", "suppressed"], lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "count": "" if row["count"] is None else row["count"]})
    return buffer.getvalue().encode("utf-8")


def _parquet_bytes(rows: Sequence[Mapping[str, Any]]) -> bytes | None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:  # Parquet is written where pyarrow is installed
        return None
    table = pa.table(
        {
            "month": pa.array([row["month"] for row in rows], pa.string()),
            "category": pa.array([row["category"] for row in rows], pa.string()),
            "count": pa.array([row["count"] for row in rows], pa.int64()),
            "suppressed": pa.array([row["suppressed"] == "yes" for row in rows], pa.bool_()),
        }
    )
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return bytes(sink.getvalue().to_pybytes())


def _district_geojson(stats: UsageStatistics, districts: DistrictIndex) -> dict[str, Any]:
    columns = {
        "rides_from": "rides_by_origin_district",
        "rides_to": "rides_by_destination_district",
        "mittendrin_purchases": "mittendrin_purchases_by_district",
    }
    properties: dict[str, dict[str, Any]] = {d.district_id: {} for d in districts.districts}
    for column, table_name in columns.items():
        table = stats.table(table_name)
        for district_id in properties:
            properties[district_id][column] = {line.month: dict(line.cells).get(district_id) for line in table.lines}
    return districts.feature_collection(properties)


def load_releases(out: Path) -> dict[str, dict[str, PublishedLine]]:
    """The frozen months of earlier exports in ``out`` (month -> table -> line).

    Raises
    ------
    ReleaseFileError
        Naming the release file that cannot be read.
    """
    folder = out / "usage" / "releases"
    frozen: dict[str, dict[str, PublishedLine]] = {}
    if not folder.is_dir():
        return frozen
    line_schema = {"$ref": "#/$defs/line", "$defs": load_schema("usage")["$defs"]}
    for path in sorted(folder.glob("*.json")):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            month = document["month"]
            lines = {}
            for spec in TABLES:
                raw = document["tables"][spec.name]
                jsonschema.validate(raw, line_schema)
                lines[spec.name] = PublishedLine(month=month, total=raw["total"], cells=tuple(raw["cells"].items()))
        except (OSError, ValueError, KeyError, TypeError, jsonschema.ValidationError) as exc:
            raise ReleaseFileError(str(path), f"not a release file of this export: {exc}") from exc
        if path.stem != month:
            raise ReleaseFileError(str(path), f"holds month {month!r}, not {path.stem!r}")
        frozen[month] = lines
    return frozen


def _text(de: str, en: str) -> list[dict[str, str]]:
    return [{"@language": "de", "@value": de}, {"@language": "en", "@value": en}]


def _xsd_date(day: date) -> dict[str, str]:
    return {"@value": day.isoformat(), "@type": "xsd:date"}


def _month_end(month: str) -> date:
    year, number = (int(part) for part in month.split("-"))
    following = date(year + (number == 12), number % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def _distribution(settings: ExportSettings, path: str, title: str, media_type: str) -> dict[str, Any]:
    url = f"{settings.base_url.rstrip('/')}/{path}"
    entry: dict[str, Any] = {
        "@type": "dcat:Distribution",
        "dct:title": title,
        "dcat:accessURL": {"@id": url},
        "dcat:downloadURL": {"@id": url},
        "dcat:mediaType": media_type,
        "dct:format": {"@id": FILE_TYPES.get(media_type, FILE_TYPES["application/json"])},
        "dct:license": {"@id": settings.license},
    }
    if path == "usage/usage.json":
        entry["dct:conformsTo"] = {"@id": f"{settings.base_url.rstrip('/')}/schema/usage.schema.json"}
    return entry


def _catalog(
    stats: UsageStatistics, settings: ExportSettings, files: Sequence[tuple[str, str, str]], issued: date, out: Path
) -> dict[str, Any]:
    publisher = {"@type": "foaf:Agent", "foaf:name": settings.publisher}
    noise_de = noise_en = ""
    if stats.noise is not None:
        noise_de = (
            f" Zusätzlich ist jede veröffentlichte Zahl mit diskretem Laplace-Rauschen (OpenDP, epsilon "
            f"{stats.noise.epsilon} je Zeile, höchstens {stats.noise.cap} Datensätze je Person) versehen."
        )
        noise_en = (
            f" Every published figure also carries discrete Laplace noise (OpenDP, epsilon {stats.noise.epsilon}"
            f" per line, at most {stats.noise.cap} records per person)."
        )
    usage: dict[str, Any] = {
        "@id": f"{settings.base_url.rstrip('/')}/usage",
        "@type": "dcat:Dataset",
        "dct:title": _text(
            "Nutzung der Mobilitätsplattform (anonymisiert)", "Use of the mobility platform (anonymised)"
        ),
        "dct:description": _text(
            "Gebuchte Fahrten je Monat nach Verkehrsmittel, Stadtteil von Start und Ziel und Tageszeit; "
            "gekaufte MittendrinTickets je Monat und Wohn-Stadtteil (freiwillige Angabe).",
            "Booked rides per month by mode, district of origin and destination and time of day; "
            "MittendrinTickets bought per month by district of residence (given voluntarily).",
        ),
        "dct:license": {"@id": settings.license},
        "dcatde:licenseAttributionByText": settings.attribution,
        "dct:publisher": publisher,
        "dct:issued": _xsd_date(issued),
        "dct:modified": _xsd_date(issued),
        "dct:provenance": {
            "@type": "dct:ProvenanceStatement",
            "rdfs:label": _text(
                f"Zählungen aus den Buchungs- und Ticketdaten der Plattform, nur abgeschlossene Monate. Eine Zahl "
                f"wird nur veröffentlicht, wenn mindestens {stats.k} verschiedene Personen zu ihr beitragen und "
                f"keine mehr als {stats.dominance:.0%} ausmacht; weitere Zahlen werden unterdrückt, damit sich "
                f"keine unterdrückte aus Summen zurückrechnen lässt. Veröffentlichte Monate bleiben unverändert."
                + noise_de,
                f"Counts from the platform's booking and ticket records, closed months only. A figure is published "
                f"only when at least {stats.k} distinct people contribute to it and none makes up more than "
                f"{stats.dominance:.0%}; further figures are suppressed so that no suppressed one can be worked "
                f"back from totals. Published months never change." + noise_en,
            ),
        },
        "mobility:kAnonymity": stats.k,
        "dcat:theme": {"@id": THEME_TRANSPORT},
        "dcat:keyword": ["Mobilität", "Sozialplanung", "Stadtteile", "MittendrinTicket", "Open Data"],
        "dcat:distribution": [_distribution(settings, *entry) for entry in files],
    }
    if stats.months:
        usage["dct:temporal"] = {
            "@type": "dct:PeriodOfTime",
            "dcat:startDate": _xsd_date(date.fromisoformat(f"{stats.months[0]}-01")),
            "dcat:endDate": _xsd_date(_month_end(stats.months[-1])),
        }
    datasets = [usage]
    accessibility = out / "accessibility"
    present = [
        (f"accessibility/{name}", title, media)
        for name, title, media in (
            ("indicators.csv", "Erreichbarkeit je Stadtteil / accessibility per district (CSV)", "text/csv"),
            ("districts.geojson", "Stadtteile mit Erreichbarkeit / districts (GeoJSON)", "application/geo+json"),
            ("metadata.json", "Methode und Parameter / method and parameters", "application/json"),
        )
        if (accessibility / name).is_file()
    ]
    if present:
        datasets.append(
            {
                "@id": f"{settings.base_url.rstrip('/')}/accessibility",
                "@type": "dcat:Dataset",
                "dct:title": _text("Erreichbarkeit je Stadtteil", "Accessibility per district"),
                "dct:description": _text(
                    "Reisezeiten von Wohngebäuden zu Arzt, Apotheke, Supermarkt, Stadtteilzentrum u. a. "
                    "zu Fuß, mit Bus und Bahn, Rad und Rollstuhl, je Stadtteil zusammengefasst.",
                    "Travel times from homes to doctors, pharmacies, supermarkets, community centres and more, "
                    "on foot, by public transport, bike and wheelchair, aggregated per district.",
                ),
                "dct:license": {"@id": settings.license},
                "dcatde:licenseAttributionByText": settings.attribution,
                "dct:publisher": publisher,
                "dct:issued": _xsd_date(issued),
                "dct:provenance": {
                    "@type": "dct:ProvenanceStatement",
                    "rdfs:label": _text(
                        "Berechnet mit den Routing-Engines der Plattform (Range-RAPTOR, Straßensuche); "
                        "Parameter in metadata.json.",
                        "Computed with the platform's routing engines (range RAPTOR, street searches); "
                        "parameters in metadata.json.",
                    ),
                },
                "dcat:theme": {"@id": THEME_TRANSPORT},
                "dcat:distribution": [_distribution(settings, *entry) for entry in present],
            }
        )
    return {
        "@context": CONTEXT,
        "@type": "dcat:Catalog",
        "dct:title": _text("Open Data Rathaus: Mobilität", "Open Data Rathaus: mobility"),
        "dct:publisher": publisher,
        "dcat:dataset": datasets,
    }


def write_export(
    stats: UsageStatistics,
    districts: DistrictIndex,
    out: Path,
    *,
    settings: ExportSettings,
    generated_at: datetime,
) -> list[Path]:
    """Write every file of the export into ``out`` and check them against their schemas.

    Returns
    -------
    list of Path
        The files written.
    """
    written: list[Path] = []

    def put(relative: str, data: bytes) -> None:
        _write_atomic(out / relative, data)
        written.append(out / relative)

    for name in SCHEMA_FILES:
        put(f"schema/{name}", _json_bytes(load_schema(name.removesuffix(".schema.json"))))
    files: list[tuple[str, str, str]] = [("usage/usage.json", "Alle Tabellen / all tables (JSON)", "application/json")]
    put("usage/usage.json", _json_bytes(usage_document(stats, districts, generated_at=generated_at)))
    for table in stats.tables:
        rows = _csv_rows(table)
        put(f"usage/{table.spec.name}.csv", _csv_bytes(rows))
        files.append((f"usage/{table.spec.name}.csv", f"{table.spec.title_de} / {table.spec.title_en}", "text/csv"))
        parquet = _parquet_bytes(rows)
        if parquet is not None:
            put(f"usage/{table.spec.name}.parquet", parquet)
            files.append(
                (
                    f"usage/{table.spec.name}.parquet",
                    f"{table.spec.title_en} (Parquet)",
                    "application/vnd.apache.parquet",
                )
            )
    put("usage/districts.geojson", _json_bytes(_district_geojson(stats, districts)))
    files.append(("usage/districts.geojson", "Stadtteile mit Nutzungszahlen / districts", "application/geo+json"))
    for month in stats.months:
        if month in stats.frozen_months:
            continue
        release = {
            "month": month,
            "k": stats.k,
            "tables": {table.spec.name: _line_json(table.line(month)) for table in stats.tables},
        }
        put(f"usage/releases/{month}.json", _json_bytes(release))
    put("dcat.jsonld", _json_bytes(_catalog(stats, settings, files, generated_at.date(), out)))
    validate_export(out)
    return written


def validate_export(out: Path) -> None:
    """Check ``out``'s usage document, CSV files and catalog against the export's JSON Schemas.

    Raises
    ------
    jsonschema.ValidationError
        For the first file that does not validate (the message names the file).
    """
    usage_schema = load_schema("usage")
    checker = jsonschema.Draft202012Validator
    format_checker = checker.FORMAT_CHECKER
    checks: list[tuple[Path, Any, dict[str, Any]]] = [
        (out / "usage" / "usage.json", json.loads((out / "usage" / "usage.json").read_text("utf-8")), usage_schema),
        (out / "dcat.jsonld", json.loads((out / "dcat.jsonld").read_text("utf-8")), load_schema("dcat")),
    ]
    row_schema = {"$ref": "#/$defs/csvRow", "$defs": usage_schema["$defs"]}
    for spec in TABLES:
        path = out / "usage" / f"{spec.name}.csv"
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                typed = {**row, "count": int(row["count"]) if row["count"] else None}
                checks.append((path, typed, row_schema))
    for path, document, schema in checks:
        try:
            checker(schema, format_checker=format_checker).validate(document)
        except jsonschema.ValidationError as exc:
            exc.message = f"{path}: {exc.message}"
            raise


def copy_accessibility(source: Path, out: Path) -> list[Path]:
    """Copy an accessibility run's publishable files (not ``origins.csv``) into ``out/accessibility``."""
    copied = []
    for name in ("indicators.csv", "districts.geojson", "metadata.json"):
        if (source / name).is_file() and (source / name).resolve() != (out / "accessibility" / name).resolve():
            (out / "accessibility").mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / name, out / "accessibility" / name)
            copied.append(out / "accessibility" / name)
    return copied
