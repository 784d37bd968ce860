"""Passes: the products, Teilhabecard proofs (city staff review them), buying a month, tickets and QR codes."""

from __future__ import annotations

from flask import Response, current_app, request
from sqlalchemy import select

from app.accounts.access import current_user, reach
from app.accounts.policy import ACCOUNT, ADMIN_AUDITED, PUBLIC, RIDER_ACTION, STAFF_DECISION, STAFF_REVIEW
from app.accounts.verification import require_verified_email
from app.api.idempotency import IDEMPOTENCY_HEADER, idempotency_key, one_at_a_time
from app.booking.receipts import pass_receipt, receipt_response, request_seller
from app.errors import ApiError, NotFound, ServiceUnavailable
from app.extensions import db, orm_session
from app.fares import fare_calculator
from app.i18n import negotiate
from app.models import Booking, BookingLeg, BookingState, EligibilityProof, PassTicket, TicketStatus, as_utc, utc_now
from app.openapi import ApiBlueprint
from app.payments.gateway import IntentStatus
from app.region_services import current_region
from app.replays import await_settled
from app.schemas.bookings import Receipt
from app.schemas.passes import (
    Jwk,
    ProductList,
    ProductOut,
    ProofList,
    ProofOut,
    ProofQuery,
    ProofRequest,
    PublicKey,
    PurchaseRequest,
    RefundPass,
    Review,
    RevocationList,
    TicketList,
    TicketOut,
)
from app.tickets.revocation import signed_revocations
from app.tickets.service import Decision, PassError, PassShop, review_proof, submit_proof
from app.tickets.signing import TicketInvalid, public_jwk, public_pem, read_claims
from app.tickets.singles import find_single
from app.tickets.view import TicketView, pass_texts, qr_png, qr_svg, view_from_claims
from routing.fares.config import FareConfig

blueprint = ApiBlueprint("passes", __name__, tag="passes")


class PassRefused(ApiError):
    """A pass rule refused the request (the slug names the rule)."""

    title = "The pass request breaks a rule"

    def __init__(self, error: PassError) -> None:
        super().__init__(error.detail)
        self.status, self.slug = error.status, error.slug


def _fares() -> FareConfig:
    fares = current_region().fares
    if fares is None:
        raise ServiceUnavailable("this region has no fares configured (build it with --fares)")
    return fares


def _shop() -> PassShop:
    return PassShop(
        orm_session(),
        current_app.extensions["mobility.payments"],
        current_app.extensions["mobility.ticket_key"],
        current_app.config["SECRET_KEY"],
        _fares(),
        _zone_names(),
    )


def _proof(proof: EligibilityProof) -> ProofOut:
    return ProofOut(
        id=proof.public_id,
        kind=proof.kind,
        card_number=proof.card_number,
        valid_until=proof.valid_until,
        benefit=proof.benefit,
        status=proof.status,
        reason=proof.reason,
        submitted_at=as_utc(proof.created_at),
        reviewed_at=None if proof.reviewed_at is None else as_utc(proof.reviewed_at),
    )


def _zone_names() -> dict[str, str]:
    zones = current_region().zones
    return {} if zones is None else {zone.id: zone.name for zone in zones.zones}


def _pass_view(ticket: PassTicket) -> TicketView:
    fares = current_region().fares
    area, companions = pass_texts(None if fares is None else fares.passes.get(ticket.product_id), _zone_names())
    return TicketView(
        ticket_id=ticket.id,
        holder_name=ticket.holder_name,
        product=ticket.product_name,
        valid_from=ticket.valid_from,
        valid_until=ticket.valid_until,
        area=area,
        companions=companions,
    )


