"""GET /plan with mode flex on the demo city's synthetic AST zone: booking facts in de and en."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask.testing import FlaskClient

from app.itinerary_ids import read_itinerary_id
from routing.demo.city import plan_city
from tests.conftest_d.regions import DEMO_FIRST_DAY

BERLIN = ZoneInfo("Europe/Berlin")
CITY = plan_city()
MONDAY = datetime.combine(DEMO_FIRST_DAY, datetime.min.time(), tzinfo=BERLIN)


def _point(row: float, col: float) -> str:
    point = CITY.position(row, col)
    return f"{point.lat},{point.lon}"


def _plan(client: FlaskClient, language: str, **params: str) -> dict:  # type: ignore[type-arg]
    query = {
        "from": _point(10, 10),
        "to": _point(7, 8),
        "time": (MONDAY + timedelta(hours=19)).isoformat(),
        "bookingTime": (MONDAY + timedelta(hours=17)).isoformat(),
        "modes": "walk,flex",
        **params,
    }
    response = client.get("/api/v1/plan", query_string=query, headers={"Accept-Language": language})
    assert response.status_code == 200, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def _flex_leg(body: dict) -> dict:  # type: ignore[type-arg]
    legs = [leg for itinerary in body["itineraries"] for leg in itinerary["legs"] if leg["mode"] == "flex"]
    assert legs, body
    return legs[0]  # type: ignore[no-any-return]


def test_flex_leg_says_how_and_by_when_to_book(client: FlaskClient) -> None:
    leg = _flex_leg(_plan(client, "en"))
    flex = leg["flex"]
    assert flex["routeName"] == "AST 90"
    assert datetime.fromisoformat(flex["bookingDeadline"]) == MONDAY + timedelta(hours=18)
    assert datetime.fromisoformat(flex["bookingTime"]) == MONDAY + timedelta(hours=17)
    assert datetime.fromisoformat(leg["start"]) == MONDAY + timedelta(hours=19)
    assert flex["bookingMethod"] == "online"
    assert flex["bookingUrl"] == "https://example.invalid/demo-ast/book"
    assert flex["bookingInstructions"] == "Book online by 23.11. 18:00: https://example.invalid/demo-ast/book"
    assert flex["pickupWindowText"] == "Pickup between 18:00 and 00:00"
    assert leg["instruction"].startswith("On-demand ride AST 90 to ")
    assert datetime.fromisoformat(flex["latestArrival"]) >= datetime.fromisoformat(leg["end"])


def test_flex_texts_in_german(client: FlaskClient) -> None:
    leg = _flex_leg(_plan(client, "de"))
    assert leg["flex"]["bookingInstructions"].startswith("Online buchen bis 23.11. 18:00")
    assert leg["instruction"].startswith("Mit dem Rufbus/AST AST 90 zu ")


def test_booking_after_the_deadline_moves_the_pickup(client: FlaskClient) -> None:
    body = _plan(client, "en", bookingTime=(MONDAY + timedelta(hours=18, minutes=40)).isoformat())
    leg = _flex_leg(body)
    assert datetime.fromisoformat(leg["start"]) == MONDAY + timedelta(hours=19, minutes=40)


def test_the_signed_id_carries_the_flex_ride(client: FlaskClient) -> None:
    body = _plan(client, "en")
    itinerary = next(it for it in body["itineraries"] if any(leg["mode"] == "flex" for leg in it["legs"]))
    record = read_itinerary_id(itinerary["id"], secret_key=client.application.config["SECRET_KEY"])
    flex = next(leg.flex for leg in record.legs if leg.flex is not None)
    assert flex.trip == "demo:AST90-abend-werktags"
    assert flex.deadline == MONDAY + timedelta(hours=18)


def test_a_bad_booking_time_names_the_parameter(client: FlaskClient) -> None:
    response = client.get(
        "/api/v1/plan",
        query_string={"from": _point(10, 10), "to": _point(7, 8), "modes": "flex", "bookingTime": "tomorrow"},
    )
    assert response.status_code in (400, 422)
    assert "bookingTime" in response.get_data(as_text=True)


def test_the_flex_fare_shows_the_surcharge_the_pass_leaves_out(client: FlaskClient) -> None:
    leg = _flex_leg(_plan(client, "en", passes="mittendrin"))
    fare = leg["fare"]
    assert fare["passId"] == "mittendrin"
    assert (fare["amountCents"], fare["surchargeCents"]) == (150, 150)
    assert fare["surchargeReasonCode"] == "on_demand_surcharge_not_covered"
    assert fare["surchargeReason"] == "AST-Komfortzuschlag (EUR 1.50) is not included in your MittendrinTicket"


def test_companions_pay_the_flex_surcharge_per_person_in_de_and_en(client: FlaskClient) -> None:
    evening = (MONDAY + timedelta(hours=20)).isoformat()
    for language, words in (("en", "EUR 3.00 in all"), ("de", "zusammen 3.00 €")):
        body = _plan(client, language, passes="mittendrin", adults="1", children="1", time=evening)
        itinerary = next(it for it in body["itineraries"] if [leg["mode"] for leg in it["legs"]] == ["flex"])
        companions = itinerary["companions"]
        assert companions["reasonCode"] == "companions_free"  # free on transit under the pass ...
        assert companions["surchargeCents"] == 2 * 150  # ... but the surcharge is per person
        assert companions["amountCents"] == 2 * 150
        assert companions["surchargeReasonCode"] == "companions_on_demand_surcharge"
        assert words in companions["surchargeReason"]
        assert itinerary["price"]["amountCents"] == 150 + 2 * 150
