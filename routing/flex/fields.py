"""Field values of GTFS-Flex files: times, numbers, minutes and codes, with errors that name file, line and field."""

from __future__ import annotations

import re

from routing.errors import InputDataError
from routing.flex.tables import Table

TIME = re.compile(r"^(\d{1,3}):([0-5]\d):([0-5]\d)$")


def parse_time(table: Table, line: int, column: str, text: str) -> int:
    """``H:MM:SS`` (hours may pass 24) as seconds.

    Raises
    ------
    InputDataError
        Naming file, line and field when ``text`` is not such a time.
    """
    match = TIME.match(text)
    if match is None:
        raise InputDataError(table.path, f"line {line}: {column} {text!r} is not a time of the form H:MM:SS")
    hours, minutes, seconds = (int(part) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def parse_number(table: Table, line: int, column: str, text: str, *, minimum: float = 0.0) -> float:
    """``text`` as a number of at least ``minimum``, or an error naming file, line and field."""
    try:
        value = float(text)
    except ValueError:
        raise InputDataError(table.path, f"line {line}: {column} {text!r} is not a number") from None
    if not value >= minimum:
        raise InputDataError(table.path, f"line {line}: {column} {text!r} must be at least {minimum:g}")
    return value


def parse_minutes(table: Table, line: int, column: str, text: str, drafts: set[str]) -> float:
    """Minutes as the spec writes them, or an ``H:MM:SS`` duration of the drafts (noted in ``drafts``)."""
    if TIME.match(text):
        drafts.add(f"{table.path}: {column} written as H:MM:SS (GTFS-Flex draft); read as a duration")
        return parse_time(table, line, column, text) / 60
    return parse_number(table, line, column, text)


def parse_int_in(table: Table, line: int, column: str, text: str, allowed: range) -> int:
    """``text`` as one of the codes in ``allowed``, or an error naming file, line and field."""
    if not text.isdigit() or int(text) not in allowed:
        raise InputDataError(
            table.path, f"line {line}: {column} {text!r} must be one of {', '.join(map(str, allowed))}"
        )
    return int(text)


def require_column(table: Table, column: str) -> None:
    """Refuse a table with rows but without ``column``."""
    if table.rows and column not in table.columns:
        raise InputDataError(table.path, f"required column(s) missing: {column}")
