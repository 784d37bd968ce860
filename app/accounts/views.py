"""The API views of accounts, shared by the sign-in, account and personal-data endpoints."""

from __future__ import annotations

from app.models import User, as_utc
from app.schemas.accounts import Account

__all__ = ["account_out"]


def account_out(user: User) -> Account:
    """The API view of an account."""
    return Account(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        role=user.role,
        locale=user.locale,
        created_at=as_utc(user.created_at),
        email_verified=user.email_verified_at is not None,
        district=user.district,
    )
