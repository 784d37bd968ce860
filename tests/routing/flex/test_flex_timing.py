"""Booking deadlines and ride durations follow booking_rules.txt and the duration factors."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from routing.flex.model import BookingRule, BookingType, FlexStopTime, PickupDropOff, PlaceKind
from routing.flex.timing import booking_window, mean_duration_s, safe_duration_s

BERLIN = ZoneInfo("Europe/Berlin")
DAY = date(2026, 11, 23)
PICKUP = datetime(2026, 11, 23, 20, 0, tzinfo=BERLIN)


def test_same_day_notice_closes_sixty_minutes_before_pickup() -> None:
    rule = BookingRule("r", BookingType.SAME_DAY, prior_notice_min=60)
    window = booking_window(rule, DAY, PICKUP, BERLIN)
    assert window.admits(datetime(2026, 11, 23, 19, 0, tzinfo=BERLIN))
    assert not window.admits(datetime(2026, 11, 23, 19, 0, 1, tzinfo=BERLIN))  # deadline passed


def test_same_day_notice_may_open_late() -> None:
    rule = BookingRule("r", BookingType.SAME_DAY, prior_notice_min=30, prior_notice_max=120)
    window = booking_window(rule, DAY, PICKUP, BERLIN)
    assert not window.admits(datetime(2026, 11, 23, 17, 59, tzinfo=BERLIN))
    assert window.admits(datetime(2026, 11, 23, 18, 0, tzinfo=BERLIN))


def test_prior_day_rule_closes_at_the_clock_time_days_before() -> None:
    rule = BookingRule("r", BookingType.PRIOR_DAYS, last_day=1, last_time_s=17 * 3600, start_day=7, start_time_s=0)
    window = booking_window(rule, DAY, PICKUP, BERLIN)
    assert window.closes == datetime(2026, 11, 22, 17, 0, tzinfo=BERLIN)
    assert window.opens == datetime(2026, 11, 16, 0, 0, tzinfo=BERLIN)
    assert not window.admits(datetime(2026, 11, 22, 17, 1, tzinfo=BERLIN))


def test_real_time_rule_books_until_pickup() -> None:
    window = booking_window(BookingRule("r", BookingType.REAL_TIME), DAY, PICKUP, BERLIN)
    assert window.admits(PICKUP)
    assert not window.admits(datetime(2026, 11, 23, 20, 0, 1, tzinfo=BERLIN))


def test_durations_apply_factor_and_offset() -> None:
    row = FlexStopTime(
        kind=PlaceKind.LOCATION,
        ref="z",
        window_start_s=0,
        window_end_s=3600,
        pickup_type=PickupDropOff.PHONE_AGENCY,
        drop_off_type=PickupDropOff.NONE,
        mean_factor=1.2,
        mean_offset_s=120,
        safe_factor=1.5,
        safe_offset_s=300,
    )
    assert mean_duration_s(row, 600) == 840
    assert safe_duration_s(row, 600) == 1200
