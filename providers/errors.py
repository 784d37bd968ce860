"""Typed errors of the provider layer: one base, each subclass also a builtin, each naming what went wrong.

The planner turns :class:`ProviderUnavailable` into a warning and plans without that
operator; the booking saga turns :class:`VehicleTaken` into a per-leg reason and
compensates. Nothing here is ever a bare ``Exception``.
"""

from __future__ import annotations


class ProviderError(Exception):
    """Base of every error raised by ``providers``; ``provider`` names the adapter instance."""

    def __init__(self, provider: str, message: str) -> None:
        super().__init__(f"{provider}: {message}")
        self.provider = provider
        self.reason = message


class ProviderUnavailable(ProviderError, ConnectionError):
    """The operator could not be reached or answered with a server error (after retries)."""


class FeedError(ProviderError, ValueError):
    """A feed document is malformed; ``feed`` and ``field`` say where."""

    def __init__(self, provider: str, feed: str, field: str, problem: str) -> None:
        super().__init__(provider, f"{feed}: {field}: {problem}" if field else f"{feed}: {problem}")
        self.feed = feed
        self.field = field


class VehicleTaken(ProviderError, RuntimeError):
    """The vehicle (or the last one at the station) was reserved by someone else first."""


class RideDeclined(VehicleTaken):
    """An on-demand dispatcher cannot serve the ride; ``reason_code`` says why (``no_vehicle_in_window``, ...)."""

    def __init__(self, provider: str, message: str, *, reason_code: str) -> None:
        super().__init__(provider, f"{message} ({reason_code})")
        self.reason_code = reason_code


class BookingNotFound(ProviderError, LookupError):
    """The operator does not know this booking id."""


class InvalidTransition(ProviderError, ValueError):
    """The booking cannot go from its current state to the requested one."""


class OfferExpired(ProviderError, ValueError):
    """The quote's offer is no longer valid; quote again."""


class NoPrice(ProviderError, LookupError):
    """The operator publishes no per-ride price for this vehicle type (e.g. only season passes)."""


class NotSupported(ProviderError, NotImplementedError):
    """The adapter did not declare the capability this call needs (e.g. booking)."""


class ProviderConfigError(ProviderError, ValueError):
    """An adapter instance's configuration is wrong (unknown adapter, missing setting, secret in the file)."""
