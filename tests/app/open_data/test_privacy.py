"""Attempts to re-identify people from the published export; every one must fail.

The truth is what the test wrote (``conftest.city``); the attacker sees only the published
files and solves for the suppressed figures by linear programming (``attacker.py``).
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Booking, BookingLeg, User
from app.open_data.pipeline import export_open_data
from tests.app.open_data.attacker import attack
from tests.app.open_data.conftest import AS_OF, City
from tests.app.open_data.seed import BERLIN, add_pass, add_person, add_rides, persons_per_cell, rides_per_cell

K = 10
DIMENSIONS = {
    "rides_by_mode": "mode",
    "rides_by_origin_district": "origin",
    "rides_by_destination_district": "destination",
}


def export(session: Session, city: City, out: Path, *, as_of: date = AS_OF) -> dict[str, Any]:
    export_open_data(session, out, districts=city.districts, zone=BERLIN, as_of=as_of, k=K)
    document: dict[str, Any] = json.loads((out / "usage" / "usage.json").read_text("utf-8"))
    return document


def published(document: dict[str, Any]) -> dict[tuple[str, str, str], int | None]:
    return {
        (table["name"], line["month"], category): value
        for table in document["tables"]
        for line in table["lines"]
        for category, value in [("_T", line["total"]), *line["cells"].items()]
    }


def test_every_published_figure_stands_for_at_least_k_people(db_session: Session, city: City, tmp_path: Path) -> None:
    document = export(db_session, city, tmp_path / "out")
    assert document["months"] == ["2026-10", "2026-11"]
    checked = 0
    for table, dimension in DIMENSIONS.items():
        truth = persons_per_cell(city.rides, dimension)
        for (name, month, category), value in published(document).items():
            if name != table or category == "_T" or value is None:
                continue
            assert len(truth[(month, category)]) >= K, (name, month, category)
            checked += 1
    purchases: dict[tuple[str, str], set[str]] = {}
    for holder, month, district in city.purchases:
        purchases.setdefault((month, district), set()).add(holder)
    for (name, month, category), value in published(document).items():
        if name == "mittendrin_purchases_by_district" and category != "_T" and value is not None:
            assert len(purchases[(month, category)]) >= K
            checked += 1
    assert checked > 10  # the city is big enough that much is published


def test_no_record_about_a_person_a_booking_or_a_trip_leaves(db_session: Session, city: City, tmp_path: Path) -> None:
    out = tmp_path / "out"
    export(db_session, city, out)
    text = "\n".join(
        path.read_bytes().decode("utf-8", errors="replace") for path in sorted(out.rglob("*")) if path.is_file()
    )
    secrets = {ride.holder for ride in city.rides} | {holder for holder, _, _ in city.purchases}
    secrets |= set(db_session.scalars(select(Booking.id))) | set(db_session.scalars(select(BookingLeg.vehicle_id)))
    secrets |= set(db_session.scalars(select(User.email)))
    leaked = sorted(secret for secret in secrets if secret and secret in text)
    assert leaked == []
    for lat in db_session.scalars(select(BookingLeg.from_lat)):
        assert f"{lat:.6f}"[:9] not in text  # no exact place of a ride (district corners are round numbers)
    assert not re.search(r"\b(user|holder|booking|trip)_?id\b", text, re.IGNORECASE)


def test_totals_minus_published_cells_never_pin_a_suppressed_cell(
    db_session: Session, city: City, tmp_path: Path
) -> None:
    document = export(db_session, city, tmp_path / "out")
    bounds = attack(document)
    cells = [b for b in bounds if b.category != "_T"]
    assert len(cells) > 10
    truth_rides = {
        (table, month, category): count
        for table, dimension in DIMENSIONS.items()
        for (month, category), count in rides_per_cell(city.rides, dimension).items()
    }
    for bound in cells:
        truth = truth_rides.get((bound.table, bound.month, bound.category), 0)
        if bound.table in DIMENSIONS:
            assert bound.low - 1e-6 <= truth <= bound.high + 1e-6, bound
        assert bound.high - bound.low >= K - 1e-6, f"{bound} narrowed below k"


def test_a_small_district_cannot_be_recovered(db_session: Session, city: City, tmp_path: Path) -> None:
    document = export(db_session, city, tmp_path / "out")
    figures = published(document)
    for month in document["months"]:
        for district in ("d11", "d12", "d22"):  # 3, 2 and 1 residents
            assert figures[("rides_by_origin_district", month, district)] is None
    small = [
        b for b in attack(document) if b.table == "rides_by_origin_district" and b.category in ("d11", "d12", "d22")
    ]
    assert small and all(b.low == 0 and b.high >= K for b in small)


def test_a_single_users_month_stays_hidden(db_session: Session, city: City, tmp_path: Path) -> None:
    """One resident rides 40 times in November at night by car from d10 (11 riders); they buy a pass in d22."""
    heavy = add_person(db_session, district="d22")
    for day in range(1, 21):
        add_rides(
            db_session,
            heavy,
            2,
            day=date(2026, 11, day),
            origin="d10",
            destination="d12",
            mode="carsharing",
            hour_utc=1,
        )
    holder = add_pass(db_session, heavy, month=date(2026, 11, 1))
    db_session.commit()
    document = export(db_session, city, tmp_path / "out")
    figures = published(document)
    # 40 of d10's November rides are one person's: the cell is dominated and suppressed
    assert figures[("rides_by_origin_district", "2026-11", "d10")] is None
    assert figures[("rides_by_hour_band", "2026-11", "00-06")] is None
    assert figures[("mittendrin_purchases_by_district", "2026-11", "d22")] is None
    for bound in attack(document):
        if bound.month == "2026-11" and bound.category in ("d10", "00-06", "d22"):
            assert bound.high - bound.low >= K
    assert holder not in json.dumps(document)


def test_differencing_two_exports_around_one_booking_shows_nothing(
    db_session: Session, city: City, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    before = export(db_session, city, out)
    newcomer = add_person(db_session, district="d00")
    add_rides(db_session, newcomer, 1, day=date(2026, 12, 1), origin="d00", destination="d21", mode="transit")
    # and a late record of a ride in a month already published (a booking synced after the month closed)
    add_rides(db_session, newcomer, 1, day=date(2026, 11, 20), origin="d00", destination="d21", mode="transit")
    db_session.commit()
    after = export(db_session, city, out)
    assert after["months"] == before["months"]  # the running month is never published
    assert published(after) == published(before)
    assert after["frozenMonths"] == ["2026-10", "2026-11"]
    # a month published for the first time later includes the running month's booking, once
    later = export(db_session, city, out, as_of=date(2027, 1, 5))
    assert later["months"] == ["2026-10", "2026-11", "2026-12"]
    assert {k: v for k, v in published(later).items() if k[1] != "2026-12"} == published(before)
