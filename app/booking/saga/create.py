"""Creating a booking: one row per bookable leg, vehicle claims, then the saga is advanced."""

from __future__ import annotations

import hashlib
import json
import math
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.booking.saga.context import TARIFF_PROVIDER, SagaContext, TransitTicket
from app.booking.saga.errors import BookingError
from app.booking.saga.flow import SagaFlow
from app.booking.states import record_created
from app.models import Booking, BookingLeg, BookingState, User, VehicleClaim
from app.payments.customers import holder_pseudonym

S = BookingState
ESTIMATE_HEADROOM = 1.5
"""Per-minute and per-km legs authorise 150 % of their estimate (at least 2 EUR more)."""
ESTIMATE_MIN_HEADROOM_CENTS = 200


def authorisation_cents(quote_cents: int, *, estimated: bool) -> int:
    """What to hold on the card for a leg: the quote, with headroom when the final price depends on the ride."""
    if not estimated:
        return quote_cents
    return max(math.ceil(quote_cents * ESTIMATE_HEADROOM), quote_cents + ESTIMATE_MIN_HEADROOM_CENTS)


def request_hash(itinerary_id: str, payment_method: str | None) -> str:
    """What makes two booking requests the same (for Idempotency-Key checks)."""
    return hashlib.sha256(json.dumps([itinerary_id, payment_method]).encode()).hexdigest()


def _bookable_legs(record: dict[str, Any], *, with_ticket: bool) -> list[tuple[int, dict[str, Any]]]:
    legs = record.get("legs")
    if not isinstance(legs, list):
        raise BookingError("invalid-itinerary", "the itinerary id holds no legs")
    found = []
    for position, leg in enumerate(legs):
        sharing = leg.get("sharing") if isinstance(leg, dict) else None
        if not sharing:
            continue
        if not sharing.get("bookable"):
            msg = (
                f"leg {position} ({sharing.get('provider')}) cannot be booked here; open it in the operator's "
                "app with its deep link"
            )
            raise BookingError("leg-not-bookable", msg)
        if sharing.get("quoteCents") is None:
            raise BookingError("leg-without-price", f"leg {position} has no price quote; plan again")
        found.append((position, leg))
    if not found and not with_ticket:
        raise BookingError(
            "nothing-to-book",
            "the itinerary has no leg to book: no shared vehicle, and your passes cover the rides",
        )
    return found


@dataclass
class BookingCreation:
    """Stores a new booking for a signed itinerary and hands it to the flow."""

    ctx: SagaContext
    flow: SagaFlow

    @property
    def db(self) -> Session:
        """The session."""
        return self.ctx.db

    @property
    def secret_key(self) -> str:
        """The key of the holder pseudonyms."""
        return self.ctx.secret_key

    def book(
        self,
        user: User,
        record: dict[str, Any],
        *,
        itinerary_id: str,
        idempotency_key: str,
        payment_method: str | None,
        ticket: TransitTicket | None = None,
    ) -> tuple[Booking, bool]:
        """The booking for this request, and whether it was created now (False: an earlier request's booking).

        Raises
        ------
        BookingError
            Nothing bookable, a leg that cannot be booked, the key reused for another request,
            or a vehicle already held by another booking.
        """
        digest = request_hash(itinerary_id, payment_method)
        existing = self._existing(user, idempotency_key, digest)
        if existing is not None:
            return existing, False
        legs = _bookable_legs(record, with_ticket=ticket is not None)
        booking = Booking(
            id=uuid.uuid4().hex,
            user_id=user.id,
            holder=holder_pseudonym(self.secret_key, user.id),
            idempotency_key=idempotency_key,
            request_hash=digest,
            region=str(record.get("region", "")),
            itinerary=json.dumps(record),
            state=S.PENDING,
            currency=str(legs[0][1]["sharing"].get("currency", "EUR")) if legs else "EUR",
            total_cents=sum(
                authorisation_cents(
                    int(leg["sharing"]["quoteCents"]),
                    estimated=bool(leg["sharing"].get("quoteEstimated", True)),
                )
                for _, leg in legs
            )
            + (ticket.cents if ticket is not None else 0),
        )
        self.db.add(booking)
        if ticket is not None:
            self.db.add(self._ticket_leg(booking, record, ticket))
        for position, leg in legs:
            self.db.add(self._leg(booking, position, leg))
            vehicle = leg["sharing"].get("vehicle")
            if vehicle:
                self.db.add(
                    VehicleClaim(provider=leg["sharing"]["provider"], vehicle_id=vehicle, booking_id=booking.id)
                )
        record_created(self.db, booking)
        try:
            self.db.commit()
        except IntegrityError as exc:
            self.db.rollback()
            existing = self._existing(user, idempotency_key, digest)
            if existing is not None:
                return existing, False
            raise BookingError("vehicle-taken", "the vehicle is already booked by someone else; plan again") from exc
        self.flow.advance(booking, payment_method)
        return booking, True

    def _existing(self, user: User, key: str, digest: str) -> Booking | None:
        booking = self.db.scalar(select(Booking).where(Booking.user_id == user.id, Booking.idempotency_key == key))
        if booking is not None and booking.request_hash != digest:
            raise BookingError(
                "idempotency-key-reused",
                "this Idempotency-Key was used for a different booking request; use a new key",
            )
        return booking

    @staticmethod
    def _ticket_leg(booking: Booking, record: dict[str, Any], ticket: TransitTicket) -> BookingLeg:
        leg = record["legs"][ticket.position]
        start, end = datetime.fromisoformat(leg["start"]), datetime.fromisoformat(leg["end"])
        return BookingLeg(
            booking_id=booking.id,
            position=ticket.position,
            mode="transit",
            provider=TARIFF_PROVIDER,
            operator=ticket.label,
            vehicle_type_id=ticket.level,
            starts_at=start,
            minutes=(end - start).total_seconds() / 60,
            km=float(leg.get("meters", 0)) / 1000,
            from_lat=float(leg["from"]["lat"]),
            from_lon=float(leg["from"]["lon"]),
            to_lat=float(leg["to"]["lat"]),
            to_lon=float(leg["to"]["lon"]),
            quote_cents=ticket.cents,
            estimated=False,
            state=S.PENDING,
        )

    @staticmethod
    def _leg(booking: Booking, position: int, leg: dict[str, Any]) -> BookingLeg:
        sharing = leg["sharing"]
        start, end = datetime.fromisoformat(leg["start"]), datetime.fromisoformat(leg["end"])
        return BookingLeg(
            booking_id=booking.id,
            position=position,
            mode=leg["mode"],
            provider=sharing["provider"],
            operator=str(sharing.get("operator") or sharing["provider"]),
            vehicle_type_id=sharing["vehicleType"],
            vehicle_id=sharing.get("vehicle"),
            pickup_station_id=sharing.get("pickup"),
            dropoff_station_id=sharing.get("dropoff"),
            starts_at=start,
            minutes=(end - start).total_seconds() / 60,
            km=float(leg.get("meters", 0)) / 1000,
            from_lat=float(leg["from"]["lat"]),
            from_lon=float(leg["from"]["lon"]),
            to_lat=float(leg["to"]["lat"]),
            to_lon=float(leg["to"]["lon"]),
            quote_cents=int(sharing["quoteCents"]),
            estimated=bool(sharing.get("quoteEstimated", True)),
            state=S.PENDING,
        )
