"""Registration, sign-in, token refresh and sign-out."""

from __future__ import annotations

from flask import g
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.accounts.access import token_policy
from app.accounts.passwords import hash_password, needs_rehash, verify_password
from app.accounts.policy import ACCOUNT, PUBLIC
from app.accounts.tokens import TokenError, TokenPair, open_session, refresh_session, revoke_session
from app.errors import Conflict, Unauthorized
from app.extensions import db, limiter, orm_session
from app.models import Role, User, as_utc
from app.openapi import ApiBlueprint
from app.schemas.accounts import Account, Credentials, RefreshRequest, Registration, Tokens

blueprint = ApiBlueprint("auth", __name__, tag="accounts")

SIGN_IN_LIMIT = "10 per minute;100 per hour"
REGISTRATION_LIMIT = "5 per minute;50 per hour"


def account_out(user: User) -> Account:
    """The API view of an account."""
    return Account(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        role=user.role,
        locale=user.locale,
        created_at=as_utc(user.created_at),
        district=user.district,
    )


def _tokens(pair: TokenPair) -> Tokens:
    return Tokens(access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in)


@blueprint.operation(
    "/auth/register",
    method="POST",
    summary="Create a resident account",
    body=Registration,
    response=Account,
    status=201,
    errors=(409, 429),
    auth=PUBLIC,
)
@limiter.limit(REGISTRATION_LIMIT)
def register(body: Registration) -> Account:
    """A new account with the role ``resident``.

    The e-mail address is stored lower-case and must be new; the password is kept only as an
    Argon2id hash. Limited per client address.
    """
    email = body.email.lower()
    if db.session.scalar(select(func.count()).select_from(User).where(User.email == email)):
        raise Conflict("an account with this e-mail address exists; sign in instead")
    user = User(
        email=email,
        display_name=body.display_name,
        password_hash=hash_password(body.password),
        role=Role.RESIDENT.value,
        locale=body.locale,
    )
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError as exc:  # registered at the same moment by another request
        db.session.rollback()
        raise Conflict("an account with this e-mail address exists; sign in instead") from exc
    return account_out(user)


@blueprint.operation(
    "/auth/login",
    method="POST",
    summary="Sign in",
    body=Credentials,
    response=Tokens,
    errors=(401, 429),
    auth=PUBLIC,
)
@limiter.limit(SIGN_IN_LIMIT)
def login(body: Credentials) -> Tokens:
    """A new sign-in session: a short-lived access token and a refresh token.

    Wrong e-mail and wrong password get the same answer in the same time. Limited per client
    address.
    """
    user = db.session.scalar(select(User).where(User.email == body.email.lower()))
    if not verify_password(user.password_hash if user else None, body.password) or user is None:
        raise Unauthorized("wrong e-mail address or password")
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(body.password)
    pair = open_session(orm_session(), token_policy(), user)
    db.session.commit()
    return _tokens(pair)


@blueprint.operation(
    "/auth/refresh",
    method="POST",
    summary="Trade a refresh token for new tokens",
    body=RefreshRequest,
    response=Tokens,
    errors=(401, 429),
    auth=PUBLIC,
)
@limiter.limit(SIGN_IN_LIMIT)
def refresh(body: RefreshRequest) -> Tokens:
    """New access and refresh tokens; the old refresh token stops working.

    Presenting a refresh token a second time signs the whole session out (it was copied).
    """
    try:
        pair = refresh_session(orm_session(), token_policy(), body.refresh_token)
    except TokenError as exc:
        db.session.commit()  # a replay's revocation must stick
        raise Unauthorized(str(exc)) from exc
    db.session.commit()
    return _tokens(pair)


@blueprint.operation("/auth/logout", method="POST", summary="Sign out this session", response=Account, auth=ACCOUNT)
def logout() -> Account:
    """Revokes the session of the access token: it and its refresh token stop working at once."""
    revoke_session(orm_session(), g.auth_session.id, "signed out")
    db.session.commit()
    return account_out(g.user)
