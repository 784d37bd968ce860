"""Accounts for tests: users of any role with a signed-in session, made directly in the database."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask

from app.accounts.access import token_policy
from app.accounts.passwords import hash_password
from app.accounts.tokens import open_session
from app.extensions import db
from app.models import User, utc_now

__all__ = ["SignedIn", "confirm_email", "sign_in"]

PASSWORD = "correct horse battery"
_numbers = itertools.count(1)
_PASSWORD_HASH = hash_password(PASSWORD)


@dataclass(frozen=True)
class SignedIn:
    """A user and the headers that act as them."""

    user_id: int
    email: str
    headers: dict[str, str]
    refresh_token: str


@pytest.fixture
def sign_in() -> Callable[..., SignedIn]:
    """``sign_in(app, role="resident", provider=None, verified=True)``: a new account with a session.

    The account's e-mail address counts as confirmed (bookings and purchases need that)
    unless ``verified=False``.
    """

    def make(app: Flask, role: str = "resident", provider: str | None = None, *, verified: bool = True) -> SignedIn:
        number = next(_numbers)
        email = f"{role}-{number}@example.org"
        with app.app_context(), app.test_request_context():
            user = User(
                email=email,
                display_name=f"{role} {number}",
                password_hash=_PASSWORD_HASH,
                role=role,
                provider=provider,
                email_verified_at=utc_now() if verified else None,
            )
            db.session.add(user)
            db.session.flush()
            pair = open_session(db.session, token_policy(), user)
            db.session.commit()
            return SignedIn(user.id, email, {"Authorization": f"Bearer {pair.access_token}"}, pair.refresh_token)

    return make


def confirm_email(app: Flask, user_id: int) -> None:
    """Mark an account's address confirmed, as following its verification link does."""
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        user.email_verified_at = utc_now()
        db.session.commit()
