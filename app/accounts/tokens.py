"""Sign-in sessions: short-lived signed access tokens and rotating, revocable refresh tokens.

An access token is ``itsdangerous``-signed ``{session, user}`` valid for a few minutes;
every request also checks that its session is not revoked, so logout takes effect at
once. A refresh token is a random secret whose SHA-256 the session keeps; each use
replaces it. Presenting an old refresh token again (a stolen copy being replayed)
revokes the whole session.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuthSession, User, as_utc, utc_now

ACCESS_SALT = "kassel-mobility.access"


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

    def serializer(self) -> URLSafeTimedSerializer:
        """The access-token signer."""
        return URLSafeTimedSerializer(self.secret_key, salt=ACCESS_SALT)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _issue(policy: TokenPolicy, auth: AuthSession) -> TokenPair:
    refresh = secrets.token_urlsafe(32)
    auth.refresh_hash = _digest(refresh)
    access = policy.serializer().dumps({"s": auth.id, "u": auth.user_id})
    return TokenPair(
        access_token=str(access), refresh_token=f"{auth.id}.{refresh}", expires_in=policy.access_minutes * 60
    )


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
        Unknown, expired, revoked or replayed token; a replay revokes the session.
    """
    session_id, _, secret = refresh_token.partition(".")
    auth = db.get(AuthSession, session_id, with_for_update=True) if secret else None
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
    try:
        claims = policy.serializer().loads(access_token, max_age=policy.access_minutes * 60)
    except SignatureExpired as exc:
        raise TokenError("the access token expired; refresh it") from exc
    except BadSignature as exc:
        raise TokenError("the access token is not valid") from exc
    if not isinstance(claims, dict) or not isinstance(claims.get("s"), str) or not isinstance(claims.get("u"), int):
        raise TokenError("the access token is not valid")
    auth = db.get(AuthSession, claims["s"])
    if auth is None or auth.revoked_at is not None or auth.user_id != claims["u"]:
        raise TokenError("the session was signed out")
    user = db.get(User, auth.user_id)
    if user is None:
        raise TokenError("the account no longer exists")
    return user, auth