def _ticket(ticket: PassTicket, language: str | None = None) -> TicketOut:
    view, language = _pass_view(ticket), language or negotiate()
    return TicketOut(
        id=ticket.id,
        product=ticket.product_id,
        product_name=ticket.product_name,
        holder_name=ticket.holder_name,
        valid_from=ticket.valid_from,
        valid_until=ticket.valid_until,
        price_cents=ticket.price_cents,
        currency=ticket.currency,
        status=ticket.status,
        token=ticket.token,
        client_secret=ticket.client_secret if ticket.status == "awaiting_payment" else None,
        kind="pass",
        validity=view.validity(language),
        area=view.area.in_(language),
        companions=view.companions.in_(language),
        language=language,
    )


SINGLE_VALID_STATES = (BookingState.CONFIRMED.value, BookingState.IN_USE.value, BookingState.COMPLETED.value)


def _single(booking: Booking, leg: BookingLeg, view: TicketView, language: str) -> TicketOut:
    valid = leg.state in SINGLE_VALID_STATES and booking.state not in ("cancelled", "failed")
    return TicketOut(
        id=view.ticket_id,
        product=leg.vehicle_type_id,
        product_name=view.product,
        holder_name=view.holder_name,
        valid_from=view.valid_from,
        valid_until=view.valid_until,
        price_cents=leg.quote_cents,
        currency=booking.currency,
        status="active" if valid else "revoked",
        token=leg.ticket_token if valid else None,
        client_secret=None,
        kind="single",
        validity=view.validity(language),
        area=view.area.in_(language),
        companions=view.companions.in_(language),
        language=language,
    )


@blueprint.operation("/passes", summary="The passes on sale", response=ProductList, errors=(503,), auth=PUBLIC)
def list_products() -> ProductList:
    """Monthly and yearly passes of the region's fare configuration, with prices and who may buy them."""
    fares = _fares()
    return ProductList(
        products=[
            ProductOut(
                id=p.id,
                name=p.name,
                price_cents=p.price_cents,
                currency=fares.currency,
                period=p.period,
                eligibility=p.eligibility,
            )
            for p in fares.passes.values()
        ],
        saturday_is_weekend=fares.saturday_is_weekend,
    )


@blueprint.operation(
    "/me/eligibility",
    method="POST",
    summary="Submit a Teilhabecard",
    body=ProofRequest,
    response=ProofOut,
    status=201,
    auth=ACCOUNT,
)
def submit_eligibility(body: ProofRequest) -> ProofOut:
    """Card number, valid-until date and benefit; city staff verify or reject it (or a city registry decides at once).

    The status shows in ``GET /me/eligibility``.
    """
    try:
        proof = submit_proof(
            orm_session(),
            current_user(),
            card_number=body.card_number,
            valid_until=body.valid_until,
            benefit=body.benefit.value,
            verifier=current_app.extensions["mobility.eligibility"],
            today=utc_now().date(),
        )
    except PassError as exc:
        raise PassRefused(exc) from exc
    return _proof(proof)


@blueprint.operation(
    "/me/eligibility", summary="The account's proofs and their status", response=ProofList, auth=ACCOUNT
)
def my_eligibility() -> ProofList:
    """Every Teilhabecard submitted, oldest first, with the staff's reason."""
    proofs = db.session.scalars(
        select(EligibilityProof).where(EligibilityProof.user_id == current_user().id).order_by(EligibilityProof.id)
    )
    return ProofList(proofs=[_proof(proof) for proof in proofs])


@blueprint.operation(
    "/eligibility", summary="Proofs to review (city staff)", query=ProofQuery, response=ProofList, auth=STAFF_REVIEW
)
def list_proofs(query: ProofQuery) -> ProofList:
    """Proofs with the given status, oldest first."""
    proofs = db.session.scalars(
        select(EligibilityProof).where(EligibilityProof.status == query.status).order_by(EligibilityProof.id).limit(500)
    )
    return ProofList(proofs=[_proof(proof) for proof in proofs])


