"""Pass-aware fares: every rule of the MittendrinTicket and the tariff, on hand-made rides and zones."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from routing.demo.write_fares import fares_document
from routing.errors import InputDataError
from routing.fares.config import parse_fare_config
from routing.fares.engine import FareCalculator, HeldPass, Travellers
from routing.fares.zones import Zone, ZoneIndex
from routing.planner.itinerary import Itinerary, Leg, Place, RideDetails
from routing.planner.request import Mode

BERLIN = ZoneInfo("Europe/Berlin")
ZONES = [
    Zone("nvv", "NVV", "tariff_area"),
    Zone("kasselplus", "KasselPlus", "tariff_area"),
    Zone("kassel", "Stadt Kassel", "municipality"),
    Zone("vellmar", "Vellmar", "municipality"),
    Zone("hofgeismar", "Hofgeismar", "municipality"),
]
#                 nvv  plus  kassel vellmar hofgeismar
STOPS = {
    "K1": (True, True, True, False, False),
    "K2": (True, True, True, False, False),
    "K3": (True, True, True, False, False),
    "K4": (True, True, True, False, False),
    "V1": (True, True, False, True, False),
    "H1": (True, False, False, False, True),
    "H2": (True, False, False, False, True),
}
IDS = list(STOPS)
MITTENDRIN_NOVEMBER = HeldPass("mittendrin", date(2026, 11, 1), date(2026, 11, 30))
WEEKDAY = datetime(2026, 11, 24, tzinfo=BERLIN)  # a Tuesday
SATURDAY = datetime(2026, 11, 28, tzinfo=BERLIN)
CORPUS_CHRISTI = datetime(2026, 6, 4, tzinfo=BERLIN)  # Fronleichnam, a Hessian public holiday (a Thursday)


def calculator(**changes: object) -> FareCalculator:
    config = parse_fare_config(fares_document())
    config = replace(config, **changes)  # type: ignore[arg-type]
    matrix = np.array([STOPS[stop] for stop in IDS], dtype=np.bool_)
    return FareCalculator(config, ZoneIndex(ZONES, matrix), {stop: i for i, stop in enumerate(IDS)}, "Europe/Berlin")


def place(stop: str) -> Place:
    return Place(name=stop, lat=51.3, lon=9.5, kind="stop", stop_id=stop)


def ride(board: datetime, *stops: str, minutes: int = 10) -> Leg:
    details = RideDetails(
        trip_id="t",
        route_id="r",
        route_short_name="1",
        route_long_name="",
        route_type=3,
        agency="KVG",
        headsign="",
        service_day=board.date(),
        intermediate_stops=[place(stop) for stop in stops[1:-1]],
        realtime=False,
        scheduled_start=board,
        scheduled_end=board + timedelta(minutes=minutes),
    )
    return Leg(
        mode=Mode.TRANSIT,
        origin=place(stops[0]),
        destination=place(stops[-1]),
        start=board,
        end=board + timedelta(minutes=minutes),
        distance_m=1000,
        geometry=[],
        ride=details,
    )


def trip(*legs: Leg) -> Itinerary:
    return Itinerary(legs=list(legs))


def at(day: datetime, hh: int, mm: int) -> datetime:
    return day.replace(hour=hh, minute=mm)


def test_without_a_pass_one_single_ticket_covers_every_ride_of_the_trip() -> None:
    fares = calculator()
    inside_kassel = fares.price(
        trip(ride(at(WEEKDAY, 10, 0), "K1", "K2", "K3", "K4", "K1"), ride(at(WEEKDAY, 10, 20), "K1", "K2"))
    )
    assert inside_kassel.total_cents == 320 and inside_kassel.ticket_level == "stadt_kassel"
    assert [leg.reason.code for leg in inside_kassel.legs] == ["single_ticket", "ticket_included"]
    short = fares.price(trip(ride(at(WEEKDAY, 10, 0), "K1", "K2", "K3")))
    assert (short.ticket_level, short.total_cents) == ("kurzstrecke", 210)
    plus = fares.price(trip(ride(at(WEEKDAY, 10, 0), "K1", "K2", "K3", "K4", "V1")))
    assert (plus.ticket_level, plus.total_cents) == ("kasselplus", 420)
    out = fares.price(trip(ride(at(WEEKDAY, 10, 0), "K1", "V1", "H1")))
    assert (out.ticket_level, out.total_cents) == ("ps3", 520)


def test_mittendrin_covers_kasselplus_all_day() -> None:
    fare = calculator().price(trip(ride(at(WEEKDAY, 8, 0), "K1", "K2", "V1")), [MITTENDRIN_NOVEMBER])
    assert fare.total_cents == 0
    (leg,) = fare.legs
    assert (
        leg.reason.code == "pass_in_area" and leg.reason.params["area"] == "KasselPlus" and leg.pass_id == "mittendrin"
    )


def test_boarding_at_18_55_and_leaving_kasselplus_at_19_05_needs_a_ticket() -> None:
    fare = calculator().price(trip(ride(at(WEEKDAY, 18, 55), "V1", "H1", minutes=10)), [MITTENDRIN_NOVEMBER])
    (leg,) = fare.legs
    assert fare.total_cents == 520 and fare.ticket_level == "ps3"
    assert leg.reason.code == "outside_area_before_window"
    assert leg.reason.params == {
        "pass": "MittendrinTicket",
        "area": "KasselPlus",
        "level": "ps3",
        "from": "19:00",
    }
    later = calculator().price(trip(ride(at(WEEKDAY, 19, 0), "V1", "H1")), [MITTENDRIN_NOVEMBER])
    assert later.total_cents == 0 and later.legs[0].reason.code == "pass_network_window"
    assert later.legs[0].reason.params["day"] == "weekday" and later.legs[0].reason.params["from"] == "19:00"


def test_on_a_hessian_holiday_and_on_saturday_the_whole_nvv_area_all_day() -> None:
    june = HeldPass("mittendrin", date(2026, 6, 1), date(2026, 6, 30))
    holiday = calculator().price(trip(ride(at(CORPUS_CHRISTI, 18, 55), "V1", "H1")), [june])
    assert holiday.total_cents == 0 and holiday.legs[0].reason.params["day"] == "holiday"
    normal_thursday = calculator().price(trip(ride(at(CORPUS_CHRISTI, 18, 55) + timedelta(days=7), "V1", "H1")), [june])
    assert normal_thursday.total_cents == 520
    saturday = calculator().price(trip(ride(at(SATURDAY, 9, 0), "V1", "H1")), [MITTENDRIN_NOVEMBER])
    assert saturday.total_cents == 0 and saturday.legs[0].reason.params["day"] == "saturday"
    strict = calculator(saturday_is_weekend=False).price(
        trip(ride(at(SATURDAY, 9, 0), "V1", "H1")), [MITTENDRIN_NOVEMBER]
    )
    assert strict.total_cents == 520 and strict.legs[0].reason.code == "outside_area_before_window"


def test_across_midnight_at_the_end_of_the_month_the_operating_day_decides() -> None:
    last_evening = datetime(2026, 11, 30, 23, 50, tzinfo=BERLIN)
    fares = calculator()
    assert fares.price(trip(ride(last_evening, "V1", "H1")), [MITTENDRIN_NOVEMBER]).total_cents == 0
    after_midnight = fares.price(trip(ride(last_evening + timedelta(minutes=30), "V1", "H1")), [MITTENDRIN_NOVEMBER])
    assert after_midnight.total_cents == 0  # 00:20 on 1 December still belongs to the 30 November operating day
    morning = fares.price(trip(ride(datetime(2026, 12, 1, 7, 0, tzinfo=BERLIN), "K1", "K2")), [MITTENDRIN_NOVEMBER])
    assert morning.total_cents == 210 and morning.legs[0].reason.code == "pass_not_valid_then"


def test_a_pass_expiring_mid_trip_covers_only_the_rides_boarded_while_valid() -> None:
    fare = calculator().price(
        trip(
            ride(datetime(2026, 12, 1, 2, 50, tzinfo=BERLIN), "K1", "K2", "K3", "K4"),
            ride(datetime(2026, 12, 1, 3, 10, tzinfo=BERLIN), "K4", "K1", "K2", "K3", "V1"),
        ),
        [MITTENDRIN_NOVEMBER],
    )
    first, second = fare.legs
    assert first.cents == 0 and first.reason.code == "pass_in_area"
    assert second.cents == 420 and second.reason.code == "pass_not_valid_then"
    assert second.reason.params["until"] == "2026-11-30"


def test_a_user_with_two_passes_gets_the_one_that_covers() -> None:
    passes = [MITTENDRIN_NOVEMBER, HeldPass("deutschlandticket", date(2026, 11, 1), date(2026, 11, 30))]
    fare = calculator().price(trip(ride(at(WEEKDAY, 10, 0), "K1", "V1", "H1")), passes)
    assert fare.total_cents == 0 and fare.legs[0].reason.code == "pass_everywhere"
    assert fare.legs[0].pass_id == "deutschlandticket"
    inside = calculator().price(trip(ride(at(WEEKDAY, 10, 0), "K1", "K2")), passes)
    assert inside.legs[0].pass_id in {"mittendrin", "deutschlandticket"} and inside.total_cents == 0


def test_companions_ride_free_in_the_evening_and_pay_by_day() -> None:
    family = Travellers(adults=1, children=2)
    weekend = calculator().price(trip(ride(at(SATURDAY, 11, 0), "V1", "H1")), [MITTENDRIN_NOVEMBER], family)
    assert weekend.total_cents == 0 and weekend.companions_reason is not None
    assert weekend.companions_reason.code == "companions_free"
    two_adults = calculator().price(
        trip(ride(at(SATURDAY, 11, 0), "V1", "H1")), [MITTENDRIN_NOVEMBER], Travellers(adults=2)
    )
    assert two_adults.companions_cents == 520  # only one more adult rides free
    by_day = calculator().price(
        trip(ride(at(WEEKDAY, 11, 0), "K1", "K2", "K3", "K4", "V1")), [MITTENDRIN_NOVEMBER], family
    )
    assert by_day.legs[0].cents == 0
    assert by_day.companions_cents == 420 + 2 * 250 and by_day.companions_reason is not None
    assert by_day.companions_reason.code == "companions_tickets"


def test_fare_files_are_validated_field_by_field() -> None:
    broken = fares_document()
    broken["tariff"]["zone_levels"]["hofgeismar"] = "ps9"
    with pytest.raises(InputDataError, match="unknown level 'ps9'"):
        parse_fare_config(broken)
    broken = fares_document()
    broken["passes"][0]["extended_windows"][0]["from"] = "7pm"
    with pytest.raises(InputDataError, match=r"passes\[0\].extended_windows\[0\].from"):
        parse_fare_config(broken)
    broken = fares_document()
    broken["passes"][0]["price_cents"] = "35"
    with pytest.raises(InputDataError, match=r"passes\[0\].price_cents"):
        parse_fare_config(broken)
