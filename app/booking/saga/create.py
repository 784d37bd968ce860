"""Creating a booking: one row per bookable leg, vehicle claims, then the saga is advanced."""

from __future__ import annotations

import hashlib
import json
import math
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.booking.saga.context import TARIFF_PROVIDER, SagaContext, TransitTicket
from app.booking.saga.errors import BookingError
from app.booking.saga.flow import SagaFlow
from app.booking.states import record_created
from app.itinerary_ids import FlexRecord, ItineraryRecord, LegRecord, SharingRecord
from app.models import Booking, BookingLeg, BookingState, PaymentState, User, VehicleClaim, as_utc, utc_now
from app.payments.customers import holder_pseudonym
from app.replays import REPLAY_WAIT_S, await_settled

S = BookingState
ESTIMATE_HEADROOM = 1.5
"""Per-minute and per-km legs authorise 150 % of their estimate (at least 2 EUR more)."""
ESTIMATE_MIN_HEADROOM_CENTS = 200
REPLAY_SHARE = 0.75
"""The share of a repeated request's remaining budget it may wait for its original (the rest answers)."""


def authorisation_cents(quote_cents: int, *, estimated: bool) -> int:
    """What to hold on the card for a leg: the quote, with headroom when the final price depends on the ride."""
    if not estimated:
        return quote_cents
    return max(math.ceil(quote_cents * ESTIMATE_HEADROOM), quote_cents + ESTIMATE_MIN_HEADROOM_CENTS)


def request_hash(itinerary_id: str, payment_method: str | None) -> str:
    """What makes two booking requests the same (for Idempotency-Key checks)."""
    return hashlib.sha256(json.dumps([itinerary_id, payment_method]).encode()).hexdigest()


FLEX_PICKUP_SLACK = timedelta(minutes=10)
"""How much later than planned an on-demand pickup may be (within the trip's window) when booked."""


def _flex_legs(record: ItineraryRecord) -> list[tuple[int, LegRecord, FlexRecord]]:
    """The on-demand legs an operator books online here (the others are booked by the rider: phone, message)."""
    return [
        (position, leg, leg.flex)
        for position, leg in enumerate(record.legs)
        if leg.flex is not None and leg.flex.provider is not None
    ]