def _review(proof_id: str, verified: bool, reason: str) -> ProofOut:
    proof = db.session.scalar(select(EligibilityProof).where(EligibilityProof.public_id == proof_id))
    if proof is None:
        raise NotFound("no proof with this id")
    reach(proof.user_id, "proof")
    try:
        return _proof(review_proof(orm_session(), current_user(), proof, Decision(verified=verified, reason=reason)))
    except PassError as exc:
        raise PassRefused(exc) from exc


@blueprint.operation(
    "/eligibility/<proof_id>/verify",
    method="POST",
    summary="Verify a proof (city staff)",
    body=Review,
    response=ProofOut,
    errors=(404, 409),
    auth=STAFF_DECISION,
)
def verify_proof(proof_id: str, body: Review) -> ProofOut:
    """Marks the Teilhabecard verified; the holder may then buy the MittendrinTicket for months it covers."""
    return _review(proof_id, True, body.reason)


@blueprint.operation(
    "/eligibility/<proof_id>/reject",
    method="POST",
    summary="Reject a proof (city staff)",
    body=Review,
    response=ProofOut,
    errors=(404, 409),
    auth=STAFF_DECISION,
)
def reject_proof(proof_id: str, body: Review) -> ProofOut:
    """Rejects with a reason the user sees."""
    return _review(proof_id, False, body.reason)


@blueprint.operation(
    "/tickets",
    method="POST",
    summary="Buy a monthly pass",
    body=PurchaseRequest,
    response=TicketOut,
    status=201,
    errors=(402, 403, 409, 422, 503),
    auth=ACCOUNT,
    headers=(IDEMPOTENCY_HEADER,),
)
def buy_ticket(body: PurchaseRequest) -> TicketOut | tuple[TicketOut, int]:
    """A pass for the current or the next calendar month, one per product and month.

    Send an ``Idempotency-Key`` (the same key returns the same purchase). The
    MittendrinTicket needs a verified Teilhabecard valid on the month's first day. The
    account's e-mail address must be confirmed (403 ``email-not-verified`` otherwise). Paid at
    once; the answer carries the signed ticket (``token``) and ``GET /tickets/{id}/qr``
    renders it.
    """
    user = current_user()
    require_verified_email(user)
    key = idempotency_key()
    with one_at_a_time("pass", user.id, key):
        try:
            ticket, created = _shop().buy(
                user,
                body.product,
                body.month,
                idempotency_key=key,
                payment_method=body.payment_method,
                today=utc_now().date(),
            )
        except PassError as exc:
            original = _original_purchase(user.id, key, body) if exc.slug == "already-bought" else None
            if original is None:
                raise PassRefused(exc) from exc
            return _ticket(original), 200
        if not created:  # a duplicate: answer with the original once it has its result
            ticket = _original_purchase(user.id, key, body) or ticket
    return _ticket(ticket), 201 if created else 200


def _original_purchase(user_id: int, key: str, body: PurchaseRequest) -> PassTicket | None:
    """The purchase a concurrent duplicate (same account, key and pass) repeats, once it has its answer."""

    def read() -> PassTicket | None:
        db.session.rollback()
        ticket = db.session.scalar(
            select(PassTicket).where(PassTicket.user_id == user_id, PassTicket.idempotency_key == key)
        )
        if ticket is None or ticket.product_id != body.product or ticket.valid_from.strftime("%Y-%m") != body.month:
            return None
        return ticket

    def settled(ticket: PassTicket) -> bool:
        if ticket.status != TicketStatus.AWAITING_PAYMENT.value:
            return True
        if ticket.intent_id is None:  # the original is still authorising
            return False
        gateway = current_app.extensions["mobility.payments"]
        return bool(gateway.retrieve(ticket.intent_id).status is IntentStatus.REQUIRES_ACTION)  # 3-D Secure

    return await_settled(read, settled)


