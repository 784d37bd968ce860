"""What every saga job shares: the session, the providers, the gateway, the budget, and checked provider calls."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.booking.saga import outbox
from app.booking.saga.budget import Deadline
from app.booking.saga.errors import StepFailed
from app.models import Booking, BookingLeg, Payment, SagaStep, as_utc
from app.payments.gateway import PaymentGateway
from providers.checked import AdapterFault, BadResult, CheckedProvider
from providers.errors import ProviderError, ProviderUnavailable, RideDeclined, VehicleTaken
from providers.model import LegSpec
from providers.registry import ProviderRegistry

logger = logging.getLogger(__name__)
T = TypeVar("T")

TARIFF_PROVIDER = "tariff"
"""The provider of transit ticket legs: sold by the platform from the region's tariff, no operator call."""


@dataclass(frozen=True)
class TransitTicket:
    """The single ticket an itinerary's transit needs for this traveller (from the fare engine)."""

    position: int
    """The first transit leg no pass covers; an itinerary whose only paid rides are on-demand (flex) legs, which
    are booking legs of their own, gets its ticket one past its last leg."""
    cents: int
    level: str
    label: str
    valid_on: date
    planned: int | None = None
    """The itinerary leg whose times the ticket leg takes (None: the leg at ``position``)."""


Repricer = Callable[[Booking, list[BookingLeg]], TransitTicket | None]
"""What the rides left open need after a leg is cancelled (None: no ticket)."""


@dataclass
class SagaContext:
    """The collaborators of one saga run."""

    db: Session
    providers: ProviderRegistry
    gateway: PaymentGateway
    secret_key: str
    issue_ticket: Callable[[Booking, BookingLeg], str] | None = None
    reprice: Repricer | None = None
    deadline: Deadline | None = None

    def legs(self, booking: Booking) -> list[BookingLeg]:
        """The booking's legs in itinerary order."""
        return list(
            self.db.scalars(select(BookingLeg).where(BookingLeg.booking_id == booking.id).order_by(BookingLeg.position))
        )

    def payment(self, booking: Booking) -> Payment | None:
        """The booking's payment, if one was started."""
        return self.db.scalar(select(Payment).where(Payment.booking_id == booking.id))

    def provider(self, leg: BookingLeg) -> CheckedProvider:
        """The leg's provider, every result checked.

        Raises
        ------
        StepFailed
            The provider instance is not configured or failed to build.
        """
        try:
            return CheckedProvider(self.providers.get(leg.provider))
        except ProviderError as exc:
            raise StepFailed(f"leg {leg.position}: {exc.reason}", provider=leg.provider) from exc

    def call(self, leg: BookingLeg, what: str, call: Callable[[], T], step: SagaStep | None = None) -> T:
        """``call()``; a provider error is the leg's reason and a :class:`StepFailed`.

        An open ``step`` is marked failed when the operator's answer says it did nothing; when
        the outcome is unknown (the operator unreachable) it stays open for the reconciler.

        Raises
        ------
        StepFailed
            The provider refused, was unreachable or answered against the interface.
        """
        bad_gateway = in_flight = False
        try:
            return call()
        except RideDeclined as exc:
            reason = f"leg {leg.position}: {leg.provider} declined the on-demand ride ({exc.reason_code}): {exc.reason}"
        except VehicleTaken as exc:
            reason = f"leg {leg.position}: the vehicle was taken by someone else ({exc.reason})"
        except (BadResult, AdapterFault) as exc:
            logger.error("provider %s broke the interface on %s: %s", leg.provider, what, exc.reason)
            reason = f"leg {leg.position}: {leg.provider} gave an invalid answer when asked to {what}: {exc.reason}"
            bad_gateway = True
        except ProviderError as exc:
            reason = f"leg {leg.position}: {leg.provider} could not {what}: {exc.reason}"
            if step is not None and isinstance(exc, ProviderUnavailable):
                step, in_flight = None, True  # unknown outcome: the reconciler asks again with the same key
        if step is not None:
            outbox.fail(step, reason)
        leg.reason = reason
        self.db.commit()
        raise StepFailed(reason, provider=leg.provider, bad_gateway=bad_gateway, in_flight=in_flight)


def spec_of(leg: BookingLeg) -> LegSpec:
    """The provider's view of a booked leg."""
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
        latest_start=as_utc(leg.latest_pickup_at) if leg.latest_pickup_at is not None else None,
        wheelchair=leg.wheelchair_place,
    )
