"""Account mail in the account's language, sent off the request path.

Verification and password reset links, and "this address has an account" to whoever
owns an address someone tried to register again.

:class:`AccountMailer` issues the link's token and hands the message to the SMTP server of
the settings on one background thread per application, so an answer never waits for (or
reveals, by its timing or its status) whether a message was sent: the request endpoints answer the same for known and
unknown addresses. A message the server refuses is logged as an error. Without an SMTP
server (development, tests that do not need one) the message is written to the log
instead; production refuses to start without one (:mod:`app.settings`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import urlencode

from app.i18n import LANGUAGES, text
from app.mail import MailError, OutgoingMail, SmtpConfig, send_mail
from app.models import TokenPurpose, User

__all__ = ["AccountMailer", "account_exists_mail", "account_link", "password_reset_mail", "verification_mail"]

logger = logging.getLogger(__name__)


def account_link(base: str, token: str, purpose: TokenPurpose) -> str:
    """The link in a mail: ``base`` with ``token`` and ``purpose`` appended as query parameters."""
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}{urlencode({'token': token, 'purpose': purpose.value})}"


def _language(user: User) -> str:
    return user.locale if user.locale in LANGUAGES else "de"


def verification_mail(user: User, link: str, lifetime: timedelta) -> OutgoingMail:
    """The verification message to ``user`` in the account's language."""
    language = _language(user)
    hours = round(lifetime.total_seconds() / 3600)
    return OutgoingMail(
        to=user.email,
        subject=text("mail.verify_email.subject", language),
        body=text("mail.verify_email.body", language, name=user.display_name, email=user.email, link=link, hours=hours),
    )


def password_reset_mail(user: User, link: str, lifetime: timedelta) -> OutgoingMail:
    """The password reset message to ``user`` in the account's language."""
    language = _language(user)
    minutes = round(lifetime.total_seconds() / 60)
    return OutgoingMail(
        to=user.email,
        subject=text("mail.password_reset.subject", language),
        body=text(
            "mail.password_reset.body", language, name=user.display_name, email=user.email, link=link, minutes=minutes
        ),
    )


def account_exists_mail(user: User, link_base: str) -> OutgoingMail:
    """To the owner of an address someone tried to register again: how to sign in or reset the password."""
    language = _language(user)
    return OutgoingMail(
        to=user.email,
        subject=text("mail.account_exists.subject", language),
        body=text("mail.account_exists.body", language, name=user.display_name, email=user.email, link=link_base),
    )


class AccountMailer:
    """Sends account mail on a background thread (one per application)."""

    def __init__(self, config: SmtpConfig | None) -> None:
        self.config = config
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="account-mail")

    def send(self, mail: OutgoingMail) -> Future[None]:
        """Queue ``mail``; the future resolves once it was handed over (or the failure was logged)."""
        return self._pool.submit(self._deliver, mail)

    def prepare_and_send(self, prepare: Callable[[], OutgoingMail | None]) -> Future[None]:
        """Run ``prepare`` on the mail thread and send the message it returns (None: nothing to send).

        The request endpoints hand over all their work for a known address (the token's
        database write included) this way: the answer does no more for a known address than
        for an unknown one.
        """
        return self._pool.submit(self._prepare_and_deliver, prepare)

    def _prepare_and_deliver(self, prepare: Callable[[], OutgoingMail | None]) -> None:
        try:
            mail = prepare()
        except Exception:  # a background job: nobody else would see the failure
            logger.exception("account mail could not be prepared")
            return
        if mail is not None:
            self._deliver(mail)

    def _deliver(self, mail: OutgoingMail) -> None:
        if self.config is None:
            logger.info(
                "account mail not sent (no MOBILITY_SMTP_HOST); to %s: %s\n%s", mail.to, mail.subject, mail.body
            )
            return
        try:
            send_mail(self.config, mail)
        except MailError as exc:
            logger.error("account mail to %s not sent: %s", mail.to, exc)

    def close(self) -> None:
        """Send what is queued, then stop the thread."""
        self._pool.shutdown(wait=True)
