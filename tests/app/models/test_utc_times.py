"""Times are stored in UTC on every database and shown in the region's offset; migration 0004 repairs old rows."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from app.database import upgrade_database
from app.extensions import db
from app.itinerary_ids import SALT, InvalidItineraryId, ItineraryRecord, read_itinerary_id
from app.models import AuthSession, BookingLeg, NaiveDatetimeError, Payment, TicketRevocation, as_utc
from tests.app.sandbox_trips import book, plan_shared
from tests.conftest_d.accounts import SignedIn
from tests.factories import make_user

BERLIN = ZoneInfo("Europe/Berlin")


def test_a_naive_time_is_refused_and_an_aware_one_comes_back_as_the_same_instant_in_utc(db_session: Session) -> None:
    user = make_user(db_session)
    local_six = datetime(2026, 12, 2, 6, tzinfo=BERLIN)
    db_session.add(AuthSession(id="s-aware", user_id=user.id, refresh_hash="x" * 64, expires_at=local_six))
    db_session.commit()
    db_session.expire_all()
    stored = db_session.get(AuthSession, "s-aware")
    assert stored is not None
    assert stored.expires_at == local_six and stored.expires_at.utcoffset() == timedelta(0)
    assert stored.expires_at.hour == 5  # 06:00 in Kassel in winter is 05:00 UTC
    assert db_session.scalar(select(AuthSession.id).where(AuthSession.expires_at == local_six)) == "s-aware"
    db_session.add(
        AuthSession(id="s-naive", user_id=user.id, refresh_hash="x" * 64, expires_at=datetime(2026, 12, 2, 6))
    )
    with pytest.raises(StatementError) as caught:
        db_session.flush()
    assert isinstance(caught.value.orig, NaiveDatetimeError) and "2026-12-02T06:00:00" in str(caught.value)
    db_session.rollback()


MOMENTS = [
    pytest.param(datetime(2026, 3, 29, 1, 30, tzinfo=BERLIN), id="spring-forward-before"),
    pytest.param(datetime(2026, 3, 29, 3, 30, tzinfo=BERLIN), id="spring-forward-after"),
    pytest.param(datetime(2026, 10, 25, 2, 30, fold=0, tzinfo=BERLIN), id="fall-back-first-0230"),
    pytest.param(datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=BERLIN), id="fall-back-second-0230"),
    pytest.param(datetime(2026, 12, 2, 6, 0, tzinfo=BERLIN), id="winter"),
    pytest.param(datetime(2026, 7, 15, 6, 0, tzinfo=BERLIN), id="summer"),
]


def _moved(record: dict[str, Any], to: datetime) -> dict[str, Any]:
    """The record with its legs moved so the first starts at ``to`` (offsets as the planner writes them)."""
    first = datetime.fromisoformat(record["legs"][0]["start"])
    shift = to.astimezone(UTC) - first.astimezone(UTC)
    moved = json.loads(json.dumps(record))
    for leg in moved["legs"]:
        for key in ("start", "end"):
            leg[key] = (datetime.fromisoformat(leg[key]).astimezone(UTC) + shift).astimezone(BERLIN).isoformat()
    return moved


@pytest.fixture
def booking_app(make_app, registry) -> Flask:  # type: ignore[no-untyped-def]
    application: Flask = make_app(providers=registry)
    return application


@pytest.mark.parametrize("moment", MOMENTS)
def test_every_booked_leg_starts_when_its_itinerary_leg_does(
    booking_app: Flask, sign_in: Callable[..., SignedIn], moment: datetime
) -> None:
    client = booking_app.test_client()
    anna = sign_in(booking_app)
    secret = booking_app.config["SECRET_KEY"]
    record = _moved(read_itinerary_id(plan_shared(client)["id"], secret_key=secret).to_json(), moment)
    itinerary_id = URLSafeTimedSerializer(secret, salt=SALT).dumps(record)
    response = book(client, anna, str(itinerary_id))
    assert response.status_code == 201, response.get_json()
    booking = response.get_json()
    assert booking["legs"]
    for leg in booking["legs"]:
        planned = datetime.fromisoformat(record["legs"][leg["position"]]["start"])
        booked = datetime.fromisoformat(leg["startsAt"])
        assert booked == planned, (leg["startsAt"], planned.isoformat())
        assert booked.utcoffset() == planned.utcoffset()  # shown in the region's offset, as planned
    exported = client.get("/api/v1/me/export", headers=anna.headers).get_json()
    (exported_booking,) = exported["bookings"]
    for leg in exported_booking["legs"]:
        assert datetime.fromisoformat(leg["startsAt"]) == datetime.fromisoformat(
            record["legs"][leg["position"]]["start"]
        )
    with booking_app.app_context():
        stored = db.session.execute(text("SELECT starts_at FROM booking_legs")).scalars().all()
    raw = stored[0]
    as_read = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))
    planned_utc = datetime.fromisoformat(record["legs"][booking["legs"][0]["position"]]["start"]).astimezone(UTC)
    assert as_utc(as_read) == planned_utc  # the stored value is the instant in UTC (naive UTC digits on SQLite)


def test_migration_0004_rewrites_local_times_written_as_utc_and_fills_the_revocation_list(make_app) -> None:  # type: ignore[no-untyped-def]
    application: Flask = make_app(migrate=False)
    with application.app_context():
        engine = db.engine
        upgrade_database(engine, "0003")
        sqlite = engine.dialect.name == "sqlite"
        itinerary = json.dumps(
            {"region": "Kassel", "legs": [{"mode": "walk", "start": "2026-12-02T06:00:00+01:00", "end": "x"}]}
        )
        summer = json.dumps({"legs": [{"mode": "bikeshare", "start": "2026-07-15T06:00:00+02:00", "end": "x"}]})
        buggy = "2026-12-02 06:00:00.000000" if sqlite else "2026-12-02 06:00:00+01:00"
        buggy_summer = "2026-07-15 06:00:00.000000" if sqlite else "2026-07-15 06:00:00+02:00"
        now = "2026-12-01 10:00:00.000000" if sqlite else "2026-12-01 10:00:00+00:00"
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (id, email, display_name, role, locale, created_at)"
                    " VALUES (1, 'a@example.org', 'Anna', 'resident', 'de', :now)"
                ),
                {"now": now},
            )
            for number, (booking_id, state, record, starts) in enumerate(
                [("b1", "cancelled", itinerary, buggy), ("b2", "completed", summer, buggy_summer)]
            ):
                connection.execute(
                    text(
                        "INSERT INTO bookings (id, user_id, holder, idempotency_key, request_hash, region, itinerary,"
                        " state, currency, total_cents, captured_cents, updated_at, created_at)"
                        " VALUES (:id, 1, 'h', :key, 'r', 'Kassel', :itinerary, :state, 'EUR', 300, 0, :now, :now)"
                    ),
                    {"id": booking_id, "key": f"k{number}", "itinerary": record, "state": state, "now": now},
                )
                connection.execute(
                    text(
                        "INSERT INTO booking_legs (booking_id, position, mode, provider, operator, vehicle_type_id,"
                        " starts_at, minutes, km, from_lat, from_lon, to_lat, to_lon, quote_cents, estimated, state,"
                        " ticket_token) VALUES (:id, 0, 'transit', 'tariff', 'Einzelfahrschein', 'ps1', :starts,"
                        " 10, 1, 51.3, 9.4, 51.31, 9.41, 300, false, :state, 'MT1.x.y')"
                    ),
                    {"id": booking_id, "starts": starts, "state": state},
                )
                connection.execute(
                    text(
                        "INSERT INTO payments (booking_id, gateway, state, currency, authorised_cents, captured_cents,"
                        " refunded_cents, updated_at, created_at)"
                        " VALUES (:id, 'offline', :state, 'EUR', 300, 0, 0, :now, :now)"
                    ),
                    {"id": booking_id, "state": "cancelled" if state == "cancelled" else "captured", "now": now},
                )
        upgrade_database(engine, "head")
        starts = {leg.booking_id: leg.starts_at for leg in db.session.scalars(select(BookingLeg))}
        assert starts == {"b1": datetime(2026, 12, 2, 5, tzinfo=UTC), "b2": datetime(2026, 7, 15, 4, tzinfo=UTC)}
        assert {p.booking_id: p.state for p in db.session.scalars(select(Payment))} == {
            "b1": "released",
            "b2": "released",  # "captured" for 0 cents: nothing was charged
        }
        assert [r.ticket_id for r in db.session.scalars(select(TicketRevocation))] == ["b1-0"]


def test_a_new_booking_is_stored_in_utc_even_on_sqlite(booking_app: Flask, sign_in: Callable[..., SignedIn]) -> None:
    client = booking_app.test_client()
    anna = sign_in(booking_app)
    itinerary = plan_shared(client)
    booking = book(client, anna, itinerary["id"], key=str(uuid.uuid4())).get_json()
    planned = datetime.fromisoformat(next(leg for leg in itinerary["legs"] if leg["sharing"])["start"])
    assert datetime.fromisoformat(booking["legs"][0]["startsAt"]) == planned
    assert booking["legs"][0]["startsAt"].endswith(("+01:00", "+02:00"))


def test_an_itinerary_record_with_a_time_without_zone_is_refused() -> None:
    record = {"legs": [{"mode": "walk", "start": "2026-12-02T06:00:00", "end": "2026-12-02T06:10:00+01:00"}]}
    record["legs"][0] |= {"from": {"lat": 51.3, "lon": 9.4}, "to": {"lat": 51.31, "lon": 9.41}}
    with pytest.raises(InvalidItineraryId, match=r"legs\.0\.start has no zone"):
        ItineraryRecord.from_json(record)
    record["legs"][0]["start"] = "2026-12-02T06:00:00+01:00"
    assert ItineraryRecord.from_json(record).itinerary().legs[0].start.utcoffset() == timedelta(hours=1)


def test_an_itinerary_record_of_the_wrong_shape_names_the_field() -> None:
    record = {"legs": [{"mode": "walk", "start": "2026-12-02T06:00:00+01:00", "end": "2026-12-02T06:10:00+01:00"}]}
    with pytest.raises(InvalidItineraryId, match=r"legs\.0\.from"):
        ItineraryRecord.from_json(record)
    with pytest.raises(InvalidItineraryId, match="legs"):
        ItineraryRecord.from_json(["not", "a", "record"])
