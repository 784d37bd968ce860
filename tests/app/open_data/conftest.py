"""A synthetic city for the open-data tests: 3 x 3 districts, two closed months of rides and passes."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from app.open_data.districts import DistrictIndex, load_districts
from tests.app.open_data.seed import SeededRide, add_pass, add_person, add_rides, grid_districts

AS_OF = date(2026, 12, 2)
MONTHS = (date(2026, 10, 1), date(2026, 11, 1))
RESIDENTS = {"d00": 25, "d01": 14, "d02": 12, "d10": 11, "d11": 3, "d12": 2, "d20": 15, "d21": 20, "d22": 1}
"""People whose rides start in each district (d11 and d12 are small, d22 has one)."""
MODES = ("bikeshare", "carsharing", "transit")


@dataclass
class City:
    """What the test wrote: the truth an attacker would like to recover."""

    districts: DistrictIndex
    path: Path
    rides: list[SeededRide] = field(default_factory=list)
    purchases: list[tuple[str, str, str]] = field(default_factory=list)
    """(holder, month, district or 'not_given')."""


@pytest.fixture
def city(db_session: Session, tmp_path: Path) -> City:
    rng = random.Random(21)
    path = tmp_path / "districts.geojson"
    ids = grid_districts(path)
    seeded = City(districts=load_districts(path), path=path)
    for home, count in RESIDENTS.items():
        for _ in range(count):
            person = add_person(db_session, district=home if rng.random() < 0.7 else None)
            for month in MONTHS:
                for _ in range(rng.choice((1, 1, 2))):
                    seeded.rides += add_rides(
                        db_session,
                        person,
                        1,
                        day=month.replace(day=rng.randint(1, 28)),
                        origin=home,
                        destination=rng.choice(ids),
                        mode=rng.choice(MODES),
                        hour_utc=rng.choice((5, 6, 7, 11, 15, 16, 17, 20)),
                    )
                if rng.random() < 0.6:
                    holder = add_pass(db_session, person, month=month)
                    month_key = f"{month.year:04d}-{month.month:02d}"
                    seeded.purchases.append((holder, month_key, person.district or "not_given"))
    db_session.commit()
    return seeded