def _bookable_legs(record: ItineraryRecord, *, with_ticket: bool) -> list[tuple[int, LegRecord, SharingRecord]]:
    found = []
    for position, leg in enumerate(record.legs):
        sharing = leg.sharing
        if sharing is None:
            continue
        if not sharing.bookable:
            msg = (
                f"leg {position} ({sharing.provider}) cannot be booked here; open it in the operator's "
                "app with its deep link"
            )
            raise BookingError("leg-not-bookable", msg)
        if sharing.quote_cents is None:
            raise BookingError("leg-without-price", f"leg {position} has no price quote; plan again")
        found.append((position, leg, sharing))
    if not found and not with_ticket and not _flex_legs(record):
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
        record: ItineraryRecord,
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
            return self._settled(existing), False
        legs = _bookable_legs(record, with_ticket=ticket is not None)
        booking = Booking(
            id=uuid.uuid4().hex,
            user_id=user.id,
            holder=holder_pseudonym(self.secret_key, user.id),
            idempotency_key=idempotency_key,
            request_hash=digest,
            region=record.region,
            itinerary=json.dumps(record.to_json()),
            state=S.PENDING,
            currency=legs[0][2].currency if legs else "EUR",
            total_cents=sum(
                authorisation_cents(sharing.quote_cents or 0, estimated=sharing.quote_estimated)
                for _, _, sharing in legs
            )
            + (ticket.cents if ticket is not None else 0),
        )
        self.db.add(booking)
        if ticket is not None:
            self.db.add(self._ticket_leg(booking, record, ticket))
        for position, leg, flex in _flex_legs(record):
            self.db.add(self._flex_leg(booking, position, leg, flex))
        for position, leg, sharing in legs:
            self.db.add(self._leg(booking, position, leg, sharing))
            if sharing.vehicle:
                self.db.add(VehicleClaim(provider=sharing.provider, vehicle_id=sharing.vehicle, booking_id=booking.id))
        record_created(self.db, booking)
        try:
            self.db.commit()
        except IntegrityError as exc:
            self.db.rollback()
            existing = self._existing(user, idempotency_key, digest)
            if existing is not None:  # the same request, inserted a moment earlier by another worker or host
                return self._settled(existing), False
            raise BookingError("vehicle-taken", "the vehicle is already booked by someone else; plan again") from exc
        self.flow.advance(booking, payment_method)
        return booking, True

    def _settled(self, original: Booking) -> Booking:
        """The original of a repeated request once its own request has its answer, read afresh.

        The original may still be reserving or authorising in another thread, worker or host:
        the repeat waits (:func:`app.replays.await_settled`, within the request's budget) and
        replays what the original ends with, never a half-done ``pending``. An original that
        does not settle in time (its request crashed: the reconciler finishes it) is answered
        as it stands.
        """
        booking_id = original.id

        def read() -> Booking | None:
            self.db.rollback()  # a fresh snapshot: the other worker commits step by step
            return self.db.get(Booking, booking_id)

        return await_settled(read, self._answered, seconds=self._replay_wait_s(original)) or original

    def _replay_wait_s(self, original: Booking) -> float:
        """How long a repeat may wait: a share of its own budget, and never past the original request's budget.

        The original's request has answered (or died) once a budget as long as this request's
        has passed since it created the booking; what is still ``pending`` then (a 202, left
        to the reconciler) is answered at once.
        """
        deadline = self.ctx.deadline
        if deadline is None:
            return REPLAY_WAIT_S
        answered_by = as_utc(original.created_at) + timedelta(seconds=deadline.budget_s)
        left_s = (answered_by - utc_now()).total_seconds()
        return max(0.0, min(left_s, deadline.remaining() * REPLAY_SHARE, REPLAY_WAIT_S))

    def _answered(self, booking: Booking) -> bool:
        """Whether the request that made ``booking`` has given its answer (what a repeat replays)."""
        if booking.state == S.PENDING:
            return False
        if booking.state != S.RESERVED:
            return True
        payment = self.ctx.payment(booking)  # reserved: waiting for 3-D Secure, or still authorising
        return payment is not None and payment.state == PaymentState.REQUIRES_ACTION.value

    def _existing(self, user: User, key: str, digest: str) -> Booking | None:
        booking = self.db.scalar(select(Booking).where(Booking.user_id == user.id, Booking.idempotency_key == key))
        if booking is not None and booking.request_hash != digest:
            raise BookingError(
                "idempotency-key-reused",
                "this Idempotency-Key was used for a different booking request; use a new key",
            )
        return booking

    @staticmethod
    def _ticket_leg(booking: Booking, record: ItineraryRecord, ticket: TransitTicket) -> BookingLeg:
        leg = record.legs[ticket.position if ticket.planned is None else ticket.planned]
        return BookingLeg(
            booking_id=booking.id,
            position=ticket.position,
            mode="transit",
            provider=TARIFF_PROVIDER,
            operator=ticket.label,
            vehicle_type_id=ticket.level,
            quote_cents=ticket.cents,
            estimated=False,
            **_planned(leg),
        )

    @staticmethod
    def _flex_leg(booking: Booking, position: int, leg: LegRecord, flex: FlexRecord) -> BookingLeg:
        assert flex.provider is not None
        return BookingLeg(
            booking_id=booking.id,
            position=position,
            mode="flex",
            provider=flex.provider,
            operator=flex.agency or flex.provider,
            vehicle_type_id=flex.trip,
            quote_cents=0,  # the ride is paid with the transit ticket (with its on-demand surcharge)
            estimated=False,
            latest_pickup_at=min(flex.window_end, leg.start + FLEX_PICKUP_SLACK),
            wheelchair_place=flex.wheelchair_place,
            **_planned(leg),
        )

    @staticmethod
    def _leg(booking: Booking, position: int, leg: LegRecord, sharing: SharingRecord) -> BookingLeg:
        return BookingLeg(
            booking_id=booking.id,
            position=position,
            mode=leg.mode.value,
            provider=sharing.provider,
            operator=sharing.operator or sharing.provider,
            vehicle_type_id=sharing.vehicle_type,
            vehicle_id=sharing.vehicle,
            pickup_station_id=sharing.pickup,
            dropoff_station_id=sharing.dropoff,
            quote_cents=sharing.quote_cents or 0,
            estimated=sharing.quote_estimated,
            **_planned(leg),
        )


def _planned(leg: LegRecord) -> dict[str, Any]:
    """A booking leg's columns that come from the planned leg: when, how long, how far, from where to where."""
    return {
        "starts_at": leg.start,
        "minutes": leg.minutes,
        "km": leg.km,
        "from_lat": leg.origin.lat,
        "from_lon": leg.origin.lon,
        "to_lat": leg.destination.lat,
        "to_lon": leg.destination.lon,
        "state": S.PENDING,
    }
