"""GET /api/v1/plan end to end through the Flask test client, on the demo city."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise

import pytest
from flask.testing import FlaskClient

from app.i18n import LANGUAGES, MESSAGES
from app.itinerary_ids import InvalidItineraryId, read_itinerary_id
from routing.region.region import Region
from tests.app.api.demo_points import MONDAY_8, corner


def plan(client: FlaskClient, region: Region, **params: str) -> dict:  # type: ignore[type-arg]
    query = {"from": corner(region, 0.1, 0.1), "to": corner(region, 0.9, 0.9), "time": MONDAY_8.isoformat(), **params}
    response = client.get("/api/v1/plan", query_string=query, headers={"Accept-Language": "en"})
    assert response.status_code == 200, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def test_walk_and_transit_gives_labelled_pareto_itineraries(client: FlaskClient, demo_region: Region) -> None:
    body = plan(client, demo_region)
    itineraries = body["itineraries"]
    # One itinerary since the whole walk counts: the other one walked 1475 m after its last
    # vehicle (a footpath plus the egress), beyond maxWalkMeters (1200).
    assert len(itineraries) >= 1
    labels = {label for itinerary in itineraries for label in itinerary["labels"]}
    assert {"fastest", "fewest_transfers", "least_walking"} <= labels
    ends = [itinerary["end"] for itinerary in itineraries]
    assert ends == sorted(ends), "best (earliest arrival) first"
    for itinerary in itineraries:
        legs = itinerary["legs"]
        assert legs[0]["from"]["kind"] == "origin" and legs[-1]["to"]["kind"] == "destination"
        assert datetime.fromisoformat(itinerary["start"]) >= MONDAY_8
        for before, after in pairwise(legs):
            assert before["end"] <= after["start"]
            assert (
                before["to"]["stopId"] == after["from"]["stopId"] or before["mode"] == "walk" or after["mode"] == "walk"
            )
        for leg in legs:
            assert leg["geometry"]["type"] == "LineString" and len(leg["geometry"]["coordinates"]) >= 2
            assert leg["durationSeconds"] == round(
                (datetime.fromisoformat(leg["end"]) - datetime.fromisoformat(leg["start"])).total_seconds()
            )
            if leg["mode"] == "transit":
                ride = leg["transit"]
                assert ride["routeShortName"] and ride["headsign"] and ride["agency"].endswith("(synthetic)")
                assert ride["realtime"] is False
                assert leg["from"]["stopId"] and leg["to"]["stopId"]
                assert leg["instruction"].startswith(("Bus", "Tram", "Train", "Line"))
        transit_legs = [leg for leg in legs if leg["mode"] == "transit"]
        assert itinerary["transfers"] == len(transit_legs) - 1
        assert all(leg["distanceMeters"] <= 1200 for leg in legs if leg["mode"] == "walk")
        assert itinerary["walkDistanceMeters"] == pytest.approx(
            sum(leg["distanceMeters"] for leg in legs if leg["mode"] == "walk"), abs=0.5
        )


def test_itinerary_id_is_signed_and_holds_the_legs(client: FlaskClient, demo_region: Region, app) -> None:  # type: ignore[no-untyped-def]
    itinerary = plan(client, demo_region)["itineraries"][0]
    record = read_itinerary_id(itinerary["id"], secret_key=app.config["SECRET_KEY"])
    assert [leg.mode.value for leg in record.legs] == [leg["mode"] for leg in itinerary["legs"]]
    rides = [leg.ride.trip for leg in record.legs if leg.ride is not None]
    assert rides == [leg["transit"]["tripId"] for leg in itinerary["legs"] if leg["mode"] == "transit"]
    tampered = itinerary["id"][:-2] + ("AA" if not itinerary["id"].endswith("AA") else "BB")
    with pytest.raises(InvalidItineraryId):
        read_itinerary_id(tampered, secret_key=app.config["SECRET_KEY"])
    with pytest.raises(InvalidItineraryId):
        read_itinerary_id(itinerary["id"], secret_key="another key")


def test_walk_only_and_bike_only(client: FlaskClient, demo_region: Region) -> None:
    walk = plan(client, demo_region, modes="walk")["itineraries"]
    bike = plan(client, demo_region, modes="bike")["itineraries"]
    assert [leg["mode"] for leg in walk[0]["legs"]] == ["walk"]
    assert [leg["mode"] for leg in bike[0]["legs"]] == ["bike"]
    assert bike[0]["durationSeconds"] < walk[0]["durationSeconds"]
    slow = plan(client, demo_region, modes="walk", walkSpeed="slow")["itineraries"]
    assert slow[0]["durationSeconds"] > walk[0]["durationSeconds"] * 1.5


def test_arrive_by_arrives_in_time_and_leaves_late(client: FlaskClient, demo_region: Region) -> None:
    deadline = MONDAY_8 + timedelta(hours=1)
    itineraries = plan(client, demo_region, time=deadline.isoformat(), arriveBy="true")["itineraries"]
    assert itineraries
    for itinerary in itineraries:
        assert datetime.fromisoformat(itinerary["end"]) <= deadline
    starts = [itinerary["start"] for itinerary in itineraries]
    assert starts == sorted(starts, reverse=True), "latest departure first"


def test_wheelchair_and_slow_walking_apply_to_every_walk(client: FlaskClient, demo_region: Region) -> None:
    normal = plan(client, demo_region)["itineraries"]
    slow = plan(client, demo_region, wheelchair="true", walkSpeed="slow")["itineraries"]
    assert slow
    assert min(i["end"] for i in slow) >= min(i["end"] for i in normal)


def test_geojson_is_a_feature_collection_per_leg(client: FlaskClient, demo_region: Region) -> None:
    query = {"from": corner(demo_region, 0.1, 0.1), "to": corner(demo_region, 0.9, 0.9), "time": MONDAY_8.isoformat()}
    response = client.get("/api/v1/plan", query_string=query, headers={"Accept": "application/geo+json"})
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    body = response.get_json(force=True)
    assert body["type"] == "FeatureCollection" and body["features"]
    for feature in body["features"]:
        assert feature["geometry"]["type"] == "LineString"
        assert {"itineraryId", "legIndex", "mode", "start", "end"} <= set(feature["properties"])


def test_texts_follow_accept_language(client: FlaskClient, demo_region: Region) -> None:
    query = {
        "from": corner(demo_region, 0.1, 0.1),
        "to": corner(demo_region, 0.9, 0.9),
        "time": MONDAY_8.isoformat(),
        "modes": "walk,transit,bikeshare",
    }
    german = client.get("/api/v1/plan", query_string=query, headers={"Accept-Language": "de-DE,de;q=0.9"}).get_json()
    english = client.get("/api/v1/plan", query_string=query, headers={"Accept-Language": "en-GB"}).get_json()
    assert german["language"] == "de" and english["language"] == "en"
    assert german["itineraries"][0]["legs"][0]["instruction"].startswith("Zu Fuß")
    assert english["itineraries"][0]["legs"][0]["instruction"].startswith("Walk")
    assert german["warnings"][0]["code"] == english["warnings"][0]["code"] == "bikeshare_unavailable"
    assert german["warnings"][0]["message"] != english["warnings"][0]["message"]
    for key, texts in MESSAGES.items():
        assert set(texts) == set(LANGUAGES), key


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"modes": "walk,teleport"}, "modes"),
        ({"modes": ""}, "modes"),
        ({"from": "91,9.5"}, "from"),
        ({"time": "yesterday"}, "time"),
        ({"maxWalkMeters": "-5"}, "maxWalkMeters"),
        ({"walkSpeed": "sprint"}, "walkSpeed"),
    ],
)
def test_invalid_parameters_are_named(
    client: FlaskClient, demo_region: Region, params: dict[str, str], field: str
) -> None:
    query = {"from": corner(demo_region, 0.1, 0.1), "to": corner(demo_region, 0.9, 0.9), **params}
    response = client.get("/api/v1/plan", query_string=query)
    assert response.status_code == 400
    body = response.get_json()
    assert response.mimetype == "application/problem+json"
    assert field in {problem["field"] for problem in body["errors"]}


def test_points_off_the_network_and_times_off_the_timetable_are_422(client: FlaskClient, demo_region: Region) -> None:
    far = client.get(
        "/api/v1/plan",
        query_string={"from": "0.5,0.5", "to": corner(demo_region, 0.9, 0.9), "time": MONDAY_8.isoformat()},
    )
    assert far.status_code == 422
    assert far.get_json()["errors"][0]["field"] == "from"
    late = client.get(
        "/api/v1/plan",
        query_string={
            "from": corner(demo_region, 0.1, 0.1),
            "to": corner(demo_region, 0.9, 0.9),
            "time": (MONDAY_8 + timedelta(days=400)).isoformat(),
        },
    )
    assert late.status_code == 422
    assert late.get_json()["errors"][0]["field"] == "time"


def test_stop_search_by_name_is_german_aware(client: FlaskClient, demo_region: Region) -> None:
    names = sorted({demo_region.timetable.stop_name[i] for i in range(len(demo_region.timetable.stop_id))}, key=len)
    name = names[-1]
    exact = client.get("/api/v1/stops", query_string={"q": name}).get_json()["stops"]
    assert exact and exact[0]["name"] == name and exact[0]["score"] == 100
    words = name.split()
    prefix = client.get("/api/v1/stops", query_string={"q": words[0][:4]}).get_json()["stops"]
    assert any(stop["name"] == name or stop["name"].startswith(words[0][:4]) for stop in prefix)
    centre = corner(demo_region, 0.5, 0.5)
    both = client.get("/api/v1/stops", query_string={"q": words[0], "near": centre, "radius": 5000}).get_json()["stops"]
    assert both and all(stop["distanceMeters"] <= 5000 and stop["score"] >= 70 for stop in both)
    listed = client.get("/api/v1/stops", query_string={"limit": 5}).get_json()["stops"]
    assert [stop["name"] for stop in listed] == sorted(stop["name"] for stop in listed) and len(listed) == 5


def test_departure_board_lists_next_trips(client: FlaskClient, demo_region: Region) -> None:
    near = client.get("/api/v1/stops", query_string={"near": corner(demo_region, 0.5, 0.5), "radius": 2000}).get_json()
    stop_id = near["stops"][0]["id"]
    board = client.get(f"/api/v1/stops/{stop_id}/departures", query_string={"time": MONDAY_8.isoformat(), "limit": 5})
    assert board.status_code == 200, board.get_json()
    departures = board.get_json()["departures"]
    assert 0 < len(departures) <= 5
    times = [item["expected"] for item in departures]
    assert times == sorted(times)
    for item in departures:
        assert datetime.fromisoformat(item["scheduled"]) >= MONDAY_8
        assert item["delaySeconds"] == 0 and not item["realtime"] and not item["cancelled"]
    missing = client.get("/api/v1/stops/nope:nothing/departures")
    assert missing.status_code == 404


def test_at_night_the_bike_beats_the_first_bus_and_a_transit_only_plan_says_it_waits_long(
    client: FlaskClient, demo_region: Region
) -> None:
    night = (MONDAY_8 - timedelta(hours=8, minutes=3) + timedelta(days=1, hours=1, minutes=37)).isoformat()
    with_bike = plan(client, demo_region, time=night, modes="walk,bike,transit")
    assert [it["modes"] for it in with_bike["itineraries"]] == [["bike"]]
    assert with_bike["itineraries"][0]["longWait"] is False and with_bike["itineraries"][0]["labels"]
    only_transit = plan(client, demo_region, time=night, modes="transit")
    assert only_transit["itineraries"] and all(it["longWait"] for it in only_transit["itineraries"])
    assert all(it["labels"] for it in only_transit["itineraries"])
    first = only_transit["itineraries"][0]
    assert datetime.fromisoformat(first["start"]).hour >= 4  # leaves in the morning, not at 01:37
    assert first["durationSeconds"] < 3600
    codes = {warning["code"]: warning["message"] for warning in only_transit["warnings"]}
    assert codes["long_wait"] == MESSAGES["warning.long_wait"]["en"]
