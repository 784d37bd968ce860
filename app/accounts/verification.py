"""What needs a verified e-mail address: bookings and pass purchases."""

from __future__ import annotations

from app.errors import Forbidden
from app.i18n import negotiate, text
from app.models import User

__all__ = ["EmailNotVerified", "require_verified_email"]


class EmailNotVerified(Forbidden):
    """The account's e-mail address is not confirmed yet; buying and booking wait for it."""

    slug = "email-not-verified"
    title = "E-mail address not confirmed"


def require_verified_email(user: User) -> None:
    """Refuse an action that spends money or books a vehicle for an account whose address is not confirmed.

    Raises
    ------
    EmailNotVerified
        403 ``email-not-verified``; the detail (in the caller's language) says how to confirm.
    """
    if user.email_verified_at is None:
        raise EmailNotVerified(text("error.email_not_verified", negotiate()), extra={"code": "email-not-verified"})
