"""Sending e-mail through an SMTP server (smtplib): plain, implicit TLS or STARTTLS, with optional credentials.

The configuration is passed in (:class:`SmtpConfig`, built from the settings at the edge);
nothing here reads the environment. A failure to deliver is one typed error,
:class:`MailError`, that names the server and the cause.
"""

from __future__ import annotations

import enum
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

__all__ = ["MailError", "OutgoingMail", "SmtpConfig", "SmtpSecurity", "build_message", "send_mail"]


class SmtpSecurity(enum.StrEnum):
    """How the connection to the SMTP server is protected."""

    NONE = "none"
    TLS = "tls"
    """Implicit TLS from the first byte (port 465)."""
    STARTTLS = "starttls"
    """Plain connection upgraded with STARTTLS (port 587)."""


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how mail is handed over."""

    host: str
    port: int
    sender: str
    security: SmtpSecurity = SmtpSecurity.STARTTLS
    username: str | None = None
    password: str | None = None
    timeout_seconds: float = 10.0


@dataclass(frozen=True)
class OutgoingMail:
    """One message to one recipient (plain text)."""

    to: str
    subject: str
    body: str


class MailError(RuntimeError):
    """The message could not be handed to the SMTP server; the message names server and cause."""


def build_message(config: SmtpConfig, mail: OutgoingMail) -> EmailMessage:
    """The RFC 5322 message of ``mail`` from the configured sender (UTF-8 text)."""
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message.set_content(mail.body)
    return message


def send_mail(config: SmtpConfig, mail: OutgoingMail) -> None:
    """Hand ``mail`` to the SMTP server of ``config``.

    Raises
    ------
    MailError
        Connection, TLS, authentication or refusal by the server.
    """
    message = build_message(config, mail)
    context = ssl.create_default_context()
    try:
        if config.security is SmtpSecurity.TLS:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                config.host, config.port, timeout=config.timeout_seconds, context=context
            )
        else:
            client = smtplib.SMTP(config.host, config.port, timeout=config.timeout_seconds)
        with client:
            if config.security is SmtpSecurity.STARTTLS:
                client.starttls(context=context)
            if config.username:
                client.login(config.username, config.password or "")
            client.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        msg = f"SMTP server {config.host}:{config.port}: {exc}"
        raise MailError(msg) from exc
