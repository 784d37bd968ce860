"""Who is calling: the bearer token of the request, checked against its session and role."""

from __future__ import annotations

from flask import current_app, g, request

from app.accounts.tokens import TokenError, TokenPolicy, authenticate
from app.errors import Forbidden, NotFound, Unauthorized
from app.extensions import db
from app.models import Role, User
from app.settings import Settings


def token_policy() -> TokenPolicy:
    """The app's token signing key and lifetimes."""
    settings: Settings = current_app.extensions["mobility.settings"]
    return TokenPolicy(
        secret_key=current_app.config["SECRET_KEY"],
        access_minutes=settings.access_token_minutes,
        refresh_days=settings.refresh_token_days,
    )


def authorize(roles: tuple[str, ...]) -> User:
    """Check the bearer token (and, when ``roles`` is not empty, the account's role).

    Raises
    ------
    Unauthorized
        No, a bad, an expired or a signed-out token.
    Forbidden
        The account's role is not among ``roles``.
    """
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send Authorization: Bearer <access token> (POST /api/v1/auth/login gives one)")
    try:
        user, auth = authenticate(db.session, token_policy(), token.strip())
    except TokenError as exc:
        raise Unauthorized(str(exc)) from exc
    if roles and user.role not in roles:
        raise Forbidden(f"this needs the role {' or '.join(roles)}; the account is {user.role}")
    g.user, g.auth_session = user, auth
    return user


def current_user() -> User:
    """The account an authorised operation runs for."""
    user: User = g.user
    return user


def owned(resource_user_id: int | None, what: str) -> None:
    """Refuse access to another user's resource, as if it did not exist (staff and admins may read it).

    Raises
    ------
    NotFound
        The resource belongs to someone else.
    """
    user = current_user()
    if resource_user_id != user.id and user.role not in (Role.ADMIN.value, Role.CITY_STAFF.value):
        raise NotFound(f"no {what} with this id")
