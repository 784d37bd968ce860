"""Who is calling and what they may reach: the bearer token, its session, and the operation's table row."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import current_app, g, request

from app.accounts.policy import Access, Reach
from app.accounts.tokens import TokenError, TokenPolicy, authenticate
from app.errors import Forbidden, NotFound, Unauthorized
from app.extensions import orm_session
from app.models import User
from app.settings import Settings


def token_policy() -> TokenPolicy:
    """The app's token signing key and lifetimes."""
    settings: Settings = current_app.extensions["mobility.settings"]
    return TokenPolicy(
        secret_key=current_app.config["SECRET_KEY"],
        access_minutes=settings.access_token_minutes,
        refresh_days=settings.refresh_token_days,
    )


def authorize(access: Access) -> User | None:
    """Check the bearer token against the operation's row of the authorisation table.

    A public operation needs no token (None is returned). Otherwise the account's role must
    be one the row names; the row is kept in ``flask.g`` for :func:`reach`.

    Raises
    ------
    Unauthorized
        No, a bad, an expired or a signed-out token.
    Forbidden
        The account's role may not call this operation.
    """
    g.access = access
    if access.public:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send Authorization: Bearer <access token> (POST /api/v1/auth/login gives one)")
    try:
        user, auth = authenticate(orm_session(), token_policy(), token.strip())
    except TokenError as exc:
        raise Unauthorized(str(exc)) from exc
    g.caller = user  # known even when the role is refused (the audit of refused admin calls names it)
    if access.reach_of(user.role) is None:
        raise Forbidden(f"this needs the role {' or '.join(access.roles)}; the account is {user.role}")
    g.user, g.auth_session = user, auth
    return user


def current_user() -> User:
    """The account an authorised operation runs for."""
    user: User = g.user
    return user


def current_reach() -> Reach:
    """What the current operation may reach for the signed-in account (from its table row)."""
    access: Access = g.access
    reach = access.reach_of(current_user().role)
    if reach is None:  # authorize() refused the role already; this guards a view called without it
        raise Forbidden("this operation is not open to the account's role")
    return reach


def reach(owner_id: int | None, what: str, *, providers: Callable[[], Iterable[str]] | None = None) -> None:
    """Refuse an object the current operation may not reach for the caller, as if it did not exist.

    Parameters
    ----------
    owner_id
        The account the object belongs to.
    what
        The object's name in the error ("booking").
    providers
        The providers the object involves (asked only for an operator whose row says ``provider``).

    Raises
    ------
    NotFound
        The object is out of the caller's reach.
    """
    user = current_user()
    allowed = current_reach()
    if allowed is Reach.ANY or (owner_id is not None and owner_id == user.id):
        return
    if allowed is Reach.PROVIDER and user.provider and providers is not None and user.provider in set(providers()):
        return
    raise NotFound(f"no {what} with this id")
