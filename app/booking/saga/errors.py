"""What the saga raises: refusals before anything is booked, failed steps, an exhausted budget."""

from __future__ import annotations


class BookingError(Exception):
    """A booking request the saga refuses before anything is reserved; ``slug`` names the rule."""

    def __init__(self, slug: str, detail: str) -> None:
        super().__init__(detail)
        self.slug = slug
        self.detail = detail


class StepFailed(Exception):
    """A saga step failed; the booking is compensated with ``reason``.

    ``provider`` names the provider instance whose answer broke the step (None: the payment
    or our own rules); ``bad_gateway`` says that provider answered with something the
    interface does not allow (the API answers 502 naming it); ``in_flight`` says the outcome is
    unknown (the operator did not answer) and the step stays open for the reconciler.
    """

    def __init__(
        self,
        reason: str,
        *,
        declined: bool = False,
        provider: str | None = None,
        bad_gateway: bool = False,
        in_flight: bool = False,
    ) -> None:
        super().__init__(reason)
        self.in_flight = in_flight
        self.reason = reason
        self.declined = declined
        self.provider = provider
        self.bad_gateway = bad_gateway


class OutOfBudget(Exception):
    """The request's time budget ran out between two steps; the booking stays in flight for the reconciler."""

    def __init__(self, step: str) -> None:
        super().__init__(f"the time budget ran out before {step}")
        self.step = step
