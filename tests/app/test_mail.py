"""The SMTP client against a small SMTP server on loopback that keeps what it receives."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message

import pytest

from app.mail import MailError, OutgoingMail, SmtpConfig, SmtpSecurity, send_mail


class _Inbox(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SmtpHandler)
        self.received: list[tuple[str, list[str], bytes]] = []


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough of RFC 5321 for smtplib: EHLO, MAIL, RCPT, DATA, QUIT."""

    def handle(self) -> None:
        inbox: _Inbox = self.server  # type: ignore[assignment]
        self.wfile.write(b"220 test ESMTP\r\n")
        sender, recipients = "", []
        while line := self.rfile.readline():
            command = line.decode().strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.wfile.write(b"250 test\r\n")
            elif verb == "MAIL":
                sender = command.split(":", 1)[1].strip(" <>")
                self.wfile.write(b"250 ok\r\n")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip(" <>"))
                self.wfile.write(b"250 ok\r\n")
            elif verb == "DATA":
                self.wfile.write(b"354 go on\r\n")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                inbox.received.append((sender, recipients, data))
                self.wfile.write(b"250 queued\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"502 not implemented\r\n")


@pytest.fixture
def inbox() -> Iterator[_Inbox]:
    server = _Inbox()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_message_reaches_the_server_with_utf8_text(inbox: _Inbox) -> None:
    config = SmtpConfig(
        host="127.0.0.1", port=inbox.server_address[1], sender="noreply@kassel.example", security=SmtpSecurity.NONE
    )
    send_mail(config, OutgoingMail(to="anna@example.org", subject="Bestätigen", body="Grüße aus Kassel\n"))
    assert len(inbox.received) == 1
    sender, recipients, data = inbox.received[0]
    assert sender == "noreply@kassel.example" and recipients == ["anna@example.org"]
    message: Message = message_from_bytes(data)
    assert message["To"] == "anna@example.org"
    assert message.get_payload(decode=True).decode().splitlines() == ["Grüße aus Kassel"]  # type: ignore[union-attr]


def test_an_unreachable_server_is_a_mail_error_naming_it(inbox: _Inbox) -> None:
    port = inbox.server_address[1]
    inbox.shutdown()
    inbox.server_close()
    config = SmtpConfig(host="127.0.0.1", port=port, sender="noreply@kassel.example", security=SmtpSecurity.NONE)
    with pytest.raises(MailError, match=f"127.0.0.1:{port}"):
        send_mail(config, OutgoingMail(to="anna@example.org", subject="x", body="x"))


def test_starttls_against_a_server_without_it_is_a_mail_error(inbox: _Inbox) -> None:
    config = SmtpConfig(host="127.0.0.1", port=inbox.server_address[1], sender="noreply@kassel.example")
    with pytest.raises(MailError, match="STARTTLS"):
        send_mail(config, OutgoingMail(to="anna@example.org", subject="x", body="x"))
    assert inbox.received == []
