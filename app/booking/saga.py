"""The booking saga: reserve every bookable leg, authorise the payment, confirm every leg.

Every step is committed with its event before the next one starts, so a crash leaves a
booking whose rows say exactly how far it got; :meth:`BookingSaga.reconcile` finishes
or compensates it. When a step fails, everything done so far is undone: reserved legs
are cancelled with their providers, the authorisation is released, vehicle claims are
freed, and each leg keeps the reason. A compensation that itself fails (a provider
down) leaves the booking ``pending`` with its reason for the reconciler to retry.

Idempotency: a booking is found again by (user, Idempotency-Key); provider calls carry
``booking:ID:leg:N`` keys and gateway calls run through :func:`app.payments.ledger.once`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.booking.states import IllegalTransition, move_booking, move_leg, record_created
from app.models import (
    Booking,
    BookingLeg,
    BookingState,
    Payment,
    PaymentState,
    Refund,
    User,
    VehicleClaim,
    as_utc,
    utc_now,
)
from app.payments import ledger
from app.payments.customers import gateway_customer, holder_pseudonym
from app.payments.gateway import (
    GatewayUnavailable,
    Intent,
    IntentStatus,
    PaymentDeclined,
    PaymentError,
    PaymentGateway,
)
from app.payments.states import settle_authorisation
from providers.errors import ProviderError, VehicleTaken
from providers.interface import Provider
from providers.model import BookingStatus, LegSpec
from providers.registry import ProviderRegistry

logger = logging.getLogger(__name__)
T = TypeVar("T")
S = BookingState

ESTIMATE_HEADROOM = 1.5
"""Per-minute and per-km legs authorise 150 % of their estimate (at least 2 EUR more)."""
ESTIMATE_MIN_HEADROOM_CENTS = 200
OPEN_LEG_STATES = frozenset({S.RESERVED.value, S.CONFIRMED.value})
TARIFF_PROVIDER = "tariff"
"""The provider of transit ticket legs: sold by the platform from the region's tariff, no operator call."""


@dataclass(frozen=True)
class TransitTicket:
    """The single ticket an itinerary's transit needs for this traveller (from the fare engine)."""

    position: int
    """The first transit leg no pass covers."""
    cents: int
    level: str
    label: str
    valid_on: date


class BookingError(Exception):
    """A booking request the saga refuses before anything is reserved; ``slug`` names the rule."""

    def __init__(self, slug: str, detail: str) -> None:
        super().__init__(detail)
        self.slug = slug
        self.detail = detail


