"""The spec's timing rules of a flex ride: when it can be booked, and how long it takes.

Booking (``booking_rules.txt``): real-time rules take bookings up to the pickup;
same-day rules up to ``prior_notice_duration_min`` before it (and not earlier than
``prior_notice_duration_max``); prior-day rules until ``prior_notice_last_time`` of
``prior_notice_last_day`` days before the service day (and not before
``prior_notice_start_time`` of ``prior_notice_start_day`` days before). Durations: the
car's time on the streets times ``*_duration_factor`` plus ``*_duration_offset``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from routing.flex.model import BookingRule, BookingType, FlexStopTime


@dataclass(frozen=True)
class BookingWindow:
    """From when to when a ride can be booked (aware datetimes; ``opens`` None: no earliest time)."""

    opens: datetime | None
    closes: datetime

    def admits(self, moment: datetime) -> bool:
        """True when a booking made at ``moment`` is accepted."""
        return (self.opens is None or self.opens <= moment) and moment <= self.closes


def _local(day: date, seconds: int, zone: ZoneInfo) -> datetime:
    """``seconds`` after local midnight of ``day`` (booking rule times are clock times)."""
    return datetime.combine(day, time(0), tzinfo=zone) + timedelta(seconds=seconds)


def booking_window(rule: BookingRule, service_day: date, pickup: datetime, zone: ZoneInfo) -> BookingWindow:
    """When a ride picked up at ``pickup`` on ``service_day`` can be booked under ``rule``."""
    if rule.booking_type is BookingType.REAL_TIME:
        return BookingWindow(opens=None, closes=pickup)
    if rule.booking_type is BookingType.SAME_DAY:
        closes = pickup - timedelta(minutes=rule.prior_notice_min or 0)
        opens = None if rule.prior_notice_max is None else pickup - timedelta(minutes=rule.prior_notice_max)
        return BookingWindow(opens=opens, closes=closes)
    closes = _local(service_day - timedelta(days=rule.last_day or 0), rule.last_time_s or 0, zone)
    opens = None
    if rule.start_day is not None:
        opens = _local(service_day - timedelta(days=rule.start_day), rule.start_time_s or 0, zone)
    return BookingWindow(opens=opens, closes=closes)


def mean_duration_s(board: FlexStopTime, car_s: float) -> float:
    """Expected in-vehicle seconds (the boarding row's mean factor and offset)."""
    return board.mean_factor * car_s + board.mean_offset_s


def safe_duration_s(board: FlexStopTime, car_s: float) -> float:
    """Upper estimate of in-vehicle seconds, for planning transfers."""
    return board.safe_factor * car_s + board.safe_offset_s
