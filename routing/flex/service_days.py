"""Which dates a GTFS service id runs on, from calendar.txt and calendar_dates.txt."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from routing.errors import InputDataError
from routing.flex.tables import Table

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _date(table: Table, line: int, column: str, text: str) -> date:
    try:
        return datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        raise InputDataError(table.path, f"line {line}: {column} {text!r} is not a date YYYYMMDD") from None


def service_dates(calendar: Table, calendar_dates: Table, window: list[date]) -> dict[str, set[date]]:
    """Service id -> the dates of ``window`` it runs on.

    Raises
    ------
    InputDataError
        Naming file, line and field of a malformed date, weekday flag or exception type.
    """
    running: dict[str, set[date]] = {}
    for line, row in calendar.rows:
        service = calendar.value(row, "service_id")
        start = _date(calendar, line, "start_date", calendar.value(row, "start_date"))
        end = _date(calendar, line, "end_date", calendar.value(row, "end_date"))
        flags = []
        for day in WEEKDAYS:
            flag = calendar.value(row, day)
            if flag not in ("0", "1"):
                raise InputDataError(calendar.path, f"line {line}: {day} {flag!r} must be 0 or 1")
            flags.append(flag == "1")
        days = running.setdefault(service, set())
        days.update(d for d in window if start <= d <= end and flags[d.weekday()])
    for line, row in calendar_dates.rows:
        service = calendar_dates.value(row, "service_id")
        exception_day = _date(calendar_dates, line, "date", calendar_dates.value(row, "date"))
        kind = calendar_dates.value(row, "exception_type")
        days = running.setdefault(service, set())
        if kind == "1":
            if window[0] <= exception_day <= window[-1]:
                days.add(exception_day)
        elif kind == "2":
            days.discard(exception_day)
        else:
            raise InputDataError(calendar_dates.path, f"line {line}: exception_type {kind!r} must be 1 or 2")
    return running


def window_days(first_day: date, days: int) -> list[date]:
    """The service days a region covers: the day before ``first_day`` (after-midnight trips) on."""
    day0 = first_day - timedelta(days=1)
    return [day0 + timedelta(days=i) for i in range(days + 1)]