@blueprint.operation("/tickets", summary="The account's passes", response=TicketList, auth=ACCOUNT)
def my_tickets() -> TicketList:
    """Newest first."""
    tickets = db.session.scalars(
        select(PassTicket).where(PassTicket.user_id == current_user().id).order_by(PassTicket.valid_from.desc())
    )
    return TicketList(tickets=[_ticket(ticket) for ticket in tickets])


def _own_ticket(ticket_id: str) -> PassTicket:
    ticket = db.session.get(PassTicket, ticket_id)
    if ticket is None:
        raise NotFound("no pass with this id")
    reach(ticket.user_id, "pass")
    return ticket


def _own_any_ticket(ticket_id: str, language: str) -> tuple[TicketOut, TicketView, str | None]:
    """A pass or a booking's single ticket of the caller, with its view and token (404 otherwise)."""
    ticket = db.session.get(PassTicket, ticket_id)
    if ticket is not None:
        reach(ticket.user_id, "ticket")
        return _ticket(ticket, language), _pass_view(ticket), ticket.token if ticket.status == "active" else None
    found = find_single(orm_session(), ticket_id)
    if found is None:
        raise NotFound("no ticket with this id")
    booking, leg = found
    reach(booking.user_id, "ticket")
    assert leg.ticket_token is not None
    try:
        view = view_from_claims(read_claims(leg.ticket_token))
    except TicketInvalid as exc:
        raise NotFound(f"the ticket of this booking cannot be read ({exc})") from exc
    out = _single(booking, leg, view, language)
    return out, view, out.token


@blueprint.operation("/tickets/<ticket_id>", summary="A ticket", response=TicketOut, errors=(404,), auth=RIDER_ACTION)
def read_ticket(ticket_id: str) -> TicketOut:
    """A pass, or a booking's single ticket (id ``BOOKING-LEG``); another user's is 404.

    With holder name, product, validity, area, who may ride along, and the signed ticket;
    the texts are in the caller's language (``Accept-Language``, else the account's locale).
    """
    return _own_any_ticket(ticket_id, negotiate())[0]


@blueprint.operation(
    "/tickets/<ticket_id>/authenticated",
    method="POST",
    summary="Continue after 3-D Secure",
    response=TicketOut,
    errors=(404,),
    auth=RIDER_ACTION,
)
def ticket_authenticated(ticket_id: str) -> TicketOut:
    """Re-reads the payment; authorised, the pass is captured and its ticket issued."""
    ticket = _own_ticket(ticket_id)
    if ticket.intent_id:
        _shop().settle(ticket, current_app.extensions["mobility.payments"].retrieve(ticket.intent_id).status)
    return _ticket(ticket)


@blueprint.operation(
    "/tickets/<ticket_id>/qr",
    summary="The ticket as a QR code",
    response=TicketOut,
    errors=(404, 409),
    auth=RIDER_ACTION,
    alternate_media={
        "image/svg+xml": {"type": "string"},
        "image/png": {"type": "string", "format": "binary"},
    },
)
def ticket_qr(ticket_id: str) -> Response:
    """SVG by default, PNG with ``Accept: image/png``.

    The QR code of the signed ticket (``token``), with holder, product, validity, area and
    companions as readable text beside it.
    """
    language = negotiate()
    out, view, token = _own_any_ticket(ticket_id, language)
    if token is None:
        raise PassRefused(PassError("no-ticket", f"the ticket is {out.status}; it has no valid ticket", status=409))
    kind = request.accept_mimetypes.best_match(["image/svg+xml", "image/png"], default="image/svg+xml")
    if kind == "image/png":
        return Response(qr_png(token, view, language), mimetype="image/png", headers={"Content-Language": language})
    return Response(qr_svg(token, view, language), mimetype="image/svg+xml", headers={"Content-Language": language})


