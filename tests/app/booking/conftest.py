"""Saga unit fixtures: the app's database, the offline gateway and a fake operator."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from app.booking.saga import BookingSaga, TransitTicket
from app.extensions import db
from app.itinerary_ids import ItineraryRecord
from app.models import Booking, BookingLeg, User
from providers.registry import ProviderRegistry
from tests.app.booking.fakes import FakeOperator
from tests.factories import make_user


@dataclass
class SagaWorld:
    """What a saga unit test works with."""

    app: Flask
    operator: FakeOperator
    registry: ProviderRegistry
    user: User

    def saga(self, **options: Any) -> BookingSaga:
        """A saga on the current session (a new process would build a new one)."""
        return BookingSaga(
            db.session,
            self.registry,
            self.app.extensions["mobility.payments"],
            self.app.config["SECRET_KEY"],
            issue_ticket=lambda booking, leg: f"ticket-{booking.id}-{leg.position}-{leg.vehicle_type_id}",
            **options,
        )

    def book(self, legs: list[dict[str, Any]], *, ticket: TransitTicket | None = None, **options: Any) -> Booking:
        """A booking of an itinerary record with these legs."""
        record = ItineraryRecord.from_json({"region": "test", "legs": legs})
        runner = self.saga(**options)
        booking, _ = runner.book(
            self.user,
            record,
            itinerary_id=str(len(legs)) + str(id(legs)),
            idempotency_key=f"k-{id(legs)}",
            payment_method=None,
            ticket=ticket,
        )
        return booking

    def legs(self, booking: Booking) -> list[BookingLeg]:
        """The booking's legs, fresh from the database."""
        db.session.expire_all()
        return self.saga().legs(booking)


@pytest.fixture
def world(app: Flask) -> Iterator[SagaWorld]:
    """A fake operator named ``fake`` and a resident, inside an application context."""
    operator = FakeOperator()
    registry = ProviderRegistry(providers={"fake": operator})
    with app.app_context():
        user = make_user(db.session)
        db.session.commit()
        yield SagaWorld(app, operator, registry, user)
        db.session.rollback()
