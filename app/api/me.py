"""The signed-in account: read, change, saved places, export everything, delete."""

from __future__ import annotations

import json
import uuid

from flask import Response, current_app
from sqlalchemy import case, func, select

from app.accounts.access import current_user, reach
from app.accounts.policy import ACCOUNT, PUBLIC
from app.accounts.tokens import revoke_all
from app.accounts.views import account_out
from app.errors import Conflict, FieldProblem, InvalidBody, RuleViolation
from app.extensions import db, orm_session
from app.i18n import negotiate, text
from app.local_times import region_zone
from app.models import PlaceKind, SavedPlace, User, as_utc
from app.open_data.published import published_district_ids
from app.openapi import ApiBlueprint
from app.personal_data import build_export, pseudonymise_account
from app.place_refs import SavedPlaceRef, place_ref_text
from app.schemas.accounts import Account, AccountUpdate
from app.schemas.export import AccountExport, export_json_schema
from app.schemas.places import SavedPlaceIn, SavedPlaceList, SavedPlaceOut, SavedPlaceUpdate
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


MAX_SAVED_PLACES = 50
_SINGLE_KINDS = (PlaceKind.HOME.value, PlaceKind.WORK.value)


def _place_out(place: SavedPlace) -> SavedPlaceOut:
    return SavedPlaceOut(
        id=place.public_id,
        kind=PlaceKind(place.kind),
        name=place.name,
        lat=place.lat,
        lon=place.lon,
        ref=place_ref_text(SavedPlaceRef(place.public_id)),
        created_at=as_utc(place.created_at),
        updated_at=as_utc(place.updated_at),
    )


def _own_place(place_id: str) -> SavedPlace:
    place = db.session.scalar(select(SavedPlace).where(SavedPlace.public_id == place_id))
    reach(place.user_id if place is not None else None, "saved place")
    assert place is not None  # reach() refuses a missing place as 404
    return place


def _refuse_second(kind: str, user_id: int, *, besides: int | None = None) -> None:
    """Home and work exist once per account."""
    if kind not in _SINGLE_KINDS:
        return
    clash = select(SavedPlace.id).where(SavedPlace.user_id == user_id, SavedPlace.kind == kind)
    if besides is not None:
        clash = clash.where(SavedPlace.id != besides)
    if db.session.scalar(clash) is not None:
        raise Conflict(f"the account has a {kind} place already; change it with PATCH /me/places/{{id}}")


@blueprint.operation("/me/places", summary="The account's saved places", response=SavedPlaceList, auth=ACCOUNT)
def list_places() -> SavedPlaceList:
    """Home, work, then favourites by name. Each ``ref`` works as ``from``/``to`` of ``GET /plan``."""
    order = case((SavedPlace.kind == "home", 0), (SavedPlace.kind == "work", 1), else_=2)
    places = db.session.scalars(
        select(SavedPlace)
        .where(SavedPlace.user_id == current_user().id)
        .order_by(order, func.lower(SavedPlace.name), SavedPlace.id)
    )
    return SavedPlaceList(places=[_place_out(place) for place in places])


@blueprint.operation(
    "/me/places",
    method="POST",
    summary="Save a place",
    body=SavedPlaceIn,
    response=SavedPlaceOut,
    status=201,
    errors=(409, 422),
    auth=ACCOUNT,
)
def create_place(body: SavedPlaceIn) -> SavedPlaceOut:
    """A new saved place.

    An account has one home and one work place (409 for a second) and at most 50 places
    (422 ``too-many-places``).
    """
    user = current_user()
    count = db.session.scalar(select(func.count()).select_from(SavedPlace).where(SavedPlace.user_id == user.id))
    if (count or 0) >= MAX_SAVED_PLACES:
        raise RuleViolation("too-many-places", f"an account keeps at most {MAX_SAVED_PLACES} places; delete one first")
    _refuse_second(body.kind.value, user.id)
    place = SavedPlace(
        public_id=uuid.uuid4().hex, user_id=user.id, kind=body.kind.value, name=body.name, lat=body.lat, lon=body.lon
    )
    db.session.add(place)
    db.session.commit()
    return _place_out(place)


@blueprint.operation(
    "/me/places/<place_id>", summary="A saved place", response=SavedPlaceOut, errors=(404,), auth=ACCOUNT
)
def read_place(place_id: str) -> SavedPlaceOut:
    """One of the account's saved places (404 for another account's)."""
    return _place_out(_own_place(place_id))


@blueprint.operation(
    "/me/places/<place_id>",
    method="PATCH",
    summary="Change a saved place",
    body=SavedPlaceUpdate,
    response=SavedPlaceOut,
    errors=(404, 409),
    auth=ACCOUNT,
)
def update_place(place_id: str, body: SavedPlaceUpdate) -> SavedPlaceOut:
    """Only the fields sent change; a place turned into home or work must be the only one (409)."""
    place = _own_place(place_id)
    if body.kind is not None:
        _refuse_second(body.kind.value, place.user_id, besides=place.id)
        place.kind = body.kind.value
    if body.name is not None:
        place.name = body.name
    if body.lat is not None:
        place.lat = body.lat
    if body.lon is not None:
        place.lon = body.lon
    db.session.commit()
    return _place_out(place)


@blueprint.operation(
    "/me/places/<place_id>", method="DELETE", summary="Forget a saved place", status=204, errors=(404,), auth=ACCOUNT
)
def delete_place(place_id: str) -> Response:
    """The place is deleted at once; ``place:`` references to it stop working."""
    db.session.delete(_own_place(place_id))
    db.session.commit()
    return Response(status=204)


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
    Teilhabecard proofs, passes with their payments, tickets, gateway customer records,
    the payment-gateway events about them, saved places and the e-mail links sent. Its
    JSON Schema is ``GET /me/export/schema``.
    """
    return build_export(orm_session(), current_user(), zone=region_zone(), language=negotiate())


@blueprint.operation("/me/export/schema", summary="The JSON Schema of the account export", auth=PUBLIC)
def export_schema() -> Response:
    """JSON Schema (2020-12) that every ``GET /me/export`` document validates against."""
    return Response(json.dumps(export_json_schema(), indent=1), mimetype="application/schema+json")


@blueprint.operation("/me", method="DELETE", summary="Delete the account", status=204, auth=ACCOUNT)
def delete_account() -> Response:
    """Deletes the account, its sessions, saved places, Teilhabecard proofs and payment-gateway links.

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