@blueprint.operation(
    "/tickets/<ticket_id>/receipt",
    summary="The receipt of a pass purchase",
    response=Receipt,
    errors=(404,),
    auth=ACCOUNT,
    alternate_media={"application/pdf": {"type": "string", "format": "binary"}},
)
def ticket_receipt(ticket_id: str) -> Receipt | Response:
    """Seller, pass, period, amount and VAT; with ``Accept: application/pdf`` a printable PDF."""
    ticket = _own_ticket(ticket_id)
    calculator = fare_calculator()
    seller = request_seller()
    issuer = calculator.config.name if calculator is not None else seller.name
    receipt = pass_receipt(ticket, issuer=issuer, seller=seller, language=negotiate())
    return receipt_response(receipt, f"receipt-{ticket.id}.pdf")


@blueprint.operation(
    "/tickets/<ticket_id>/refund",
    method="POST",
    summary="Refund a pass (admin)",
    body=RefundPass,
    response=TicketOut,
    errors=(404, 409),
    auth=ADMIN_AUDITED,
)
def refund_ticket(ticket_id: str, body: RefundPass) -> TicketOut:
    """Refunds the full price and revokes the ticket: it is on the revocation list from now on."""
    ticket = db.session.get(PassTicket, ticket_id)
    if ticket is None:
        raise NotFound("no pass with this id")
    reach(ticket.user_id, "pass")
    try:
        _shop().refund(ticket, body.reason)
    except PassError as exc:
        raise PassRefused(exc) from exc
    return _ticket(ticket)


@blueprint.operation(
    "/tickets/revoked",
    summary="Revoked tickets, signed (for inspectors)",
    response=RevocationList,
    errors=(304,),
    auth=PUBLIC,
)
def revocation_list() -> Response:
    """Ids of tickets that no longer count, signed and versioned.

    Single tickets of cancelled, failed or fully refunded bookings and legs, and refunded
    passes. ``version`` grows with every revocation; ``signature`` is Ed25519 with the
    tickets' key (``mobility ticket verify --revoked`` checks it). The ETag is the version:
    send ``If-None-Match`` and an unchanged list answers 304 with no body.
    """
    signed = signed_revocations(orm_session(), current_app.extensions["mobility.ticket_key"])
    etag = f"v{signed.version}"
    if etag in request.if_none_match:
        response = Response(status=304)
    else:
        body = RevocationList(
            version=signed.version, revoked=signed.revoked, signature=signed.signature, generated_at=utc_now()
        )
        response = Response(body.model_dump_json(by_alias=True), mimetype="application/json")
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache"
    return response


PEM_MEDIA_TYPE = "application/x-pem-file"


def _pem_response() -> Response:
    return Response(
        public_pem(current_app.extensions["mobility.ticket_key"]),
        mimetype=PEM_MEDIA_TYPE,
        headers={"Content-Disposition": 'inline; filename="tickets-public-key.pem"'},
    )


@blueprint.operation(
    "/tickets/public-key",
    summary="The key that verifies tickets",
    response=PublicKey,
    alternate_media={PEM_MEDIA_TYPE: {"type": "string"}},
    auth=PUBLIC,
)
def ticket_public_key() -> PublicKey | Response:
    """Ed25519 public key as PEM and as JWK (RFC 8037).

    With ``Accept: application/x-pem-file`` the PEM file itself, ready for
    ``mobility ticket verify --public-key``.
    """
    if request.accept_mimetypes.best_match(["application/json", PEM_MEDIA_TYPE]) == PEM_MEDIA_TYPE:
        return _pem_response()
    key = current_app.extensions["mobility.ticket_key"]
    return PublicKey(pem=public_pem(key), jwk=Jwk(**public_jwk(key)))


@blueprint.operation(
    "/tickets/public-key.pem",
    summary="The key that verifies tickets, as a PEM file",
    alternate_media={PEM_MEDIA_TYPE: {"type": "string"}},
    auth=PUBLIC,
)
def ticket_public_key_pem() -> Response:
    """The PEM file for ``mobility ticket verify --public-key`` (``application/x-pem-file``)."""
    return _pem_response()
