"""Registration, sign-in, token refresh and sign-out."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

from flask import current_app, g, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.accounts.access import token_policy
from app.accounts.account_mail import (
    AccountMailer,
    account_exists_mail,
    account_link,
    password_reset_mail,
    verification_mail,
)
from app.accounts.email_tokens import EmailTokenError, consume_token, issue_token, void_tokens
from app.accounts.passwords import hash_password, needs_rehash, verify_password
from app.accounts.policy import ACCOUNT, PUBLIC
from app.accounts.tokens import TokenError, TokenPair, open_session, refresh_session, revoke_all, revoke_session
from app.accounts.views import account_out
from app.errors import FieldProblem, RuleViolation, Unauthorized
from app.extensions import db, limiter, orm_session
from app.i18n import negotiate, text
from app.mail import OutgoingMail
from app.models import Role, TokenPurpose, User, utc_now
from app.openapi import ApiBlueprint
from app.schemas.accounts import (
    Account,
    Credentials,
    MailRequest,
    Notice,
    PasswordReset,
    RefreshRequest,
    Registration,
    Tokens,
    VerifyEmail,
)
from app.settings import Settings

blueprint = ApiBlueprint("auth", __name__, tag="accounts")

SIGN_IN_LIMIT = "10 per minute;100 per hour"
REGISTRATION_LIMIT = "5 per minute;50 per hour"
MAIL_REQUEST_LIMIT = "5 per minute;30 per hour"
"""Per client address: asking for a verification or reset link."""
MAIL_PER_ADDRESS_LIMIT = "3 per 15 minutes;10 per day"
"""Per e-mail address asked for (known or not, so the limit reveals nothing): no mail bombing."""
TOKEN_LIMIT = "10 per minute;100 per hour"
"""Per client address: presenting a token."""


def _tokens(pair: TokenPair) -> Tokens:
    return Tokens(access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in)


@blueprint.operation(
    "/auth/register",
    method="POST",
    summary="Create a resident account",
    body=Registration,
    response=Notice,
    status=202,
    errors=(429,),
    auth=PUBLIC,
)
@limiter.limit(REGISTRATION_LIMIT)
def register(body: Registration) -> Notice:
    """A new account with the role ``resident``, confirmed by the link mailed to the address.

    The answer is the same 202 whether or not the address already has an account, so
    registration reveals no account: a new address gets its account and a verification
    link (in the account's language; booking and buying passes wait for it); an address
    that has one gets a mail telling its owner how to sign in or reset the password, and
    nothing else changes. The e-mail address is stored lower-case; the password only as an
    Argon2id hash (computed on both paths). Limited per client address.
    """
    email = body.email.lower()
    password_hash = hash_password(body.password)  # on both paths: the answer takes as long for a taken address
    existing = db.session.scalar(select(User).where(User.email == email))
    if existing is None:
        user = User(
            email=email,
            display_name=body.display_name,
            password_hash=password_hash,
            role=Role.RESIDENT.value,
            locale=body.locale,
        )
        db.session.add(user)
        try:
            db.session.commit()
        except IntegrityError:  # registered at the same moment by another request
            db.session.rollback()
            existing = db.session.scalar(select(User).where(User.email == email))
        else:
            _mail_link(user, TokenPurpose.VERIFY_EMAIL)
    if existing is not None:
        _mail_account_exists(existing)
    return Notice(message=text("notice.registration_sent", negotiate()))


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


def _settings() -> Settings:
    settings: Settings = current_app.extensions["mobility.settings"]
    return settings


def _mailer() -> AccountMailer:
    mailer: AccountMailer = current_app.extensions["mobility.mailer"]
    return mailer


def _address_key() -> str:
    """The rate-limit key of the address a link is asked for (a digest: the address is not kept in the store)."""
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) else None
    normalised = email.strip().lower() if isinstance(email, str) else ""
    return "mail-to:" + hashlib.sha256(normalised.encode()).hexdigest()


def _mail_to_account(user: User, compose: Callable[[User], OutgoingMail]) -> None:
    """Compose and send a mail to ``user`` on the mail thread (nothing waits for it); none if the account is gone."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    user_id = user.id

    def prepare() -> OutgoingMail | None:
        with app.app_context():
            account = db.session.get(User, user_id)
            return None if account is None else compose(account)  # None: deleted in the meantime

    _mailer().prepare_and_send(prepare)


def _mail_link(user: User, purpose: TokenPurpose) -> None:
    """Issue a ``purpose`` token for ``user`` and mail its link, all on the mail thread."""
    settings = _settings()
    secret_key: str = current_app.config["SECRET_KEY"]
    if purpose is TokenPurpose.VERIFY_EMAIL:
        lifetime, make_mail = timedelta(hours=settings.email_verify_hours), verification_mail
    else:
        lifetime, make_mail = timedelta(minutes=settings.password_reset_minutes), password_reset_mail

    def compose(account: User) -> OutgoingMail:
        issued = issue_token(orm_session(), secret_key=secret_key, user=account, purpose=purpose, lifetime=lifetime)
        db.session.commit()
        link = account_link(settings.resolved_account_link_base, issued.token, purpose)
        return make_mail(account, link, issued.lifetime)

    _mail_to_account(user, compose)


def _mail_account_exists(user: User) -> None:
    """Tell the owner of ``user``'s address that someone tried to register it (on the mail thread)."""
    link_base = _settings().resolved_account_link_base
    _mail_to_account(user, lambda account: account_exists_mail(account, link_base))


def _consume(token: str, purpose: TokenPurpose) -> User:
    """The account a link's ``token`` of ``purpose`` belongs to, the token now used; else the 422 refusal."""
    try:
        return consume_token(orm_session(), secret_key=current_app.config["SECRET_KEY"], token=token, purpose=purpose)
    except EmailTokenError as exc:
        db.session.rollback()
        raise _token_refused(exc) from exc


def _token_refused(exc: EmailTokenError) -> RuleViolation:
    detail = text(f"error.email_token.{exc.reason}", negotiate())
    return RuleViolation(
        f"email-token-{exc.reason}",
        detail,
        errors=[FieldProblem(location="body", field="token", message=detail)],
    )


@blueprint.operation(
    "/auth/verify-email/request",
    method="POST",
    summary="Send a new e-mail verification link",
    body=MailRequest,
    response=Notice,
    status=202,
    errors=(429,),
    auth=PUBLIC,
)
@limiter.limit(MAIL_REQUEST_LIMIT)
@limiter.limit(MAIL_PER_ADDRESS_LIMIT, key_func=_address_key)
def request_verification(body: MailRequest) -> Notice:
    """A new verification link to the address, if an unconfirmed account has it.

    The answer is the same 202 for every address, known, unknown or already confirmed;
    the mail is sent in the background. A new link voids the earlier ones. Limited per
    client address and per address asked for.
    """
    user = db.session.scalar(select(User).where(User.email == body.email.lower()))
    if user is not None and user.email_verified_at is None:
        _mail_link(user, TokenPurpose.VERIFY_EMAIL)
    return Notice(message=text("notice.verification_sent", negotiate()))


@blueprint.operation(
    "/auth/verify-email",
    method="POST",
    summary="Confirm the e-mail address with the link's token",
    body=VerifyEmail,
    response=Notice,
    errors=(422, 429),
    auth=PUBLIC,
)
@limiter.limit(TOKEN_LIMIT)
def verify_email(body: VerifyEmail) -> Notice:
    """Marks the account's address confirmed. Each link works once and until it expires.

    A used, replaced, expired or unknown token is 422 ``email-token-used``,
    ``email-token-expired`` or ``email-token-invalid``.
    """
    user = _consume(body.token, TokenPurpose.VERIFY_EMAIL)
    if user.email_verified_at is None:
        user.email_verified_at = utc_now()
    db.session.commit()
    return Notice(message=text("notice.email_verified", negotiate(), email=user.email))


@blueprint.operation(
    "/auth/password-reset/request",
    method="POST",
    summary="Send a password reset link",
    body=MailRequest,
    response=Notice,
    status=202,
    errors=(429,),
    auth=PUBLIC,
)
@limiter.limit(MAIL_REQUEST_LIMIT)
@limiter.limit(MAIL_PER_ADDRESS_LIMIT, key_func=_address_key)
def request_password_reset(body: MailRequest) -> Notice:
    """A password reset link to the address, if an account has it.

    The answer is the same 202 for every address; the mail is sent in the background, in
    the account's language. A new link voids the earlier ones. Limited per client address
    and per address asked for.
    """
    user = db.session.scalar(select(User).where(User.email == body.email.lower()))
    if user is not None and user.password_hash is not None:
        _mail_link(user, TokenPurpose.PASSWORD_RESET)
    return Notice(message=text("notice.reset_sent", negotiate()))


@blueprint.operation(
    "/auth/password-reset",
    method="POST",
    summary="Set a new password with the link's token",
    body=PasswordReset,
    response=Notice,
    errors=(422, 429),
    auth=PUBLIC,
)
@limiter.limit(TOKEN_LIMIT)
def reset_password(body: PasswordReset) -> Notice:
    """The new password replaces the old one and every sign-in session of the account ends.

    Following the link also proves the address, so an unconfirmed one counts as confirmed.
    Each link works once and until it expires (422 ``email-token-used``,
    ``email-token-expired``, ``email-token-invalid``).
    """
    user = _consume(body.token, TokenPurpose.PASSWORD_RESET)
    db_session = orm_session()
    user.password_hash = hash_password(body.password)
    if user.email_verified_at is None:
        user.email_verified_at = utc_now()
    revoke_all(db_session, user.id, "password reset")
    void_tokens(db_session, user.id, TokenPurpose.PASSWORD_RESET)
    db.session.commit()
    return Notice(message=text("notice.password_changed", negotiate()))
