"""``booking_rules.txt``: how and when each flex ride is booked (GTFS-Flex v2, and the drafts' variants)."""

from __future__ import annotations

from dataclasses import replace

from routing.errors import InputDataError
from routing.flex.fields import parse_int_in, parse_minutes, parse_time, require_column
from routing.flex.model import (
    BookingRule,
    BookingType,
)
from routing.flex.tables import Table


def read_booking_rules(table: Table, name: str, drafts: set[str]) -> dict[str, BookingRule]:
    """The booking rules of ``table`` by namespaced id; draft spellings are noted in ``drafts``."""
    require_column(table, "booking_rule_id")
    require_column(table, "booking_type")
    rules: dict[str, BookingRule] = {}
    for line, row in table.rows:
        rule_id = table.value(row, "booking_rule_id")
        if not rule_id:
            raise InputDataError(table.path, f"line {line}: booking_rule_id is empty")
        key = f"{name}:{rule_id}"
        if key in rules:
            raise InputDataError(table.path, f"line {line}: booking_rule_id {rule_id!r} repeats")
        kind = BookingType(parse_int_in(table, line, "booking_type", table.value(row, "booking_type"), range(3)))

        def optional_minutes(column: str, row: dict[str, str] = row, line: int = line) -> int | None:
            text = table.value(row, column)
            return None if not text else round(parse_minutes(table, line, column, text, drafts))

        def optional_int(column: str, row: dict[str, str] = row, line: int = line) -> int | None:
            text = table.value(row, column)
            if not text:
                return None
            if not text.isdigit():
                raise InputDataError(table.path, f"line {line}: {column} {text!r} must be a whole number of days")
            return int(text)

        def optional_time(column: str, row: dict[str, str] = row, line: int = line) -> int | None:
            text = table.value(row, column)
            return None if not text else parse_time(table, line, column, text)

        rule = BookingRule(
            rule_id=key,
            booking_type=kind,
            prior_notice_min=optional_minutes("prior_notice_duration_min"),
            prior_notice_max=optional_minutes("prior_notice_duration_max"),
            start_day=optional_int("prior_notice_start_day"),
            start_time_s=optional_time("prior_notice_start_time"),
            last_day=optional_int("prior_notice_last_day"),
            last_time_s=optional_time("prior_notice_last_time"),
            message=table.value(row, "message"),
            pickup_message=table.value(row, "pickup_message"),
            drop_off_message=table.value(row, "drop_off_message"),
            phone_number=table.value(row, "phone_number"),
            info_url=table.value(row, "info_url"),
            booking_url=table.value(row, "booking_url"),
        )
        if kind is BookingType.SAME_DAY and rule.prior_notice_min is None:
            raise InputDataError(
                table.path, f"line {line}: prior_notice_duration_min is required when booking_type is 1"
            )
        if kind is BookingType.PRIOR_DAYS and rule.last_day is None and rule.prior_notice_min is not None:
            drafts.add(
                f"{table.path}: booking_type 2 with prior_notice_duration_min and no prior_notice_last_day "
                "(GTFS-Flex draft); read as booking_type 1 with that notice"
            )
            rule = replace(rule, booking_type=BookingType.SAME_DAY)
        elif kind is BookingType.PRIOR_DAYS and rule.last_day is None:
            raise InputDataError(table.path, f"line {line}: prior_notice_last_day is required when booking_type is 2")
        if rule.last_day is not None and rule.last_time_s is None:
            drafts.add(
                f"{table.path}: prior_notice_last_day without the required prior_notice_last_time; "
                "read as 00:00:00 of that day (the earliest deadline it can mean)"
            )
            rule = replace(rule, last_time_s=0)
        if rule.start_day is not None and rule.start_time_s is None:
            raise InputDataError(
                table.path, f"line {line}: prior_notice_start_time is required with prior_notice_start_day"
            )
        if (
            rule.prior_notice_min is not None
            and rule.prior_notice_max is not None
            and rule.prior_notice_max < rule.prior_notice_min
        ):
            raise InputDataError(
                table.path, f"line {line}: prior_notice_duration_max is less than prior_notice_duration_min"
            )
        rules[key] = rule
    return rules
