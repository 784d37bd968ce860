"""Sign-in sessions: short-lived signed access tokens and rotating, revocable refresh tokens.

An access token is an encrypted and authenticated (Fernet) ``{session, user}`` valid for
a few minutes: nobody without the server's key can read the session id out of it. Every
request also checks that its session is not revoked, so logout takes effect at once.

A refresh token is ``<session>.<nonce>.<mac>``: the MAC (HMAC-SHA-256 under the server's
key) proves that the server issued it for that session, and the session keeps the SHA-256
of the current one; each use replaces it. Presenting an old refresh token again that the
server really issued (a stolen copy being replayed) revokes the whole session; a token
whose MAC does not verify is only refused, so knowing a session id is not enough to sign
someone out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuthSession, User, as_utc, utc_now

ACCESS_SALT = "kassel-mobility.access"
REFRESH_SALT = "kassel-mobility.refresh"


class TokenError(Exception):
    """A token that does not grant access; the message says why (for the 401)."""


@dataclass(frozen=True)
class TokenPair:
    """What a login or a refresh hands out."""

    access_token: str
    refresh_token: str
    expires_in: int
    """Seconds the access token is valid."""


@dataclass(frozen=True)
class TokenPolicy:
    """Signing key and lifetimes (from the settings)."""

    secret_key: str
    access_minutes: int
    refresh_days: int

    def cipher(self) -> Fernet:
        """The access-token cipher (a key derived from the secret key)."""
        key = hashlib.sha256(f"{ACCESS_SALT}|{self.secret_key}".encode()).digest()
        return Fernet(base64.urlsafe_b64encode(key))

    def refresh_mac(self, session_id: str, nonce: str) -> str:
        """The MAC that proves the server issued the refresh token ``session_id.nonce``."""
        key = hashlib.sha256(f"{REFRESH_SALT}|{self.secret_key}".encode()).digest()
        mac = hmac.new(key, f"{session_id}.{nonce}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _issue(policy: TokenPolicy, auth: AuthSession) -> TokenPair:
    nonce = secrets.token_urlsafe(32)
    secret = f"{nonce}.{policy.refresh_mac(auth.id, nonce)}"
    auth.refresh_hash = _digest(secret)
    access = policy.cipher().encrypt(json.dumps({"s": auth.id, "u": auth.user_id}).encode()).decode()
    return TokenPair(access_token=access, refresh_token=f"{auth.id}.{secret}", expires_in=policy.access_minutes * 60)


def _issued_by_us(policy: TokenPolicy, session_id: str, secret: str) -> bool:
    """Whether ``secret`` carries a valid MAC for ``session_id`` (so a mismatch is a real replay)."""
    nonce, _, mac = secret.rpartition(".")
    return bool(nonce) and secrets.compare_digest(mac, policy.refresh_mac(session_id, nonce))


def open_session(db: Session, policy: TokenPolicy, user: User) -> TokenPair:
    """A new sign-in session for ``user`` (the caller commits)."""
    auth = AuthSession(
        id=secrets.token_urlsafe(24),
        user_id=user.id,
        refresh_hash="",
        expires_at=utc_now() + timedelta(days=policy.refresh_days),
    )
    db.add(auth)
    return _issue(policy, auth)


def refresh_session(db: Session, policy: TokenPolicy, refresh_token: str) -> TokenPair:
    """Rotate a refresh token into a new pair (the caller commits).

    Raises
    ------
    TokenError
        Unknown, forged, expired, revoked or replayed token. Only a replay of a token the
        server really issued for the session (its MAC verifies) revokes the session; a
        forged one is refused and changes nothing.
    """
    session_id, _, secret = refresh_token.partition(".")
    genuine = bool(secret) and _issued_by_us(policy, session_id, secret)
    auth = db.get(AuthSession, session_id, with_for_update=True) if genuine else None
    if auth is None:
        raise TokenError("unknown refresh token")
    if auth.revoked_at is not None:
        raise TokenError("the session was signed out")
    if as_utc(auth.expires_at) <= utc_now():
        raise TokenError("the session expired; sign in again")
    if not secrets.compare_digest(auth.refresh_hash, _digest(secret)):
        auth.revoked_at, auth.revoked_reason = utc_now(), "refresh token reused"
        raise TokenError("this refresh token was already used; the session is signed out for safety")
    return _issue(policy, auth)


def revoke_session(db: Session, session_id: str, reason: str) -> None:
    """Sign a session out (idempotent; the caller commits)."""
    auth = db.get(AuthSession, session_id)
    if auth is not None and auth.revoked_at is None:
        auth.revoked_at, auth.revoked_reason = utc_now(), reason


def revoke_all(db: Session, user_id: int, reason: str) -> None:
    """Sign every session of a user out (password change, account deletion)."""
    now: datetime = utc_now()
    for auth in db.scalars(select(AuthSession).where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))):
        auth.revoked_at, auth.revoked_reason = now, reason


def authenticate(db: Session, policy: TokenPolicy, access_token: str) -> tuple[User, AuthSession]:
    """The user and session an access token stands for.

    Raises
    ------
    TokenError
        Bad signature, expired token, signed-out session or deleted user.
    """
    cipher = policy.cipher()
    try:
        plain = cipher.decrypt(access_token.encode())
        issued = cipher.extract_timestamp(access_token.encode())
        claims = json.loads(plain)
    except (InvalidToken, UnicodeEncodeError, ValueError) as exc:
        raise TokenError("the access token is not valid") from exc
    if time.time() - issued > policy.access_minutes * 60:
        raise TokenError("the access token expired; refresh it")
    if not isinstance(claims, dict) or not isinstance(claims.get("s"), str) or not isinstance(claims.get("u"), int):
        raise TokenError("the access token is not valid")
    auth = db.get(AuthSession, claims["s"])
    if auth is None or auth.revoked_at is not None or auth.user_id != claims["u"]:
        raise TokenError("the session was signed out")
    user = db.get(User, auth.user_id)
    if user is None:
        raise TokenError("the account no longer exists")
    return user, auth