class StepFailed(Exception):
    """A saga step failed; the booking is compensated with ``reason``."""

    def __init__(self, reason: str, *, declined: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.declined = declined


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
class BookingSaga:
    """Runs bookings against the providers and the payment gateway, on one database session."""

    db: Session
    providers: ProviderRegistry
    gateway: PaymentGateway
    secret_key: str
    issue_ticket: Callable[[Booking, BookingLeg], str] | None = None
    """Signs the digital single ticket of a transit ticket leg (None: no digital ticket)."""
    failure: StepFailed | None = None
    """The step that failed in the last :meth:`advance` (None: it went through or waits for the card holder)."""

    # Creating ---------------------------------------------------------------------------

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
            state=S.PENDING.value,
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
        self.advance(booking, payment_method)
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
            state=S.PENDING.value,
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
            state=S.PENDING.value,
        )

    # The forward path ------------------------------------------------------------------------

    def legs(self, booking: Booking) -> list[BookingLeg]:
        """The booking's legs in itinerary order."""
        return list(
            self.db.scalars(select(BookingLeg).where(BookingLeg.booking_id == booking.id).order_by(BookingLeg.position))
        )

    def payment(self, booking: Booking) -> Payment | None:
        """The booking's payment, if one was started."""
        return self.db.scalar(select(Payment).where(Payment.booking_id == booking.id))

    def advance(self, booking: Booking, payment_method: str | None = None) -> None:
        """Run the saga from wherever the booking stands; on a failed step, compensate (see :attr:`failure`)."""
        self.failure = None
        try:
            for leg in self.legs(booking):
                if leg.state == S.PENDING.value:
                    self._reserve(booking, leg)
            payment = self.payment(booking) or self._authorise(booking, payment_method)
            if payment.state == PaymentState.REQUIRES_ACTION.value:
                if booking.state == S.PENDING.value:
                    move_booking(
                        self.db,
                        booking,
                        S.RESERVED,
                        "waiting for the card holder to authenticate (3-D Secure)",
                    )
                    self.db.commit()
                return
            if payment.state != PaymentState.AUTHORISED.value:
                raise StepFailed(payment.failure_reason or f"the payment is {payment.state}")
            for leg in self.legs(booking):
                if leg.state == S.RESERVED.value:
                    self._confirm(booking, leg)
            move_booking(self.db, booking, S.CONFIRMED, "every leg confirmed, payment authorised")
            self.db.commit()
            if all(leg.provider == TARIFF_PROVIDER for leg in self.legs(booking)):
                self._settle_if_done(booking)  # only tickets: bought now
        except StepFailed as failure:
            self.db.rollback()
            self.failure = failure
            self.compensate(booking, failure.reason)

    def _provider(self, leg: BookingLeg) -> Provider:
        try:
            return self.providers.get(leg.provider)
        except ProviderError as exc:
            raise StepFailed(f"leg {leg.position}: {exc.reason}") from exc

    def _spec(self, leg: BookingLeg) -> LegSpec:
        return LegSpec(
            vehicle_type_id=leg.vehicle_type_id,
            start=as_utc(leg.starts_at),
            minutes=leg.minutes,
            km=leg.km,
            from_lat=leg.from_lat,
            from_lon=leg.from_lon,
            to_lat=leg.to_lat,
            to_lon=leg.to_lon,
            vehicle_id=leg.vehicle_id,
            from_station_id=leg.pickup_station_id,
            to_station_id=leg.dropoff_station_id,
        )

    def _call_provider(self, leg: BookingLeg, what: str, call: Callable[[], T]) -> T:
        try:
            return call()
        except VehicleTaken as exc:
            reason = f"leg {leg.position}: the vehicle was taken by someone else ({exc.reason})"
        except ProviderError as exc:
            reason = f"leg {leg.position}: {leg.provider} could not {what}: {exc.reason}"
        except Exception as exc:
            logger.exception("provider %s crashed on %s", leg.provider, what)
            reason = f"leg {leg.position}: {leg.provider} failed to {what} ({type(exc).__name__})"
        leg.reason = reason
        self.db.commit()
        raise StepFailed(reason)

    def _reserve(self, booking: Booking, leg: BookingLeg) -> None:
        if leg.provider == TARIFF_PROVIDER:
            move_leg(self.db, booking, leg, S.RESERVED, f"ticket {leg.vehicle_type_id} held")
            self.db.commit()
            return
        provider = self._provider(leg)
        spec = self._spec(leg)
        quote = self._call_provider(leg, "quote the ride", lambda: provider.quote(spec))
        status: BookingStatus = self._call_provider(
            leg,
            "reserve the vehicle",
            lambda: provider.reserve(quote, spec, idempotency_key=f"booking:{booking.id}:leg:{leg.position}"),
        )
        leg.provider_booking_id = status.booking_id
        if leg.vehicle_id is None and status.vehicle_id:
            leg.vehicle_id = status.vehicle_id
            self.db.add(VehicleClaim(provider=leg.provider, vehicle_id=status.vehicle_id, booking_id=booking.id))
        move_leg(self.db, booking, leg, S.RESERVED, f"{leg.provider} booking {status.booking_id}")
        try:
            self.db.commit()
        except IntegrityError:
            self.db.rollback()
            leg.provider_booking_id = status.booking_id
            self._call_provider(leg, "cancel a double-assigned vehicle", lambda: provider.cancel(status.booking_id))
            leg.reason = f"leg {leg.position}: the operator gave a vehicle another booking holds"
            self.db.commit()
            raise StepFailed(leg.reason) from None

    def _confirm(self, booking: Booking, leg: BookingLeg) -> None:
        if leg.provider == TARIFF_PROVIDER:
            leg.ticket_token = self.issue_ticket(booking, leg) if self.issue_ticket is not None else None
            move_leg(self.db, booking, leg, S.CONFIRMED, f"ticket {leg.vehicle_type_id} issued")
            self.db.commit()
            return
        provider = self._provider(leg)
        assert leg.provider_booking_id is not None
        booking_id = leg.provider_booking_id
        self._call_provider(leg, "confirm the booking", lambda: provider.confirm(booking_id))
        move_leg(self.db, booking, leg, S.CONFIRMED, f"{leg.provider} confirmed")
        self.db.commit()

    def customer(self, user_id: int | None) -> str:
        """The user's customer id at the gateway (created once, recorded)."""
        user = None if user_id is None else self.db.get(User, user_id)
        if user is None:
            raise StepFailed("the account was deleted")
        return gateway_customer(self.db, self.gateway, self.secret_key, user)

    def _authorise(self, booking: Booking, payment_method: str | None) -> Payment:
        key = f"booking:{booking.id}:authorise"
        try:
            customer = self.customer(booking.user_id)
            intent = ledger.once(
                self.db,
                key,
                {"amount": booking.total_cents, "currency": booking.currency, "method": payment_method},
                lambda: self.gateway.authorise(
                    amount_cents=booking.total_cents,
                    currency=booking.currency,
                    customer_id=customer,
                    payment_method=payment_method,
                    description=f"kassel-mobility booking {booking.id}",
                    metadata={"booking": booking.id},
                    idempotency_key=key,
                ),
            )
        except PaymentDeclined as exc:
            raise StepFailed(f"payment: {exc.reason}", declined=True) from exc
        except PaymentError as exc:
            raise StepFailed(f"payment: {exc.reason}") from exc
        assert isinstance(intent, Intent)
        payment = Payment(
            booking_id=booking.id,
            gateway=self.gateway.name,
            intent_id=intent.intent_id,
            state=payment_state(intent.status).value,
            currency=booking.currency,
            authorised_cents=booking.total_cents,
            client_secret=intent.client_secret,
        )
        if payment.state == PaymentState.FAILED.value:
            payment.failure_reason = f"payment: the card needs attention ({intent.status})"
        self.db.add(payment)
        self.db.commit()
        return payment

    # Undoing ------------------------------------------------------------------------------------

    def compensate(self, booking: Booking, reason: str) -> None:
        """Undo every reserved leg and the authorisation; the booking ends ``failed`` (or stays for the reconciler)."""
        booking.failure_reason = reason
        undone = True
        for leg in self.legs(booking):
            if leg.state == S.PENDING.value:
                move_leg(self.db, booking, leg, S.FAILED, leg.reason or "not reserved: an earlier step failed")
                leg.reason = leg.reason or "not reserved: an earlier step failed"
            elif leg.state in OPEN_LEG_STATES:
                undone &= self._cancel_leg(booking, leg, "compensation: " + reason, charge_fee=False)
        self.db.commit()
        undone &= self._release_payment(booking)
        if undone:
            self._free_claims(booking)
            if booking.state not in (S.FAILED.value, S.CANCELLED.value):
                move_booking(self.db, booking, S.FAILED, reason)
        self.db.commit()

    def _cancel_leg(self, booking: Booking, leg: BookingLeg, detail: str, *, charge_fee: bool) -> bool:
        """Cancel with the provider; the rider pays the operator's fee only when they cancelled themselves."""
        fee = 0
        try:
            provider = None if leg.provider == TARIFF_PROVIDER else self.providers.get(leg.provider)
            if provider is not None and leg.provider_booking_id is not None:
                fee = provider.cancel(leg.provider_booking_id).amount_cents or 0
        except Exception as exc:
            logger.warning("cancelling leg %s of %s failed", leg.position, booking.id, exc_info=True)
            leg.reason = f"leg {leg.position}: cancelling with {leg.provider} failed ({exc}); retried automatically"
            return False
        if charge_fee and fee:
            leg.final_cents = fee
            detail += f"; cancellation fee {fee} cents ({leg.provider}'s policy)"
        move_leg(self.db, booking, leg, S.CANCELLED, detail)
        leg.reason = leg.reason or detail
        return True

    def _release_payment(self, booking: Booking) -> bool:
        payment = self.payment(booking)
        if payment is None or payment.state not in (
            PaymentState.AUTHORISED.value,
            PaymentState.REQUIRES_ACTION.value,
        ):
            return True
        assert payment.intent_id is not None
        intent_id = payment.intent_id
        key = f"booking:{booking.id}:release"
        try:
            ledger.once(
                self.db,
                key,
                {"intent": intent_id},
                lambda: self.gateway.cancel(intent_id, idempotency_key=key),
            )
        except PaymentError:
            logger.warning("releasing the authorisation of %s failed", booking.id, exc_info=True)
            return False
        payment.state = PaymentState.CANCELLED.value
        return True

    def _free_claims(self, booking: Booking) -> None:
        self.db.execute(update(VehicleClaim).where(VehicleClaim.booking_id == booking.id).values(active=False))

    # After booking ---------------------------------------------------------------------------

    def authenticated(self, booking: Booking) -> None:
        """Continue after 3-D Secure: re-read the payment and confirm the legs, or compensate."""
        payment = self.payment(booking)
        if booking.state != S.RESERVED.value or payment is None or payment.intent_id is None:
            return
        intent = self.gateway.retrieve(payment.intent_id)
        payment.state = payment_state(intent.status).value
        self.db.commit()
        if payment.state == PaymentState.REQUIRES_ACTION.value:
            return
        if payment.state != PaymentState.AUTHORISED.value:
            self.compensate(booking, "payment: the card holder did not authenticate")
            return
        self.advance(booking)

    def _operate(
        self,
        leg: BookingLeg,
        required: BookingState,
        what: str,
        operation: Callable[[Provider, str], BookingStatus],
    ) -> BookingStatus:
        """Call the leg's provider about its booking, when the leg is in the ``required`` state."""
        if leg.provider == TARIFF_PROVIDER:
            raise IllegalTransition(f"leg {leg.position} is a ticket: it is valid for its day, not started or ended")
        if leg.state != required.value or leg.provider_booking_id is None:
            raise IllegalTransition(f"leg {leg.position} is {leg.state}; it must be {required} to {what}")
        provider, booking_id = self._provider(leg), leg.provider_booking_id
        return self._call_provider(leg, what, lambda: operation(provider, booking_id))

    def start_leg(self, booking: Booking, leg: BookingLeg) -> None:
        """Unlock the vehicle: the leg is in use.

        Raises
        ------
        StepFailed, IllegalTransition
        """
        self._operate(leg, S.CONFIRMED, "start the ride", lambda provider, booking_id: provider.start(booking_id))
        move_leg(self.db, booking, leg, S.IN_USE, "ride started")
        if booking.state == S.CONFIRMED.value:
            move_booking(self.db, booking, S.IN_USE, f"leg {leg.position} started")
        self.db.commit()

    def end_leg(self, booking: Booking, leg: BookingLeg) -> None:
        """End the ride; when no leg is left open, capture what the rides cost.

        Raises
        ------
        StepFailed, IllegalTransition
        """
        status = self._operate(leg, S.IN_USE, "end the ride", lambda provider, booking_id: provider.end(booking_id))
        leg.final_cents = status.amount_cents if status.amount_cents is not None else leg.quote_cents
        move_leg(self.db, booking, leg, S.COMPLETED, f"ride ended, {leg.final_cents} cents")
        self.db.commit()
        self._settle_if_done(booking)

    def cancel(self, booking: Booking) -> None:
        """Cancel every leg not yet in use; release or capture the payment accordingly.

        Raises
        ------
        IllegalTransition
            The booking is failed, cancelled or completed, or a leg is being ridden.
        """
        if booking.state not in (S.RESERVED.value, S.CONFIRMED.value, S.IN_USE.value):
            raise IllegalTransition(f"booking {booking.id} is {booking.state} and cannot be cancelled")
        legs = self.legs(booking)
        if any(leg.state == S.IN_USE.value for leg in legs):
            raise IllegalTransition("a leg is being ridden; end it first")
        undone = all(
            [
                self._cancel_leg(booking, leg, "cancelled by the rider", charge_fee=True)
                for leg in legs
                if leg.state in OPEN_LEG_STATES
            ]
        )
        self.db.commit()
        if not undone:
            raise StepFailed("a provider could not cancel yet; the cancellation is retried automatically")
        self._close_after_cancel(booking, "cancelled by the rider")

    def cancel_leg(self, booking: Booking, leg: BookingLeg) -> None:
        """Cancel one leg not yet ridden (the operator's fee applies); settle when no leg is left open.

        Raises
        ------
        IllegalTransition
            The leg is being ridden, done, or already cancelled.
        StepFailed
            The provider could not cancel yet (retried automatically).
        """
        if leg.state not in OPEN_LEG_STATES:
            raise IllegalTransition(f"leg {leg.position} is {leg.state} and cannot be cancelled")
        if not self._cancel_leg(booking, leg, "cancelled by the rider", charge_fee=True):
            self.db.commit()
            raise StepFailed("the provider could not cancel yet; the cancellation is retried automatically")
        self.db.commit()
        self._close_after_cancel(booking, "every leg cancelled by the rider")

    def _close_after_cancel(self, booking: Booking, detail: str) -> None:
        """Nothing ridden and no fee: release the authorisation; else settle once no leg is open."""
        legs = self.legs(booking)
        if all(leg.state in (S.CANCELLED.value, S.FAILED.value) for leg in legs) and not any(
            leg.final_cents for leg in legs
        ):
            if self._release_payment(booking):
                self._free_claims(booking)
                move_booking(self.db, booking, S.CANCELLED, detail)
            self.db.commit()
            return
        self._settle_if_done(booking)  # rides taken and cancellation fees are charged

    def _settle_if_done(self, booking: Booking) -> None:
        legs = self.legs(booking)
        rides = [leg for leg in legs if leg.provider != TARIFF_PROVIDER]
        if any(leg.state in (S.RESERVED.value, S.CONFIRMED.value, S.IN_USE.value) for leg in rides):
            return
        for leg in legs:  # tickets of a trip that took place count as used
            if leg.provider == TARIFF_PROVIDER and leg.state == S.CONFIRMED.value:
                if rides and not any(ride.state == S.COMPLETED.value for ride in rides):
                    move_leg(self.db, booking, leg, S.CANCELLED, "the trip was cancelled")
                    continue
                move_leg(self.db, booking, leg, S.IN_USE, "ticket valid")
                move_leg(self.db, booking, leg, S.COMPLETED, "ticket used")
                leg.final_cents = leg.quote_cents
        payment = self.payment(booking)
        amount = sum(leg.final_cents or 0 for leg in legs if leg.state in (S.COMPLETED.value, S.CANCELLED.value))
        if payment is not None and payment.state == PaymentState.AUTHORISED.value and payment.intent_id:
            amount = settle_authorisation(
                self.db, self.gateway, payment, min(amount, payment.authorised_cents), f"booking:{booking.id}"
            )  # nothing to charge: the hold is released, not captured
            booking.captured_cents = amount
        self._free_claims(booking)
        ridden = any(leg.state == S.COMPLETED.value for leg in legs)
        move_booking(self.db, booking, S.COMPLETED if ridden else S.CANCELLED, f"settled: {amount} cents captured")
        self.db.commit()

    def refund(self, booking: Booking, amount_cents: int, reason: str) -> Refund:
        """Give back part or all of what was captured, with the reason.

        Raises
        ------
        BookingError
            Nothing captured, or more than is left.
        """
        payment = self.payment(booking)
        if payment is None or payment.intent_id is None or payment.captured_cents == 0:
            raise BookingError("nothing-captured", "nothing was charged for this booking")
        left = payment.captured_cents - payment.refunded_cents
        if amount_cents > left:
            raise BookingError("refund-too-large", f"at most {left} cents can still be refunded")
        number = len(list(self.db.scalars(select(Refund).where(Refund.payment_id == payment.id)))) + 1
        key = f"booking:{booking.id}:refund:{number}"
        intent_id = payment.intent_id
        refund_id = ledger.once(
            self.db,
            key,
            {"amount": amount_cents, "reason": reason},
            lambda: self.gateway.refund(intent_id, amount_cents, reason=reason, idempotency_key=key),
        )
        refund = Refund(
            payment_id=payment.id, amount_cents=amount_cents, reason=reason, gateway_refund_id=str(refund_id)
        )
        self.db.add(refund)
        payment.refunded_cents += amount_cents
        payment.state = (
            PaymentState.REFUNDED
            if payment.refunded_cents == payment.captured_cents
            else PaymentState.PARTIALLY_REFUNDED
        ).value
        self.db.commit()
        return refund

    # Recovery ------------------------------------------------------------------------------------

    def reconcile(self, *, older_than: timedelta = timedelta(minutes=2)) -> list[str]:
        """Finish or compensate bookings left in flight (a crash, a timeout); the ids handled."""
        cutoff = utc_now() - older_than
        handled = []
        in_flight = (
            select(Booking)
            .where(Booking.state.in_([S.PENDING.value, S.RESERVED.value]))
            .with_for_update(skip_locked=True)
        )  # two reconcilers never take the same booking
        for booking in list(self.db.scalars(in_flight)):
            if as_utc(booking.updated_at) > cutoff:
                continue
            try:
                if booking.failure_reason is not None:
                    self.compensate(booking, booking.failure_reason)
                elif booking.state == S.RESERVED.value:
                    self.authenticated(booking)
                    if booking.state == S.RESERVED.value:  # still not authenticated: give the vehicles back
                        self.compensate(booking, "payment: not authenticated in time")
                else:
                    self.advance(booking)
            except (StepFailed, IllegalTransition, PaymentError, GatewayUnavailable):
                logger.warning("reconciling %s failed; it is retried next time", booking.id, exc_info=True)
                self.db.rollback()
            handled.append(booking.id)
        return handled


def payment_state(status: IntentStatus) -> PaymentState:
    """Our payment state for a gateway intent status."""
    return {
        IntentStatus.REQUIRES_CAPTURE: PaymentState.AUTHORISED,
        IntentStatus.REQUIRES_ACTION: PaymentState.REQUIRES_ACTION,
        IntentStatus.SUCCEEDED: PaymentState.CAPTURED,
        IntentStatus.CANCELED: PaymentState.CANCELLED,
    }.get(status, PaymentState.FAILED)
