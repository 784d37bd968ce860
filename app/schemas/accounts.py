"""Schemas of registration, sign-in and the account itself."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, Field, StringConstraints, WithJsonSchema

from app.accounts.passwords import MIN_PASSWORD_LENGTH
from app.i18n import FieldValueError
from app.schemas.common import ApiModel, BodyModel, trimmed_text


def _email(value: str) -> str:
    try:  # syntax only: no DNS lookups; special-use test domains are allowed
        return validate_email(value, check_deliverability=False, test_environment=True).normalized.lower()
    except EmailNotValidError as exc:
        raise FieldValueError("field.email", reason=exc) from exc


Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=3, max_length=254),
    AfterValidator(_email),
    WithJsonSchema({"type": "string", "format": "email", "maxLength": 254}),
]
Password = Annotated[str, StringConstraints(min_length=MIN_PASSWORD_LENGTH, max_length=256)]
DisplayName = Annotated[str, trimmed_text(min_length=1, max_length=120)]
Locale = Annotated[str, Field(pattern="^(de|en)$")]
District = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9_.:-]{0,64}$",
        description="Id of the district the resident lives in (as in the open-data districts file); "
        "an empty string clears it",
    ),
]


class Registration(BodyModel):
    """A new resident account."""

    email: Email
    password: Password = Field(description=f"At least {MIN_PASSWORD_LENGTH} characters")
    display_name: DisplayName
    locale: Locale = "de"


class Credentials(BodyModel):
    """E-mail and password."""

    email: Email
    password: Annotated[str, StringConstraints(min_length=1, max_length=256)]


class RefreshRequest(BodyModel):
    """A refresh token from a sign-in."""

    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class Tokens(ApiModel):
    """Bearer tokens: send ``accessToken`` as ``Authorization: Bearer``; trade ``refreshToken`` for new ones."""

    access_token: str
    refresh_token: str
    token_type: str = "Bearer"
    expires_in: int = Field(description="Seconds the access token is valid")


class Account(ApiModel):
    """The signed-in account."""

    id: int
    email: str
    display_name: str
    role: str
    locale: str
    created_at: datetime
    email_verified: bool = Field(description="Whether the address is confirmed (needed to book and to buy passes)")
    district: str | None = Field(
        default=None, description="The district the resident gave (only used, anonymised, for open-data statistics)"
    )


class AccountUpdate(BodyModel):
    """Fields of the account a user may change."""

    display_name: DisplayName | None = None
    locale: Locale | None = None
    district: District | None = None


EmailToken = Annotated[str, trimmed_text(min_length=20, max_length=200)]


class MailRequest(BodyModel):
    """The address to send a link to."""

    email: Email


class VerifyEmail(BodyModel):
    """The token from the verification link."""

    token: EmailToken


class PasswordReset(BodyModel):
    """The token from the password reset link and the new password."""

    token: EmailToken
    password: Password = Field(description=f"The new password, at least {MIN_PASSWORD_LENGTH} characters")


class Notice(ApiModel):
    """A message for the resident, in the request's language."""

    message: str
