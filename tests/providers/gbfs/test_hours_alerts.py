"""GBFS ``system_hours`` and ``system_alerts``: when a system rents, what riders are told, clear errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from providers.errors import FeedError
from providers.gbfs._fields import FeedPlace
from providers.gbfs.feeds import default_form_factor, parse_system_alerts, parse_system_hours
from providers.model import FormFactor, SystemHours, SystemInfo

HOURS = FeedPlace("test", "system_hours")
ALERTS = FeedPlace("test", "system_alerts")


def _hours(*entries: dict[str, object], timezone: str = "Europe/Berlin") -> SystemHours:
    return parse_system_hours({"data": {"rental_hours": list(entries)}}, HOURS, timezone=timezone)


def test_a_night_past_midnight_is_open_the_next_morning() -> None:
    hours = _hours({"user_types": ["member"], "days": ["fri"], "start_time": "20:00:00", "end_time": "26:00:00"})
    friday_late = datetime(2025, 3, 14, 22, 0, tzinfo=UTC)  # 23:00 local
    saturday_one = datetime(2025, 3, 15, 0, 0, tzinfo=UTC)  # 01:00 local
    saturday_three = datetime(2025, 3, 15, 2, 0, tzinfo=UTC)  # 03:00 local
    assert hours.open_at(friday_late) and hours.open_at(saturday_one)
    assert not hours.open_at(saturday_three)


def test_any_entry_opens_the_system() -> None:
    hours = _hours(
        {"user_types": ["member"], "days": ["mon"], "start_time": "09:00:00", "end_time": "12:00:00"},
        {"user_types": ["nonmember"], "days": ["mon"], "start_time": "14:00:00", "end_time": "16:00:00"},
    )
    monday = [datetime(2025, 3, 10, hour, 30, tzinfo=UTC) for hour in (8, 11, 13, 15)]  # local +1
    assert [hours.open_at(moment) for moment in monday] == [True, False, True, False]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"days": ["monday"], "start_time": "09:00:00", "end_time": "10:00:00"}, r"rental_hours\[0\]\.days"),
        ({"days": ["mon"], "start_time": "9 am", "end_time": "10:00:00"}, r"rental_hours\[0\]\.start_time"),
        ({"days": ["mon"], "start_time": "10:00:00", "end_time": "09:00:00"}, r"rental_hours\[0\]\.end_time"),
    ],
)
def test_malformed_hours_name_the_field(entry: dict[str, object], message: str) -> None:
    with pytest.raises(FeedError, match=message):
        _hours(entry)


def test_alerts_in_2_3_and_3_0_with_their_periods() -> None:
    v2 = {
        "alert_id": "a",
        "type": "station_closure",
        "summary": "Station zu",
        "station_ids": ["s1"],
        "times": [{"start": 1741600000, "end": 1741700000}],
    }
    v3 = {
        "alert_id": "b",
        "type": "system_closure",
        "summary": [{"text": "Betriebsruhe", "language": "de"}],
        "times": [{"start": "2025-03-10T00:00:00+01:00"}],
    }
    first, second = parse_system_alerts({"data": {"alerts": [v2, v3]}}, ALERTS)
    assert (first.kind, first.station_ids, second.summary) == ("station_closure", ("s1",), "Betriebsruhe")
    assert first.active_at(datetime.fromtimestamp(1741650000, UTC))
    assert not first.active_at(datetime.fromtimestamp(1741700000, UTC))
    assert second.active_at(datetime(2030, 1, 1, tzinfo=UTC)) and not second.active_at(datetime(2025, 1, 1, tzinfo=UTC))


def test_an_alert_without_summary_is_refused() -> None:
    with pytest.raises(FeedError, match=r"alerts\[0\]\.summary"):
        parse_system_alerts({"data": {"alerts": [{"alert_id": "x", "type": "other"}]}}, ALERTS)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Stadtmobil Stuttgart", FormFactor.CAR), ("CarSharing Renningen", FormFactor.CAR), ("Stadtrad", None)],
)
def test_the_operator_kind_from_system_information(name: str, expected: FormFactor | None) -> None:
    assert default_form_factor(SystemInfo("s", name, "Europe/Berlin")) is expected
