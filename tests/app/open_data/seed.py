"""Synthetic districts and platform records for the open-data tests (generated, never hand-typed figures)."""

from __future__ import annotations

import itertools
import json
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from shapely.geometry import box, mapping
from sqlalchemy.orm import Session

from app.models import Booking, BookingLeg, PassTicket, User
from app.models.pass_holding import TicketStatus
from providers.model import BookingState

ORIGIN_LAT, ORIGIN_LON, STEP = 51.29, 9.44, 0.02
BERLIN = ZoneInfo("Europe/Berlin")
_numbers = itertools.count(1)


def grid_districts(path: Path, size: int = 3) -> list[str]:
    """Write ``size`` x ``size`` square districts (WGS84) to ``path``; their ids, in file order."""
    features = []
    ids = []
    for row, column in itertools.product(range(size), range(size)):
        district_id = f"d{row}{column}"
        ids.append(district_id)
        square = box(
            ORIGIN_LON + column * STEP,
            ORIGIN_LAT + row * STEP,
            ORIGIN_LON + (column + 1) * STEP,
            ORIGIN_LAT + (row + 1) * STEP,
        )
        features.append(
            {
                "type": "Feature",
                "geometry": mapping(square),
                "properties": {"district_id": district_id, "name": f"Quartier {row}-{column}", "synthetic": True},
            }
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return ids


def centre(district_id: str) -> tuple[float, float]:
    """A point inside a grid district (lat, lon)."""
    row, column = int(district_id[1]), int(district_id[2])
    return ORIGIN_LAT + (row + 0.5) * STEP, ORIGIN_LON + (column + 0.5) * STEP


@dataclass(frozen=True)
class SeededRide:
    """What the test itself knows about a ride it wrote (the truth the attacker is after)."""

    holder: str
    month: str
    mode: str
    origin: str
    destination: str
    hour: int


def add_person(session: Session, *, district: str | None = None) -> User:
    number = next(_numbers)
    user = User(email=f"od{number}-{uuid.uuid4().hex[:6]}@example.org", display_name=f"Od {number}", district=district)
    session.add(user)
    session.flush()
    return user


def add_rides(
    session: Session,
    user: User,
    count: int,
    *,
    day: date,
    origin: str,
    destination: str,
    mode: str = "bikeshare",
    hour_utc: int = 7,
    state: BookingState = BookingState.COMPLETED,
    points: tuple[tuple[float, float], tuple[float, float]] | None = None,
) -> list[SeededRide]:
    """``count`` single-leg bookings of ``user`` starting on ``day`` at ``hour_utc``."""
    seeded = []
    holder = f"holder-{user.id}-{uuid.uuid5(uuid.NAMESPACE_URL, user.email).hex[:12]}"
    for _ in range(count):
        booking_id = uuid.uuid4().hex
        starts = datetime(day.year, day.month, day.day, hour_utc, 15, tzinfo=UTC)
        session.add(
            Booking(
                id=booking_id,
                user_id=user.id,
                holder=holder,
                idempotency_key=uuid.uuid4().hex,
                request_hash="0" * 64,
                region="test",
                itinerary="{}",
                state=state,
                total_cents=250,
            )
        )
        (from_lat, from_lon), (to_lat, to_lon) = points or (centre(origin), centre(destination))
        session.add(
            BookingLeg(
                booking_id=booking_id,
                position=0,
                mode=mode,
                provider="demo-rad",
                vehicle_type_id="bike",
                vehicle_id=f"vehicle-{booking_id[:8]}",
                starts_at=starts,
                minutes=12.0,
                km=3.0,
                from_lat=from_lat + (0 if points else 0.000123),
                from_lon=from_lon + (0 if points else 0.000456),
                to_lat=to_lat - (0 if points else 0.000789),
                to_lon=to_lon - (0 if points else 0.000321),
                quote_cents=250,
                state=state,
            )
        )
        local_hour = starts.astimezone(BERLIN).hour
        seeded.append(SeededRide(holder, f"{day.year:04d}-{day.month:02d}", mode, origin, destination, local_hour))
    session.flush()
    return seeded


def add_pass(session: Session, user: User, *, month: date, product: str = "mittendrin") -> str:
    """A bought (active) pass of ``user`` for the month of ``month``; returns its holder pseudonym."""
    holder = f"pass-holder-{user.id}"
    start = month.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    session.add(
        PassTicket(
            id=uuid.uuid4().hex,
            user_id=user.id,
            holder=holder,
            holder_name=user.display_name,
            product_id=product,
            product_name="MittendrinTicket",
            valid_from=start,
            valid_until=end,
            price_cents=3500,
            status=TicketStatus.ACTIVE.value,
            idempotency_key=uuid.uuid4().hex,
        )
    )
    session.flush()
    return holder


def persons_per_cell(rides: Iterable[SeededRide], dimension: str) -> dict[tuple[str, str], set[str]]:
    """The test's own count of distinct people per (month, category)."""
    cells: dict[tuple[str, str], set[str]] = {}
    for ride in rides:
        cells.setdefault((ride.month, str(getattr(ride, dimension))), set()).add(ride.holder)
    return cells


def rides_per_cell(rides: Iterable[SeededRide], dimension: str) -> Counter[tuple[str, str]]:
    """The test's own count of rides per (month, category)."""
    return Counter((ride.month, str(getattr(ride, dimension))) for ride in rides)
