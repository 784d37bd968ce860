"""A real SMTP server (aiosmtpd) on loopback that keeps every message it receives, and an app that mails to it."""

from __future__ import annotations

import queue
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

__all__ = ["Received", "SmtpInbox", "mail_app", "smtp_inbox"]


@dataclass(frozen=True)
class Received:
    """One message as the server got it: the envelope and the parsed RFC 5322 message."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def text(self) -> str:
        """The plain-text body."""
        body = self.message.get_body(preferencelist=("plain",))
        assert body is not None
        return str(body.get_content())


class _Keep:
    def __init__(self, inbox: queue.Queue[Received]) -> None:
        self.inbox = inbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.inbox.put(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class SmtpInbox:
    """The messages an aiosmtpd server on 127.0.0.1 received."""

    def __init__(self) -> None:
        self.messages: queue.Queue[Received] = queue.Queue()
        self.port = _free_port()
        self.controller = Controller(_Keep(self.messages), hostname="127.0.0.1", port=self.port)

    def next(self, timeout: float = 10.0) -> Received:
        """The next message received, waiting up to ``timeout`` seconds (mail is sent in the background)."""
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"no mail reached the SMTP server within {timeout} s")

    def nothing_within(self, seconds: float) -> bool:
        """Whether no message arrives within ``seconds``."""
        try:
            self.messages.get(timeout=seconds)
        except queue.Empty:
            return True
        return False


@pytest.fixture
def smtp_inbox() -> Iterator[SmtpInbox]:
    """A running SMTP server on loopback; stopped after the test."""
    for attempt in range(5):  # another process on this machine may take the free port before the server binds it
        inbox = SmtpInbox()
        try:
            inbox.controller.start()
            break
        except (OSError, RuntimeError):
            if attempt == 4:
                raise
    yield inbox
    inbox.controller.stop()


@pytest.fixture
def mail_app(make_app: Callable[..., Flask], smtp_inbox: SmtpInbox) -> Iterator[Flask]:
    """An application whose account mail goes to :func:`smtp_inbox` (plain SMTP on loopback).

    After the test its mail thread sends what is still queued and ends before the server
    stops: a session cut off by the stop leaves the server's socket open until a garbage
    collection in some later test finds it (CI: an unraisable ResourceWarning there).
    """
    application = make_app(
        smtp_host="127.0.0.1",
        smtp_port=smtp_inbox.port,
        smtp_security="none",
        mail_sender="Kassel Mobil <noreply@kassel.example>",
        account_link_base="https://app.kassel.example/account",
    )
    yield application
    application.extensions["mobility.mailer"].close()
