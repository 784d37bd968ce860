"""The signed-in account: read, change, export everything, delete."""

from __future__ import annotations

from typing import Any

from flask import Response
from sqlalchemy import select

from app.accounts.access import current_user
from app.accounts.policy import ACCOUNT
from app.accounts.tokens import revoke_all
from app.api.auth import account_out
from app.extensions import db
from app.models import AuthSession, Booking, BookingLeg, GatewayCustomer, Payment, User, utc_now
from app.openapi import ApiBlueprint
from app.schemas.accounts import Account, AccountExport, AccountUpdate

blueprint = ApiBlueprint("me", __name__, tag="accounts")


@blueprint.operation("/me", summary="The signed-in account", response=Account, auth=ACCOUNT)
def read_account() -> Account:
    """E-mail, name, role and language of the account of the access token."""
    return account_out(current_user())


@blueprint.operation(
    "/me",
    method="PATCH",
    summary="Change the account's name or language",
    body=AccountUpdate,
    response=Account,
    auth=ACCOUNT,
)
def update_account(body: AccountUpdate) -> Account:
    """Only the fields sent change."""
    user = current_user()
    if body.display_name is not None:
        user.display_name = body.display_name
    if body.locale is not None:
        user.locale = body.locale
    db.session.commit()
    return account_out(user)


def _row(obj: object, *columns: str) -> dict[str, Any]:
    values = {}
    for column in columns:
        value = getattr(obj, column)
        values[column] = value.isoformat() if hasattr(value, "isoformat") else value
    return values


@blueprint.operation(
    "/me/export", summary="Export everything stored about the account", response=AccountExport, auth=ACCOUNT
)
def export_account() -> AccountExport:
    """The account, its bookings with legs, payments and sign-in sessions, as one JSON document
    (GDPR right of access and portability).
    """
    user = current_user()
    bookings = db.session.scalars(select(Booking).where(Booking.user_id == user.id).order_by(Booking.created_at)).all()
    exported = []
    for booking in bookings:
        legs = db.session.scalars(
            select(BookingLeg).where(BookingLeg.booking_id == booking.id).order_by(BookingLeg.position)
        ).all()
        exported.append(
            _row(booking, "id", "state", "region", "currency", "total_cents", "captured_cents", "created_at")
            | {
                "legs": [
                    _row(
                        leg,
                        "position",
                        "mode",
                        "provider",
                        "vehicle_id",
                        "state",
                        "quote_cents",
                        "final_cents",
                        "starts_at",
                    )
                    for leg in legs
                ]
            }
        )
    payments = db.session.scalars(
        select(Payment).join(Booking, Payment.booking_id == Booking.id).where(Booking.user_id == user.id)
    ).all()
    sessions = db.session.scalars(select(AuthSession).where(AuthSession.user_id == user.id)).all()
    return AccountExport(
        exported_at=utc_now(),
        account=account_out(user),
        bookings=exported,
        payments=[
            _row(
                p,
                "booking_id",
                "gateway",
                "state",
                "currency",
                "authorised_cents",
                "captured_cents",
                "refunded_cents",
                "created_at",
            )
            for p in payments
        ],
        sessions=[_row(s, "created_at", "expires_at", "revoked_at", "revoked_reason") for s in sessions],
    )


@blueprint.operation("/me", method="DELETE", summary="Delete the account", status=204, auth=ACCOUNT)
def delete_account() -> Response:
    """Deletes the account, its sessions and its payment-gateway link. Bookings and payments
    the law requires to keep (tax records) stay, pseudonymised: they no longer name the
    account, only a pseudonym that cannot be traced back without the server's key.
    """
    user = current_user()
    revoke_all(db.session, user.id, "account deleted")
    for booking in db.session.scalars(select(Booking).where(Booking.user_id == user.id)):
        booking.user_id = None
    for link in db.session.scalars(select(GatewayCustomer).where(GatewayCustomer.user_id == user.id)):
        db.session.delete(link)
    db.session.flush()
    db.session.delete(db.session.get(User, user.id))
    db.session.commit()
    return Response(status=204)
