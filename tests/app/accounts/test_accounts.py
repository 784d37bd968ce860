"""Accounts: registration, sign-in, rotating refresh tokens, sign-out, rate limits, roles, export, deletion."""

from __future__ import annotations

import base64
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import AuthSession, User
from tests.conftest_d.accounts import PASSWORD, SignedIn


def register(client: FlaskClient, email: str = "Anna.Schmidt@Example.org") -> dict:  # type: ignore[type-arg]
    response = client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD, "displayName": "Anna"})
    assert response.status_code == 202, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def login(client: FlaskClient, email: str, password: str = PASSWORD) -> dict:  # type: ignore[type-arg]
    return client.post("/api/v1/auth/login", json={"email": email, "password": password}).get_json()  # type: ignore[no-any-return]


def test_register_sign_in_and_read_the_account(client: FlaskClient, app: Flask) -> None:
    register(client)
    tokens = login(client, "ANNA.SCHMIDT@example.org")
    assert tokens["tokenType"] == "Bearer" and tokens["expiresIn"] == 15 * 60
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens['accessToken']}"})
    assert me.status_code == 200 and me.get_json()["email"] == "anna.schmidt@example.org"
    assert me.get_json()["role"] == "resident" and me.get_json()["emailVerified"] is False
    with app.app_context():
        stored = db.session.query(User).one()
        assert stored.password_hash is not None and stored.password_hash.startswith("$argon2id$")
        assert PASSWORD not in stored.password_hash


def test_registration_reveals_no_account_and_changes_none_and_refuses_weak_input(
    client: FlaskClient, app: Flask
) -> None:
    first = register(client)
    again = client.post(
        "/api/v1/auth/register",
        json={"email": "ANNA.schmidt@example.org", "password": "another long password", "displayName": "Other"},
    )
    assert again.status_code == 202 and again.get_json() == first  # the same answer as for a new address
    with app.app_context():
        (stored,) = db.session.query(User).all()
        assert stored.display_name == "Anna"
    assert "accessToken" in login(client, "anna.schmidt@example.org")
    assert (
        client.post(
            "/api/v1/auth/login", json={"email": "anna.schmidt@example.org", "password": "another long password"}
        ).status_code
        == 401
    )
    weak = client.post(
        "/api/v1/auth/register", json={"email": "x@example.org", "password": "short", "displayName": "X"}
    )
    assert weak.status_code == 422 and {e["field"] for e in weak.get_json()["errors"]} == {"password"}
    bad = client.post(
        "/api/v1/auth/register", json={"email": "not-an-address", "password": PASSWORD, "displayName": "X"}
    )
    assert bad.status_code == 422 and {e["field"] for e in bad.get_json()["errors"]} == {"email"}


