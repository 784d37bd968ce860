"""Signed, expiring, single-use tokens for the links in account mail (verification, password reset).

A token is ``<nonce>.<mac>``: 32 random bytes and an HMAC-SHA-256 under the server's key
over the purpose and the nonce, so a token made for one purpose never works for another
and a forged one is refused before the database is asked. The database keeps only the
SHA-256 of the token with its purpose, the address it was sent to, its expiry and when it
was used. Using it sets ``used_at`` in one conditional UPDATE, so of two concurrent uses
only one succeeds. A newer token of the same purpose voids the older ones.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.models import EmailToken, TokenPurpose, User, as_utc, utc_now

__all__ = ["EmailTokenError", "consume_token", "issue_token", "void_tokens"]

TOKEN_SALT = "kassel-mobility.email-token"


class EmailTokenError(ValueError):
    """A token that does not work; ``reason`` is ``invalid``, ``expired`` or ``used``."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"the link is {reason}")


@dataclass(frozen=True)
class IssuedToken:
    """A token to put into a link, and how long it works."""

    token: str
    lifetime: timedelta


def _mac(secret_key: str, purpose: TokenPurpose, nonce: str) -> str:
    key = hashlib.sha256(f"{TOKEN_SALT}|{secret_key}".encode()).digest()
    mac = hmac.new(key, f"{purpose.value}|{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def void_tokens(db: Session, user_id: int, purpose: TokenPurpose) -> None:
    """Make every open token of ``user_id`` for ``purpose`` unusable (the caller commits)."""
    db.execute(
        update(EmailToken)
        .where(EmailToken.user_id == user_id, EmailToken.purpose == purpose.value, EmailToken.used_at.is_(None))
        .values(used_at=utc_now())
    )


def issue_token(db: Session, *, secret_key: str, user: User, purpose: TokenPurpose, lifetime: timedelta) -> IssuedToken:
    """A new token for ``user`` (earlier open ones of the purpose are voided; the caller commits)."""
    void_tokens(db, user.id, purpose)
    nonce = secrets.token_urlsafe(32)
    token = f"{nonce}.{_mac(secret_key, purpose, nonce)}"
    db.add(
        EmailToken(
            user_id=user.id,
            purpose=purpose.value,
            token_hash=_digest(token),
            email=user.email,
            expires_at=utc_now() + lifetime,
        )
    )
    return IssuedToken(token=token, lifetime=lifetime)


def consume_token(db: Session, *, secret_key: str, token: str, purpose: TokenPurpose) -> User:
    """The account a token was issued to, marking the token used (the caller commits).

    Raises
    ------
    EmailTokenError
        ``invalid``: forged, made for another purpose, unknown, or the account's address
        changed since; ``expired``: past its expiry; ``used``: used before or voided.
    """
    nonce, _, mac = token.partition(".")
    if not nonce or not secrets.compare_digest(mac.encode(), _mac(secret_key, purpose, nonce).encode()):
        raise EmailTokenError("invalid")
    row = db.scalar(select(EmailToken).where(EmailToken.token_hash == _digest(token)))
    if row is None or row.purpose != purpose.value:
        raise EmailTokenError("invalid")
    if row.used_at is not None:
        raise EmailTokenError("used")
    if as_utc(row.expires_at) <= utc_now():
        raise EmailTokenError("expired")
    user = db.get(User, row.user_id)
    if user is None or user.email != row.email:
        raise EmailTokenError("invalid")
    claimed = db.execute(
        update(EmailToken).where(EmailToken.id == row.id, EmailToken.used_at.is_(None)).values(used_at=utc_now())
    )
    if getattr(claimed, "rowcount", 0) != 1:  # used by a concurrent request in between
        raise EmailTokenError("used")
    return user
