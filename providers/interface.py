"""The one interface every sharing-operator adapter implements.

An adapter is any object with these attributes and methods (a :class:`typing.Protocol`,
checked when the adapter is registered, see :mod:`providers.registry`). Built-in
adapters: :class:`providers.gbfs.adapter.GbfsProvider` (availability and prices, deep
links instead of booking) and :class:`providers.tomp.adapter.TompProvider` (GBFS for
availability plus TOMP-API booking). ``docs/providers.md`` walks through writing one.

Rules every implementation follows:

- Methods are synchronous and may do network I/O; they never block longer than the
  timeout in their configuration, and raise only :class:`~providers.errors.ProviderError`
  subclasses (never ``requests`` or ``KeyError`` exceptions).
- Booking methods are called only when :attr:`Provider.capabilities` contains
  :attr:`~providers.model.Capability.BOOKING`; otherwise the app offers
  :meth:`Provider.deep_link`.
- ``cancel`` is idempotent: cancelling a cancelled booking returns its status again.
- Amounts are integer cents in the currency of the operator's pricing plans.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from providers.model import Availability, BookingStatus, Capability, LegSpec, Quote, StaticInfo


@runtime_checkable
class Provider(Protocol):
    """A sharing operator as the planner and the booking saga see it."""

    #: The instance name from the provider configuration (``nextbike-kassel``); unique.
    name: str
    #: What this adapter can do.
    capabilities: frozenset[Capability]

    def static_info(self) -> StaticInfo:
        """System, vehicle types, stations, pricing plans and geofencing zones.

        Cached by the adapter for as long as the operator's feeds allow (GBFS ``ttl``).

        Raises
        ------
        ProviderUnavailable
            No copy could be fetched and none is cached.
        FeedError
            A feed is malformed and no earlier good copy exists.
        """
        ...

    def availability(self) -> Availability:
        """Live station counts and free-floating vehicles now.

        Served from the adapter's cache while within the feeds' ``ttl``; when a refresh
        fails the last good snapshot is returned with ``stale=True`` until it is older
        than the adapter's stale limit, then :class:`ProviderUnavailable` is raised.
        """
        ...

    def quote(self, leg: LegSpec) -> Quote:
        """The price of ``leg`` for this rider (configured pass perks applied).

        Raises
        ------
        ProviderError
            The vehicle type is unknown, or the operator has no price for it.
        """
        ...

    def deep_link(self, leg: LegSpec) -> str:
        """A URI that opens the operator's own app for this leg (empty when there is none)."""
        ...

    def reserve(self, quote: Quote, leg: LegSpec, *, idempotency_key: str) -> BookingStatus:
        """Hold a vehicle for ``leg`` at ``quote``; the result is in state ``reserved``.

        The same ``idempotency_key`` returns the same booking, so a retry after a
        timeout never holds two vehicles.

        Raises
        ------
        VehicleTaken
            Someone else holds the vehicle (or the station has none left).
        OfferExpired
            The quote is no longer valid.
        """
        ...

    def confirm(self, booking_id: str) -> BookingStatus:
        """Turn a reservation into a booking (state ``confirmed``)."""
        ...

    def start(self, booking_id: str) -> BookingStatus:
        """The rider unlocked the vehicle (state ``in_use``)."""
        ...

    def end(self, booking_id: str) -> BookingStatus:
        """The rider returned the vehicle (state ``completed``, final ``amount_cents`` set)."""
        ...

    def cancel(self, booking_id: str) -> BookingStatus:
        """Release a reservation or booking (state ``cancelled``); idempotent.

        Raises
        ------
        InvalidTransition
            The leg is already in use or completed.
        """
        ...

    def status(self, booking_id: str) -> BookingStatus:
        """The operator's current state of the booking.

        Raises
        ------
        BookingNotFound
            The operator does not know ``booking_id``.
        """
        ...