def test_wrong_password_and_unknown_address_look_the_same(client: FlaskClient) -> None:
    register(client)
    wrong = client.post("/api/v1/auth/login", json={"email": "anna.schmidt@example.org", "password": "wrong password"})
    unknown = client.post("/api/v1/auth/login", json={"email": "nobody@example.org", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json()["detail"] == unknown.get_json()["detail"]
    assert wrong.headers["WWW-Authenticate"].startswith("Bearer")


def test_refresh_rotates_and_a_replayed_refresh_token_signs_the_session_out(client: FlaskClient) -> None:
    register(client)
    first = login(client, "anna.schmidt@example.org")
    second = client.post("/api/v1/auth/refresh", json={"refreshToken": first["refreshToken"]}).get_json()
    assert second["refreshToken"] != first["refreshToken"]
    headers = {"Authorization": f"Bearer {second['accessToken']}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    replay = client.post("/api/v1/auth/refresh", json={"refreshToken": first["refreshToken"]})
    assert replay.status_code == 401 and "already used" in replay.get_json()["detail"]
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.post("/api/v1/auth/refresh", json={"refreshToken": second["refreshToken"]}).status_code == 401


def test_logout_revokes_access_and_refresh_at_once(client: FlaskClient, app: Flask) -> None:
    register(client)
    tokens = login(client, "anna.schmidt@example.org")
    headers = {"Authorization": f"Bearer {tokens['accessToken']}"}
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 200
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.post("/api/v1/auth/refresh", json={"refreshToken": tokens["refreshToken"]}).status_code == 401
    with app.app_context():
        assert db.session.query(AuthSession).one().revoked_reason == "signed out"


def test_bad_tokens_are_401_with_a_reason(client: FlaskClient) -> None:
    for header in (
        {},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer garbage"},
        {"Authorization": "Bearer "},
    ):
        response = client.get("/api/v1/me", headers=header)
        assert response.status_code == 401
        assert response.mimetype == "application/problem+json" and response.get_json()["detail"]


def test_sign_in_is_rate_limited_per_client(client: FlaskClient) -> None:
    register(client)
    statuses = [
        client.post(
            "/api/v1/auth/login", json={"email": "anna.schmidt@example.org", "password": "nope nope"}
        ).status_code
        for _ in range(12)
    ]
    assert statuses[:10] == [401] * 10 and statuses[10:] == [429, 429]
    limited = client.post("/api/v1/auth/login", json={"email": "anna.schmidt@example.org", "password": PASSWORD})
    assert limited.status_code == 429 and limited.mimetype == "application/problem+json"
    assert int(limited.headers["Retry-After"]) > 0


def test_registration_is_rate_limited(client: FlaskClient) -> None:
    statuses = [
        client.post(
            "/api/v1/auth/register",
            json={"email": f"u{i}@example.org", "password": PASSWORD, "displayName": "U"},
        ).status_code
        for i in range(7)
    ]
    assert statuses == [202] * 5 + [429, 429]


def test_update_export_and_delete_the_account(
    client: FlaskClient, app: Flask, sign_in: Callable[..., SignedIn]
) -> None:
    anna = sign_in(app)
    changed = client.patch("/api/v1/me", json={"displayName": "Anna S.", "locale": "en"}, headers=anna.headers)
    assert changed.status_code == 200 and changed.get_json()["displayName"] == "Anna S."
    assert client.patch("/api/v1/me", json={"role": "admin"}, headers=anna.headers).status_code == 422
    export = client.get("/api/v1/me/export", headers=anna.headers).get_json()
    assert export["account"]["email"] == anna.email and len(export["sessions"]) == 1
    assert client.delete("/api/v1/me", headers=anna.headers).status_code == 204
    assert client.get("/api/v1/me", headers=anna.headers).status_code == 401
    with app.app_context():
        assert db.session.get(User, anna.user_id) is None


def test_a_forged_refresh_token_for_a_known_session_does_not_sign_the_owner_out(client: FlaskClient) -> None:
    register(client)
    tokens = login(client, "anna.schmidt@example.org")
    headers = {"Authorization": f"Bearer {tokens['accessToken']}"}
    session_id = tokens["refreshToken"].split(".", 1)[0]
    for forged in (f"{session_id}.anything", f"{session_id}.nonce.mac", f"{session_id}."):
        refused = client.post("/api/v1/auth/refresh", json={"refreshToken": forged})
        assert refused.status_code == 401 and "unknown" in refused.get_json()["detail"]
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    again = client.post("/api/v1/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
    assert again.status_code == 200


def test_the_session_id_cannot_be_read_from_an_access_token(client: FlaskClient) -> None:
    register(client)
    tokens = login(client, "anna.schmidt@example.org")
    session_id = tokens["refreshToken"].split(".", 1)[0]
    access = tokens["accessToken"]
    decoded = base64.urlsafe_b64decode(access + "=" * (-len(access) % 4))
    assert session_id not in access and session_id.encode() not in decoded
    assert b'"s"' not in decoded and b'"u"' not in decoded


def test_a_tampered_access_token_is_401(client: FlaskClient) -> None:
    register(client)
    access = login(client, "anna.schmidt@example.org")["accessToken"]
    tampered = access[:-4] + ("AAAA" if not access.endswith("AAAA") else "BBBB")
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {tampered}"})
    assert response.status_code == 401 and response.get_json()["detail"] == "the access token is not valid"
