"""The pass shop through the API: Teilhabecard proofs, staff review, buying a month, transit plans.

Shared by the pass, ticket and receipt tests; the shop's clock (``shop_clock``) is a fixture
of ``tests/app/conftest.py``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from flask import Flask
from flask.testing import FlaskClient

from routing.region.region import Region
from tests.conftest_d.accounts import SignedIn
from tests.conftest_d.regions import DEMO_FIRST_DAY

BERLIN = ZoneInfo("Europe/Berlin")
TODAY = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
"""The shop's clock in these tests: November and December 2026 are on sale."""
MONDAY_10 = datetime.combine(DEMO_FIRST_DAY, datetime.min.time(), tzinfo=BERLIN) + timedelta(hours=10)


def submit_card(client: FlaskClient, user: SignedIn, valid_until: str = "2027-06-30") -> dict[str, Any]:
    """POST a Teilhabecard proof for ``user`` (201 asserted); its answer."""
    response = client.post(
        "/api/v1/me/eligibility",
        headers=user.headers,
        json={"cardNumber": "TC-2026-4711", "validUntil": valid_until, "benefit": "sgb2_buergergeld"},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def buy(client: FlaskClient, user: SignedIn, month: str = "2026-11", key: str | None = None, **extra: Any) -> Any:
    """POST /tickets: ``user`` buys the MittendrinTicket for ``month``."""
    return client.post(
        "/api/v1/tickets",
        headers=user.headers | {"Idempotency-Key": key or str(uuid.uuid4())},
        json={"product": "mittendrin", "month": month, **extra},
    )


def eligible(app: Flask, client: FlaskClient, sign_in: Callable[..., SignedIn], **card: str) -> SignedIn:
    """A resident whose Teilhabecard city staff verified."""
    resident, staff = sign_in(app), sign_in(app, "city_staff")
    proof = submit_card(client, resident, **card)
    verified = client.post(
        f"/api/v1/eligibility/{proof['id']}/verify",
        headers=staff.headers,
        json={"reason": "Karte und Bescheid geprüft"},
    )
    assert verified.status_code == 200 and verified.get_json()["status"] == "verified"
    return resident


def stop_in(region: Region, zone_id: str, *, outside: str | None = None) -> tuple[float, float]:
    """The position of the first stop in zone ``zone_id`` (and not in ``outside``)."""
    assert region.zones is not None
    columns = {zone.id: number for number, zone in enumerate(region.zones.zones)}
    inside = np.array(region.zones.stop_in_zone[:, columns[zone_id]])
    if outside is not None:
        inside &= ~np.asarray(region.zones.stop_in_zone[:, columns[outside]])
    stop = int(np.flatnonzero(inside)[0])
    return float(region.timetable.stop_lat[stop]), float(region.timetable.stop_lon[stop])


def plan(
    client: FlaskClient,
    origin: tuple[float, float],
    destination: tuple[float, float],
    moment: datetime,
    headers: dict[str, str] | None = None,
    **params: str,
) -> dict[str, Any]:
    """GET /plan (transit only, in English) between two points at ``moment``; 200 asserted."""
    response = client.get(
        "/api/v1/plan",
        headers=(headers or {}) | {"Accept-Language": "en"},
        query_string={
            "from": f"{origin[0]},{origin[1]}",
            "to": f"{destination[0]},{destination[1]}",
            "time": moment.isoformat(),
            # transit only: between these nearby stops walking arrives first and is free, which hides transit
            "modes": "transit",
        }
        | params,
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def transit_legs(itinerary: dict[str, Any]) -> list[dict[str, Any]]:
    """The itinerary's transit legs."""
    return [leg for leg in itinerary["legs"] if leg["mode"] == "transit"]
