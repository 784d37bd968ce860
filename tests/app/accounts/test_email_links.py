"""E-mail verification and password reset, end to end through a real SMTP server on loopback (aiosmtpd).

Each test registers or asks like a resident would, reads the message the SMTP server
received, takes the token out of the link in its text and posts it back.
"""

from __future__ import annotations

import re
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import jsonschema_rs
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import EmailToken, User, utc_now
from tests.conftest_d.accounts import PASSWORD, SignedIn
from tests.conftest_d.smtp import Received, SmtpInbox

LINK = re.compile(r"https://app\.kassel\.example/account\?\S+")
NEW_PASSWORD = "a brand new passphrase 42"


def link_token(mail: Received) -> tuple[str, str]:
    """The token and purpose of the one link in a mail."""
    links = LINK.findall(mail.text)
    assert len(links) == 1, mail.text
    query = parse_qs(urlsplit(links[0]).query)
    return query["token"][0], query["purpose"][0]


def register(client: FlaskClient, email: str, locale: str = "de", name: str = "Anna Schmidt") -> dict:  # type: ignore[type-arg]
    response = client.post(
        "/api/v1/auth/register", json={"email": email, "password": PASSWORD, "displayName": name, "locale": locale}
    )
    assert response.status_code == 202, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def bearer(client: FlaskClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    tokens = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert tokens.status_code == 200, tokens.get_json()
    return {"Authorization": f"Bearer {tokens.get_json()['accessToken']}"}


def test_registration_mails_a_link_in_english_that_confirms_the_address_once(
    mail_app: Flask, smtp_inbox: SmtpInbox
) -> None:
    client = mail_app.test_client()
    register(client, "Anna@Example.org", locale="en")
    mail = smtp_inbox.next()
    assert mail.rcpt_tos == ["anna@example.org"] and mail.mail_from == "noreply@kassel.example"
    assert mail.message["From"] == "Kassel Mobil <noreply@kassel.example>"
    assert mail.message["Subject"] == "Please confirm your e-mail address"
    assert "Hello Anna Schmidt" in mail.text and "48 hours" in mail.text
    token, purpose = link_token(mail)
    assert purpose == "verify-email"

    headers = bearer(client, "anna@example.org")
    refused = client.post(
        "/api/v1/tickets",
        headers=headers | {"Idempotency-Key": str(uuid.uuid4())},
        json={"product": "mittendrin", "month": "2026-11"},
    )
    assert refused.status_code == 403, refused.get_json()
    assert refused.get_json()["type"] == "urn:kassel-mobility:problem:email-not-verified"
    assert refused.get_json()["code"] == "email-not-verified"

    confirmed = client.post("/api/v1/auth/verify-email", json={"token": token}, headers={"Accept-Language": "en"})
    assert confirmed.status_code == 200, confirmed.get_json()
    assert confirmed.get_json()["message"] == "Thank you! Your e-mail address anna@example.org is confirmed."
    assert client.get("/api/v1/me", headers=headers).get_json()["emailVerified"] is True

    again = client.post("/api/v1/auth/verify-email", json={"token": token})
    assert again.status_code == 422
    assert again.get_json()["type"] == "urn:kassel-mobility:problem:email-token-used"
    assert again.get_json()["errors"][0]["field"] == "token"


def test_registering_a_taken_address_answers_as_for_a_new_one_and_mails_its_owner(
    mail_app: Flask, smtp_inbox: SmtpInbox
) -> None:
    """No user enumeration at registration: same status and text; the owner learns of it, nothing else changes."""
    client = mail_app.test_client()
    new = register(client, "owner@example.org", locale="en", name="Olga Owner")
    smtp_inbox.next()  # the new account's verification link
    taken = register(client, "Owner@Example.org", locale="de", name="Mallory")
    assert taken == new
    mail = smtp_inbox.next()
    assert mail.rcpt_tos == ["owner@example.org"]
    assert (
        mail.message["Subject"] == "You already have a Kassel Mobil account"
    )  # the owner's language, not the caller's
    assert "Hello Olga Owner" in mail.text and "Mallory" not in mail.text
    assert "token=" not in mail.text  # no link that would act on the account
    with mail_app.app_context():
        (owner,) = db.session.query(User).all()
        assert owner.display_name == "Olga Owner" and owner.locale == "en"


def test_a_german_account_gets_german_mail_in_utf8(mail_app: Flask, smtp_inbox: SmtpInbox) -> None:
    register(mail_app.test_client(), "joerg@example.org", locale="de", name="Jörg Weiß")
    mail = smtp_inbox.next()
    assert mail.message["Subject"] == "Bitte bestätige deine E-Mail-Adresse"
    assert mail.text.startswith("Hallo Jörg Weiß,") and "48 Stunden" in mail.text
    assert mail.message.get_content_charset() == "utf-8"


def test_the_stored_token_is_only_a_hash(mail_app: Flask, smtp_inbox: SmtpInbox) -> None:
    register(mail_app.test_client(), "hash@example.org")
    token, _ = link_token(smtp_inbox.next())
    with mail_app.app_context():
        row = db.session.scalars(select(EmailToken)).one()
        assert row.token_hash != token and len(row.token_hash) == 64 and token not in row.token_hash
        assert row.purpose == "verify-email" and row.email == "hash@example.org" and row.used_at is None


def test_a_link_past_its_lifetime_is_expired(
    mail_app: Flask, smtp_inbox: SmtpInbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = mail_app.test_client()
    register(client, "late@example.org")
    token, _ = link_token(smtp_inbox.next())
    later = utc_now() + timedelta(hours=48, minutes=1)
    monkeypatch.setattr("app.accounts.email_tokens.utc_now", lambda: later)
    expired = client.post("/api/v1/auth/verify-email", json={"token": token}, headers={"Accept-Language": "de"})
    assert expired.status_code == 422
    assert expired.get_json()["type"] == "urn:kassel-mobility:problem:email-token-expired"
    assert expired.get_json()["detail"] == "Dieser Link ist abgelaufen. Fordere einen neuen an."
    monkeypatch.setattr("app.accounts.email_tokens.utc_now", lambda: later - timedelta(minutes=2))
    assert client.post("/api/v1/auth/verify-email", json={"token": token}).status_code == 200


def test_a_new_link_voids_the_older_one(mail_app: Flask, smtp_inbox: SmtpInbox) -> None:
    client = mail_app.test_client()
    register(client, "twice@example.org")
    first, _ = link_token(smtp_inbox.next())
    assert client.post("/api/v1/auth/verify-email/request", json={"email": "twice@example.org"}).status_code == 202
    second, _ = link_token(smtp_inbox.next())
    assert first != second
    assert (
        client.post("/api/v1/auth/verify-email", json={"token": first}).get_json()["type"].endswith(":email-token-used")
    )
    assert client.post("/api/v1/auth/verify-email", json={"token": second}).status_code == 200


def test_forged_and_wrong_purpose_tokens_are_invalid(mail_app: Flask, smtp_inbox: SmtpInbox) -> None:
    client = mail_app.test_client()
    register(client, "mix@example.org")
    token, _ = link_token(smtp_inbox.next())
    nonce, _, mac = token.partition(".")
    forged = f"{nonce}.{mac[:-2]}{'AA' if not mac.endswith('AA') else 'BB'}"
    for body, path in (
        ({"token": forged}, "/api/v1/auth/verify-email"),
        ({"token": token, "password": NEW_PASSWORD}, "/api/v1/auth/password-reset"),
        ({"token": "x" * 43 + "." + "y" * 43}, "/api/v1/auth/verify-email"),
    ):
        response = client.post(path, json=body)
        assert response.status_code == 422, (path, response.get_json())
        assert response.get_json()["type"] == "urn:kassel-mobility:problem:email-token-invalid"
    assert client.post("/api/v1/auth/verify-email", json={"token": token}).status_code == 200


def test_asking_for_links_answers_the_same_for_known_unknown_and_confirmed_addresses(
    mail_app: Flask, smtp_inbox: SmtpInbox, sign_in: Callable[..., SignedIn]
) -> None:
    client = mail_app.test_client()
    register(client, "known@example.org")
    smtp_inbox.next()
    confirmed = sign_in(mail_app)
    for path in ("/api/v1/auth/verify-email/request", "/api/v1/auth/password-reset/request"):
        answers = []
        for email in ("known@example.org", "nobody@example.org", confirmed.email):
            response = client.post(path, json={"email": email}, headers={"Accept-Language": "en"})
            answers.append((response.status_code, response.get_json()))
        assert answers[0] == answers[1] == answers[2], answers
        assert answers[0][0] == 202
    recipients = sorted(smtp_inbox.next().rcpt_tos[0] for _ in range(3))
    # verification: only the unconfirmed known account; reset: both known accounts
    assert recipients == sorted(["known@example.org", "known@example.org", confirmed.email])
    assert smtp_inbox.nothing_within(0.5)


def test_password_reset_sets_the_new_password_and_signs_out_everywhere(mail_app: Flask, smtp_inbox: SmtpInbox) -> None:
    client = mail_app.test_client()
    register(client, "forgot@example.org", locale="de")
    smtp_inbox.next()
    old_session = bearer(client, "forgot@example.org")
    asked = client.post("/api/v1/auth/password-reset/request", json={"email": "Forgot@Example.org"})
    assert asked.status_code == 202
    mail = smtp_inbox.next()
    assert mail.message["Subject"] == "Dein Passwort zurücksetzen" and "60 Minuten" in mail.text
    token, purpose = link_token(mail)
    assert purpose == "password-reset"

    reset = client.post("/api/v1/auth/password-reset", json={"token": token, "password": NEW_PASSWORD})
    assert reset.status_code == 200, reset.get_json()
    assert client.get("/api/v1/me", headers=old_session).status_code == 401
    assert (
        client.post("/api/v1/auth/login", json={"email": "forgot@example.org", "password": PASSWORD}).status_code == 401
    )
    me = client.get("/api/v1/me", headers=bearer(client, "forgot@example.org", NEW_PASSWORD)).get_json()
    assert me["emailVerified"] is True  # following the link proved the address

    again = client.post("/api/v1/auth/password-reset", json={"token": token, "password": "yet another passphrase"})
    assert again.status_code == 422 and again.get_json()["type"].endswith(":email-token-used")
    with mail_app.app_context():
        user = db.session.scalars(select(User).where(User.email == "forgot@example.org")).one()
        assert user.password_hash is not None and user.password_hash.startswith("$argon2id$")


def test_a_short_new_password_is_refused_naming_the_field(mail_app: Flask, smtp_inbox: SmtpInbox) -> None:
    client = mail_app.test_client()
    response = client.post("/api/v1/auth/password-reset", json={"token": "t" * 40, "password": "short"})
    assert response.status_code == 422
    assert [e["field"] for e in response.get_json()["errors"]] == ["password"]


def test_links_asked_for_one_address_are_rate_limited_whether_or_not_it_is_known(
    mail_app: Flask, smtp_inbox: SmtpInbox
) -> None:
    client = mail_app.test_client()
    register(client, "popular@example.org")
    smtp_inbox.next()
    for network, email in ((1, "popular@example.org"), (2, "ghost@example.org")):
        statuses = [  # each from another client address: the per-address limit still holds
            client.post(
                "/api/v1/auth/password-reset/request",
                json={"email": email},
                environ_base={"REMOTE_ADDR": f"10.0.{network}.{i}"},
            ).status_code
            for i in range(4)
        ]
        assert statuses == [202, 202, 202, 429], (email, statuses)
    limited = client.post(
        "/api/v1/auth/password-reset/request",
        json={"email": "ghost@example.org"},
        environ_base={"REMOTE_ADDR": "10.9.9.9"},
    )
    assert limited.mimetype == "application/problem+json" and int(limited.headers["Retry-After"]) > 0


def test_links_are_rate_limited_per_client(mail_app: Flask, smtp_inbox: SmtpInbox) -> None:
    client = mail_app.test_client()
    statuses = [
        client.post("/api/v1/auth/verify-email/request", json={"email": f"n{i}@example.org"}).status_code
        for i in range(7)
    ]
    assert statuses == [202] * 5 + [429, 429]
    tokens = [client.post("/api/v1/auth/verify-email", json={"token": "z" * 40}).status_code for _ in range(12)]
    assert tokens == [422] * 10 + [429, 429]


def test_an_unreachable_mail_server_changes_nothing_in_the_answer(
    make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    app = make_app(
        smtp_host="127.0.0.1", smtp_port=closed_port, smtp_security="none", mail_sender="noreply@kassel.example"
    )
    client = app.test_client()
    register(client, "offline@example.org")
    response = client.post("/api/v1/auth/password-reset/request", json={"email": "offline@example.org"})
    assert response.status_code == 202
    app.extensions["mobility.mailer"].close()  # waits for the queued messages
    failures = [r for r in caplog.records if r.name == "app.accounts.account_mail" and r.levelname == "ERROR"]
    assert len(failures) == 2 and f"SMTP server 127.0.0.1:{closed_port}" in failures[0].getMessage()


def test_bookings_need_a_confirmed_address(app: Flask, sign_in: Callable[..., SignedIn]) -> None:
    client = app.test_client()
    unconfirmed = sign_in(app, verified=False)
    body = {"itineraryId": "not-a-signed-itinerary"}
    headers = unconfirmed.headers | {"Idempotency-Key": str(uuid.uuid4()), "Accept-Language": "de"}
    refused = client.post("/api/v1/bookings", headers=headers, json=body)
    assert refused.status_code == 403
    problem = refused.get_json()
    assert (
        problem["type"] == "urn:kassel-mobility:problem:email-not-verified" and problem["code"] == "email-not-verified"
    )
    assert problem["detail"].startswith("Bestätige zuerst deine E-Mail-Adresse")
    confirmed = sign_in(app)
    past_the_check = client.post(
        "/api/v1/bookings", headers=confirmed.headers | {"Idempotency-Key": str(uuid.uuid4())}, json=body
    )
    assert past_the_check.status_code == 422
    assert past_the_check.get_json()["type"] == "urn:kassel-mobility:problem:invalid-itinerary"


def test_two_concurrent_uses_of_one_link_give_one_success(mail_app: Flask, smtp_inbox: SmtpInbox) -> None:
    register(mail_app.test_client(), "race@example.org")
    token, _ = link_token(smtp_inbox.next())
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def verify() -> None:
        client = mail_app.test_client()
        barrier.wait()
        statuses.append(client.post("/api/v1/auth/verify-email", json={"token": token}).status_code)

    threads = [threading.Thread(target=verify) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [200, 422]


def test_sent_links_are_in_the_export_without_their_token_and_go_with_the_account(
    mail_app: Flask, smtp_inbox: SmtpInbox
) -> None:
    client = mail_app.test_client()
    register(client, "export@example.org")
    token, _ = link_token(smtp_inbox.next())
    assert client.post("/api/v1/auth/verify-email", json={"token": token}).status_code == 200
    headers = bearer(client, "export@example.org")
    export = client.get("/api/v1/me/export", headers=headers)
    schema = client.get("/api/v1/me/export/schema").get_json()
    jsonschema_rs.validator_for(schema).validate(export.get_json())
    links = export.get_json()["emailLinks"]
    assert [(link["purpose"], link["sentTo"], link["usedAt"] is not None) for link in links] == [
        ("verify-email", "export@example.org", True)
    ]
    assert token not in export.get_data(as_text=True)
    assert client.delete("/api/v1/me", headers=headers).status_code == 204
    with mail_app.app_context():
        assert db.session.scalars(select(EmailToken)).all() == []
