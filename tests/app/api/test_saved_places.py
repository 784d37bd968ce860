"""Saved places (/me/places): CRUD, one home and one work, out of other accounts' reach.

Also ``place:<id>`` as from/to of /plan, the GDPR export and deletion.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jsonschema_rs
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.extensions import db
from app.models import SavedPlace
from routing.region.region import Region
from tests.app.api.demo_points import MONDAY_8, corner
from tests.conftest_d.accounts import SignedIn

PLACES = "/api/v1/me/places"


def save(client: FlaskClient, who: SignedIn, **place: Any) -> Any:
    return client.post(PLACES, headers=who.headers, json={"kind": "favourite", "name": "Oma", **place})


def test_home_work_and_favourites_are_kept_listed_changed_and_forgotten(
    app: Flask, client: FlaskClient, sign_in: Callable[..., SignedIn]
) -> None:
    anna = sign_in(app)
    made = [
        save(client, anna, kind="favourite", name="Sportverein", lat=51.30, lon=9.45),
        save(client, anna, kind="work", name="Büro", lat=51.3155, lon=9.4915),
        save(client, anna, kind="home", name="Zuhause", lat=51.3127, lon=9.4797),
        save(client, anna, kind="favourite", name="Oma", lat=51.32, lon=9.50),
    ]
    assert [r.status_code for r in made] == [201] * 4, [r.get_json() for r in made]
    home = made[2].get_json()
    assert home["kind"] == "home" and home["ref"] == f"place:{home['id']}" and len(home["id"]) == 32
    listed = client.get(PLACES, headers=anna.headers).get_json()["places"]
    assert [(p["kind"], p["name"]) for p in listed] == [
        ("home", "Zuhause"),
        ("work", "Büro"),
        ("favourite", "Oma"),
        ("favourite", "Sportverein"),
    ]
    second_home = save(client, anna, kind="home", name="Ferienwohnung", lat=51.0, lon=9.0)
    assert second_home.status_code == 409
    favourite_id = made[3].get_json()["id"]
    assert client.patch(f"{PLACES}/{favourite_id}", headers=anna.headers, json={"kind": "work"}).status_code == 409
    changed = client.patch(f"{PLACES}/{favourite_id}", headers=anna.headers, json={"name": "Oma Inge", "lat": 51.33})
    assert changed.status_code == 200
    assert (changed.get_json()["name"], changed.get_json()["lat"], changed.get_json()["lon"]) == (
        "Oma Inge",
        51.33,
        9.5,
    )
    assert client.get(f"{PLACES}/{favourite_id}", headers=anna.headers).get_json()["name"] == "Oma Inge"
    assert client.delete(f"{PLACES}/{favourite_id}", headers=anna.headers).status_code == 204
    assert client.get(f"{PLACES}/{favourite_id}", headers=anna.headers).status_code == 404
    assert len(client.get(PLACES, headers=anna.headers).get_json()["places"]) == 3


def test_bad_places_are_refused_naming_the_field(
    app: Flask, client: FlaskClient, sign_in: Callable[..., SignedIn]
) -> None:
    anna = sign_in(app)
    for body, field in (
        ({"lat": 91.0, "lon": 9.0}, "lat"),
        ({"lat": 51.0, "lon": -181.0}, "lon"),
        ({"lat": 51.0, "lon": 9.0, "kind": "garden"}, "kind"),
        ({"lat": 51.0, "lon": 9.0, "name": "   "}, "name"),
    ):
        response = save(client, anna, **body)
        assert response.status_code == 422, body
        assert [e["field"] for e in response.get_json()["errors"]] == [field]


def test_another_account_cannot_see_change_or_delete_a_place(
    app: Flask, client: FlaskClient, sign_in: Callable[..., SignedIn]
) -> None:
    anna, ben = sign_in(app), sign_in(app)
    place = save(client, anna, kind="home", name="Zuhause", lat=51.31, lon=9.48).get_json()
    assert client.get(f"{PLACES}/{place['id']}", headers=ben.headers).status_code == 404
    assert client.patch(f"{PLACES}/{place['id']}", headers=ben.headers, json={"name": "x"}).status_code == 404
    assert client.delete(f"{PLACES}/{place['id']}", headers=ben.headers).status_code == 404
    assert client.get(PLACES, headers=ben.headers).get_json()["places"] == []
    assert client.get(f"{PLACES}/{place['id']}", headers=anna.headers).get_json()["name"] == "Zuhause"
    # ben may save a home of his own: one home per account, not per address
    assert save(client, ben, kind="home", name="Zuhause", lat=51.31, lon=9.48).status_code == 201


def _plan(client: FlaskClient, headers: dict[str, str], origin: str, destination: str) -> Any:
    return client.get(
        "/api/v1/plan",
        query_string={"from": origin, "to": destination, "time": MONDAY_8.isoformat()},
        headers=headers | {"Accept-Language": "en"},
    )


def _trips(body: dict[str, Any]) -> list[Any]:
    return [
        (it["start"], it["end"], [(leg["mode"], leg["from"]["lat"], leg["from"]["lon"]) for leg in it["legs"]])
        for it in body["itineraries"]
    ]


def test_plan_takes_saved_places_as_from_and_to(
    app: Flask, client: FlaskClient, sign_in: Callable[..., SignedIn], demo_region: Region
) -> None:
    anna = sign_in(app)
    start, end = corner(demo_region, 0.1, 0.1), corner(demo_region, 0.9, 0.9)
    (lat1, lon1), (lat2, lon2) = (map(float, start.split(",")), map(float, end.split(",")))
    home = save(client, anna, kind="home", name="Zuhause", lat=lat1, lon=lon1).get_json()
    work = save(client, anna, kind="work", name="Büro", lat=lat2, lon=lon2).get_json()
    by_coordinates = _plan(client, {}, start, end)
    by_places = _plan(client, anna.headers, home["ref"], work["ref"])
    mixed = _plan(client, anna.headers, home["ref"], end)
    assert by_coordinates.status_code == by_places.status_code == mixed.status_code == 200, by_places.get_json()
    assert by_coordinates.get_json()["itineraries"], "the demo city must give itineraries"
    assert _trips(by_places.get_json()) == _trips(by_coordinates.get_json()) == _trips(mixed.get_json())


def test_plan_refuses_saved_places_it_cannot_use_naming_the_parameter(
    app: Flask, client: FlaskClient, sign_in: Callable[..., SignedIn], demo_region: Region
) -> None:
    anna, ben = sign_in(app), sign_in(app)
    home = save(client, anna, kind="home", name="Zuhause", lat=51.31, lon=9.48).get_json()
    end = corner(demo_region, 0.9, 0.9)
    anonymous = _plan(client, {}, home["ref"], end)
    assert anonymous.status_code == 401 and "from" in anonymous.get_json()["detail"]
    someone_else = _plan(client, ben.headers, end, home["ref"])
    assert someone_else.status_code == 422
    assert someone_else.get_json()["type"] == "urn:kassel-mobility:problem:unknown-place"
    assert someone_else.get_json()["errors"][0]["field"] == "to"
    malformed = _plan(client, anna.headers, "place:home", end)
    assert malformed.status_code == 400
    assert malformed.get_json()["errors"][0]["field"] == "from"


def test_saved_places_are_in_the_export_and_gone_with_the_account(
    app: Flask, client: FlaskClient, sign_in: Callable[..., SignedIn]
) -> None:
    anna = sign_in(app)
    place = save(client, anna, kind="home", name="Zuhause", lat=51.3127, lon=9.4797).get_json()
    export = client.get("/api/v1/me/export", headers=anna.headers).get_json()
    schema = client.get("/api/v1/me/export/schema").get_json()
    jsonschema_rs.validator_for(schema).validate(export)
    assert [(p["id"], p["kind"], p["name"], p["lat"], p["lon"]) for p in export["savedPlaces"]] == [
        (place["id"], "home", "Zuhause", 51.3127, 9.4797)
    ]
    assert export["account"]["emailVerified"] is True
    assert client.delete("/api/v1/me", headers=anna.headers).status_code == 204
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SavedPlace)) == 0
