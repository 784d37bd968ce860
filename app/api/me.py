"""The signed-in account: read, change, export everything, delete."""

from __future__ import annotations

import json

from flask import Response, current_app

from app.accounts.access import current_user
from app.accounts.policy import ACCOUNT, PUBLIC
from app.accounts.tokens import revoke_all
from app.api.auth import account_out
from app.errors import FieldProblem, InvalidBody
from app.extensions import db, orm_session
from app.i18n import negotiate, text
from app.local_times import region_zone
from app.models import User
from app.open_data.published import published_district_ids
from app.openapi import ApiBlueprint
from app.personal_data import build_export, pseudonymise_account
from app.schemas.accounts import Account, AccountUpdate
from app.schemas.export import AccountExport, export_json_schema
from app.settings import Settings

blueprint = ApiBlueprint("me", __name__, tag="accounts")


@blueprint.operation("/me", summary="The signed-in account", response=Account, auth=ACCOUNT)
def read_account() -> Account:
    """E-mail, name, role and language of the account of the access token."""
    return account_out(current_user())


@blueprint.operation(
    "/me",
    method="PATCH",
    summary="Change the account's name, language or district",
    body=AccountUpdate,
    response=Account,
    auth=ACCOUNT,
)
def update_account(body: AccountUpdate) -> Account:
    """Only the fields sent change.

    ``district`` (used only, anonymised, for the open-data statistics) must be one of the
    districts the latest open-data export lists, once there is one; ``""`` clears it.
    """
    user = current_user()
    if body.display_name is not None:
        user.display_name = body.display_name
    if body.locale is not None:
        user.locale = body.locale
    if body.district is not None:
        user.district = _known_district(body.district) or None
    db.session.commit()
    return account_out(user)


def _known_district(district: str) -> str:
    """``district`` when the latest open-data export lists it (or lists none yet); else 422 naming the field."""
    settings: Settings = current_app.extensions["mobility.settings"]
    known = published_district_ids(settings.resolved_open_data_dir)
    if district and known is not None and district not in known:
        message = text("error.unknown_district", negotiate(), district=district, known=", ".join(sorted(known)))
        raise InvalidBody(message, errors=[FieldProblem(location="body", field="district", message=message)])
    return district


@blueprint.operation(
    "/me/export", summary="Export everything stored about the account", response=AccountExport, auth=ACCOUNT
)
def export_account() -> AccountExport:
    """One JSON document of everything stored about the account (GDPR access and portability).

    The account, its sign-in sessions, bookings (legs, history, payments, refunds),
    Teilhabecard proofs, passes with their payments, tickets, gateway customer records and
    the payment-gateway events about them. Its JSON Schema is ``GET /me/export/schema``.
    """
    return build_export(orm_session(), current_user(), zone=region_zone())


@blueprint.operation("/me/export/schema", summary="The JSON Schema of the account export", auth=PUBLIC)
def export_schema() -> Response:
    """JSON Schema (2020-12) that every ``GET /me/export`` document validates against."""
    return Response(json.dumps(export_json_schema(), indent=1), mimetype="application/schema+json")


@blueprint.operation("/me", method="DELETE", summary="Delete the account", status=204, auth=ACCOUNT)
def delete_account() -> Response:
    """Deletes the account, its sessions, Teilhabecard proofs and payment-gateway links.

    Bookings, payments, refunds and passes the law requires to keep (tax records, 10
    years) stay, pseudonymised: they no longer name the account, only a pseudonym that
    cannot be traced back without the server's key; names, ticket tokens and exact
    places are removed from them.
    """
    user = current_user()
    revoke_all(orm_session(), user.id, "account deleted")
    pseudonymise_account(orm_session(), user)
    db.session.flush()
    db.session.delete(db.session.get(User, user.id))
    db.session.commit()
    return Response(status=204)
