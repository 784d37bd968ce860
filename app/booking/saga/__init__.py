"""The booking saga: reserve every bookable leg, authorise the payment, confirm every leg; survive any crash.

Split by job:

- :mod:`~app.booking.saga.create`: a new booking, its legs and vehicle claims;
- :mod:`~app.booking.saga.flow`: advance, compensate, settle, reconcile;
- :mod:`~app.booking.saga.rides`: start, end, cancel a leg or the booking, refund;
- :mod:`~app.booking.saga.legs`: one handler per kind of leg (operator, ticket; the flex leg next);
- :mod:`~app.booking.saga.outbox`: every operator call is an intent committed before it and a
  result after it, so the reconciler can finish or undo every non-final state;
- :mod:`~app.booking.saga.payments`: authorise, release, capture, refund through the ledger.

:class:`BookingSaga` puts them together for the API and the CLI.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.orm import Session

from app.booking.saga import payments
from app.booking.saga.budget import Deadline
from app.booking.saga.context import TARIFF_PROVIDER, Repricer, SagaContext, TransitTicket
from app.booking.saga.create import BookingCreation, authorisation_cents, request_hash
from app.booking.saga.errors import BookingError, OutOfBudget, StepFailed
from app.booking.saga.flow import SagaFlow
from app.booking.saga.payments import payment_state
from app.booking.saga.rides import RideActions
from app.itinerary_ids import ItineraryRecord
from app.models import Booking, BookingLeg, Payment, Refund, User
from app.payments.gateway import PaymentGateway
from providers.registry import ProviderRegistry

__all__ = [
    "TARIFF_PROVIDER",
    "BookingError",
    "BookingSaga",
    "OutOfBudget",
    "StepFailed",
    "TransitTicket",
    "authorisation_cents",
    "payment_state",
    "request_hash",
]


class BookingSaga:
    """The booking saga on one database session: creation, flow and ride actions over one context."""

    def __init__(
        self,
        db: Session,
        providers: ProviderRegistry,
        gateway: PaymentGateway,
        secret_key: str,
        issue_ticket: Callable[[Booking, BookingLeg], str] | None = None,
        *,
        reprice: Repricer | None = None,
        deadline: Deadline | None = None,
    ) -> None:
        self.ctx = SagaContext(
            db, providers, gateway, secret_key, issue_ticket=issue_ticket, reprice=reprice, deadline=deadline
        )
        self.flow = SagaFlow(self.ctx)
        self.creation = BookingCreation(self.ctx, self.flow)
        self.rides = RideActions(self.ctx, self.flow)

    @property
    def failure(self) -> StepFailed | None:
        """The step that failed in the last run (None: it went through or waits for the card holder)."""
        return self.flow.failure

    @property
    def out_of_budget(self) -> OutOfBudget | None:
        """Set when the last run stopped because its time budget ran out (the booking stays in flight)."""
        return self.flow.out_of_budget

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
        """See :meth:`BookingCreation.book`."""
        return self.creation.book(
            user,
            record,
            itinerary_id=itinerary_id,
            idempotency_key=idempotency_key,
            payment_method=payment_method,
            ticket=ticket,
        )

    def legs(self, booking: Booking) -> list[BookingLeg]:
        """The booking's legs in itinerary order."""
        return self.ctx.legs(booking)

    def payment(self, booking: Booking) -> Payment | None:
        """The booking's payment, if one was started."""
        return self.ctx.payment(booking)

    def customer(self, user_id: int | None) -> str:
        """The user's customer id at the gateway (created once, recorded).

        Raises
        ------
        StepFailed
            The account was deleted.
        """
        return payments.customer(self.ctx, user_id)

    def advance(self, booking: Booking, payment_method: str | None = None) -> None:
        """See :meth:`SagaFlow.advance`."""
        self.flow.advance(booking, payment_method)

    def compensate(self, booking: Booking, reason: str) -> None:
        """See :meth:`SagaFlow.compensate`."""
        self.flow.compensate(booking, reason)

    def authenticated(self, booking: Booking) -> None:
        """See :meth:`SagaFlow.authenticated`."""
        self.flow.authenticated(booking)

    def reconcile(self, *, older_than: timedelta = timedelta(minutes=2)) -> list[str]:
        """See :meth:`SagaFlow.reconcile`."""
        return self.flow.reconcile(older_than=older_than)

    def start_leg(self, booking: Booking, leg: BookingLeg) -> None:
        """See :meth:`RideActions.start_leg`."""
        self.rides.start_leg(booking, leg)

    def end_leg(self, booking: Booking, leg: BookingLeg) -> None:
        """See :meth:`RideActions.end_leg`."""
        self.rides.end_leg(booking, leg)

    def cancel(self, booking: Booking) -> None:
        """See :meth:`RideActions.cancel`."""
        self.rides.cancel(booking)

    def cancel_leg(self, booking: Booking, leg: BookingLeg) -> None:
        """See :meth:`RideActions.cancel_leg`."""
        self.rides.cancel_leg(booking, leg)

    def refund(self, booking: Booking, amount_cents: int, reason: str) -> Refund:
        """See :meth:`RideActions.refund`."""
        return self.rides.refund(booking, amount_cents, reason)
