"""Provider results checked at the boundary: an adapter's wrong answer becomes a typed error, never a crash.

The booking saga and the conformance kit call adapters through :class:`CheckedProvider`:
every result is compared with the interface types (:class:`~providers.model.Quote`,
:class:`~providers.model.BookingStatus`) and the state the call promises; anything that is
not a :class:`~providers.errors.ProviderError` escaping an adapter is wrapped in
:class:`AdapterFault`. Both name the provider instance and the method.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from providers.errors import ProviderError
from providers.interface import Provider
from providers.model import BookingState, BookingStatus, LegSpec, Quote

T = TypeVar("T")


class BadResult(ProviderError, TypeError):
    """An adapter answered with a value the interface does not allow (wrong type, missing id, wrong state)."""


class AdapterFault(ProviderError, RuntimeError):
    """An adapter raised something that is not a ProviderError (a bug in the adapter)."""


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_quote(provider: str, value: object) -> Quote:
    """``value`` if it is a usable :class:`Quote`.

    Raises
    ------
    BadResult
        Not a Quote, or a negative or non-integer amount, or no currency.
    """
    if not isinstance(value, Quote):
        raise BadResult(provider, f"quote returned {type(value).__name__}, not a Quote")
    if not _is_int(value.amount_cents) or value.amount_cents < 0:
        raise BadResult(provider, f"quote returned amount_cents={value.amount_cents!r}, not a non-negative integer")
    if not isinstance(value.currency, str) or len(value.currency) != 3:
        raise BadResult(provider, f"quote returned currency={value.currency!r}, not a three-letter code")
    return value


def check_status(
    provider: str,
    method: str,
    value: object,
    *,
    expected: frozenset[BookingState] | None = None,
    booking_id: str | None = None,
) -> BookingStatus:
    """``value`` if it is a :class:`BookingStatus` the call may answer.

    Parameters
    ----------
    provider, method
        Named in the error.
    value
        What the adapter returned.
    expected
        The states the call promises (None: any state).
    booking_id
        The booking asked about (None: a new booking, any non-empty id).

    Raises
    ------
    BadResult
        Not a BookingStatus, no booking id, another booking, a state outside ``expected``,
        or a negative or non-integer amount.
    """
    if not isinstance(value, BookingStatus):
        raise BadResult(provider, f"{method} returned {type(value).__name__}, not a BookingStatus")
    if not isinstance(value.booking_id, str) or not value.booking_id:
        raise BadResult(provider, f"{method} returned booking_id={value.booking_id!r}, not a non-empty string")
    if booking_id is not None and value.booking_id != booking_id:
        raise BadResult(provider, f"{method} of booking {booking_id!r} answered about booking {value.booking_id!r}")
    if not isinstance(value.state, BookingState):
        raise BadResult(provider, f"{method} returned state={value.state!r}, not a BookingState")
    if expected is not None and value.state not in expected:
        wanted = " or ".join(sorted(state.value for state in expected))
        raise BadResult(provider, f"{method} returned state {value.state.value}, expected {wanted}")
    if value.amount_cents is not None and (not _is_int(value.amount_cents) or value.amount_cents < 0):
        raise BadResult(provider, f"{method} returned amount_cents={value.amount_cents!r}, not a non-negative integer")
    if value.vehicle_id is not None and not isinstance(value.vehicle_id, str):
        raise BadResult(provider, f"{method} returned vehicle_id={value.vehicle_id!r}, not a string")
    return value


S = BookingState


@dataclass(frozen=True)
class CheckedProvider:
    """One provider's booking methods with every result checked and every escape typed."""

    provider: Provider

    @property
    def name(self) -> str:
        """The instance name."""
        return self.provider.name

    def _call(self, method: str, call: Callable[[], T]) -> T:
        try:
            return call()
        except ProviderError:
            raise
        except Exception as exc:
            raise AdapterFault(self.name, f"{method} raised {type(exc).__name__}: {exc}") from exc

    def quote(self, leg: LegSpec) -> Quote:
        """:meth:`Provider.quote`, checked."""
        return check_quote(self.name, self._call("quote", lambda: self.provider.quote(leg)))

    def reserve(self, quote: Quote, leg: LegSpec, *, idempotency_key: str) -> BookingStatus:
        """:meth:`Provider.reserve`, checked (a reservation, or a booking the same key made before)."""
        value = self._call("reserve", lambda: self.provider.reserve(quote, leg, idempotency_key=idempotency_key))
        return check_status(self.name, "reserve", value, expected=frozenset(S) - {S.PENDING, S.FAILED})

    def confirm(self, booking_id: str) -> BookingStatus:
        """:meth:`Provider.confirm`, checked."""
        value = self._call("confirm", lambda: self.provider.confirm(booking_id))
        return check_status(self.name, "confirm", value, expected=frozenset({S.CONFIRMED}), booking_id=booking_id)

    def start(self, booking_id: str) -> BookingStatus:
        """:meth:`Provider.start`, checked."""
        value = self._call("start", lambda: self.provider.start(booking_id))
        return check_status(self.name, "start", value, expected=frozenset({S.IN_USE}), booking_id=booking_id)

    def end(self, booking_id: str) -> BookingStatus:
        """:meth:`Provider.end`, checked."""
        value = self._call("end", lambda: self.provider.end(booking_id))
        return check_status(self.name, "end", value, expected=frozenset({S.COMPLETED}), booking_id=booking_id)

    def cancel(self, booking_id: str) -> BookingStatus:
        """:meth:`Provider.cancel`, checked."""
        value = self._call("cancel", lambda: self.provider.cancel(booking_id))
        return check_status(self.name, "cancel", value, expected=frozenset({S.CANCELLED}), booking_id=booking_id)

    def status(self, booking_id: str) -> BookingStatus:
        """:meth:`Provider.status`, checked."""
        value = self._call("status", lambda: self.provider.status(booking_id))
        return check_status(self.name, "status", value, booking_id=booking_id)
