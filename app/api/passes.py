"""Passes: the products, Teilhabecard proofs (city staff review them), buying a month, tickets and QR codes."""

from __future__ import annotations

import io

import segno
from flask import Response, current_app, request
from sqlalchemy import select

from app.accounts.access import current_user, owned
from app.api.idempotency import idempotency_key
from app.api.region import current_region
from app.booking.receipts import pass_receipt, receipt_response, request_seller
from app.errors import ApiError, NotFound, ServiceUnavailable
from app.extensions import db
from app.fares import fare_calculator
from app.i18n import negotiate
from app.models import EligibilityProof, PassTicket, Role, as_utc, utc_now
from app.openapi import ApiBlueprint
from app.schemas.bookings import Receipt
from app.schemas.passes import (
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
from app.tickets.service import Decision, PassError, PassShop, review_proof, revoked_ids, submit_proof
from app.tickets.signing import public_pem
from routing.fares.config import FareConfig

blueprint = ApiBlueprint("passes", __name__, tag="passes")

STAFF = (Role.CITY_STAFF.value, Role.ADMIN.value)


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
        db.session,
        current_app.extensions["mobility.payments"],
        current_app.extensions["mobility.ticket_key"],
        current_app.config["SECRET_KEY"],
        _fares(),
    )


def _proof(proof: EligibilityProof) -> ProofOut:
    return ProofOut(
        id=proof.id,
        kind=proof.kind,
        card_number=proof.card_number,
        valid_until=proof.valid_until,
        benefit=proof.benefit,
        status=proof.status,
        reason=proof.reason,
        submitted_at=as_utc(proof.created_at),
        reviewed_at=None if proof.reviewed_at is None else as_utc(proof.reviewed_at),
    )


def _ticket(ticket: PassTicket) -> TicketOut:
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
    )


@blueprint.operation("/passes", summary="The passes on sale", response=ProductList, errors=(503,))
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
    auth=(),
)
def submit_eligibility(body: ProofRequest) -> ProofOut:
    """Card number, valid-until date and benefit; city staff verify or reject it (or a city
    registry decides at once). The status shows in ``GET /me/eligibility``.
    """
    try:
        proof = submit_proof(
            db.session,
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


@blueprint.operation("/me/eligibility", summary="The account's proofs and their status", response=ProofList, auth=())
def my_eligibility() -> ProofList:
    """Every Teilhabecard submitted, oldest first, with the staff's reason."""
    proofs = db.session.scalars(
        select(EligibilityProof).where(EligibilityProof.user_id == current_user().id).order_by(EligibilityProof.id)
    )
    return ProofList(proofs=[_proof(proof) for proof in proofs])


@blueprint.operation(
    "/eligibility", summary="Proofs to review (city staff)", query=ProofQuery, response=ProofList, auth=STAFF
)
def list_proofs(query: ProofQuery) -> ProofList:
    """Proofs with the given status, oldest first."""
    proofs = db.session.scalars(
        select(EligibilityProof).where(EligibilityProof.status == query.status).order_by(EligibilityProof.id).limit(500)
    )
    return ProofList(proofs=[_proof(proof) for proof in proofs])


def _review(proof_id: str, verified: bool, reason: str) -> ProofOut:
    proof = db.session.get(EligibilityProof, int(proof_id)) if proof_id.isdigit() else None
    if proof is None:
        raise NotFound("no proof with this id")
    try:
        return _proof(review_proof(db.session, current_user(), proof, Decision(verified=verified, reason=reason)))
    except PassError as exc:
        raise PassRefused(exc) from exc


@blueprint.operation(
    "/eligibility/<proof_id>/verify",
    method="POST",
    summary="Verify a proof (city staff)",
    body=Review,
    response=ProofOut,
    errors=(404, 409),
    auth=STAFF,
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
    auth=STAFF,
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
    auth=(),
)
def buy_ticket(body: PurchaseRequest) -> TicketOut | tuple[TicketOut, int]:
    """For the current or the next calendar month, one per product and month; send an
    ``Idempotency-Key`` (the same key returns the same purchase). The MittendrinTicket needs a
    verified Teilhabecard valid on the month's first day. Paid at once; the answer carries the
    signed ticket (``token``) and ``GET /tickets/{id}/qr`` renders it.
    """
    key = idempotency_key()
    try:
        ticket, created = _shop().buy(
            current_user(),
            body.product,
            body.month,
            idempotency_key=key,
            payment_method=body.payment_method,
            today=utc_now().date(),
        )
    except PassError as exc:
        raise PassRefused(exc) from exc
    return _ticket(ticket), 201 if created else 200


@blueprint.operation("/tickets", summary="The account's passes", response=TicketList, auth=())
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
    owned(ticket.user_id, "pass")
    return ticket


@blueprint.operation("/tickets/<ticket_id>", summary="A pass", response=TicketOut, errors=(404,), auth=())
def read_ticket(ticket_id: str) -> TicketOut:
    """The pass with its signed ticket; another user's pass is 404."""
    return _ticket(_own_ticket(ticket_id))


@blueprint.operation(
    "/tickets/<ticket_id>/authenticated",
    method="POST",
    summary="Continue after 3-D Secure",
    response=TicketOut,
    errors=(404,),
    auth=(),
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
    auth=(),
    alternate_media={
        "image/svg+xml": {"type": "string"},
        "image/png": {"type": "string", "format": "binary"},
    },
)
def ticket_qr(ticket_id: str) -> Response:
    """SVG by default, PNG with ``Accept: image/png``; it encodes the signed ticket (``token``)."""
    ticket = _own_ticket(ticket_id)
    if ticket.token is None or ticket.status != "active":
        raise PassRefused(PassError("no-ticket", f"the pass is {ticket.status}; it has no valid ticket", status=409))
    kind = request.accept_mimetypes.best_match(["image/svg+xml", "image/png"], default="image/svg+xml")
    buffer = io.BytesIO()
    segno.make(ticket.token, error="m").save(buffer, kind="png" if kind == "image/png" else "svg", scale=4)
    return Response(buffer.getvalue(), mimetype=kind or "image/svg+xml")


@blueprint.operation(
    "/tickets/<ticket_id>/receipt",
    summary="The receipt of a pass purchase",
    response=Receipt,
    errors=(404,),
    auth=(),
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
    auth=(Role.ADMIN.value,),
)
def refund_ticket(ticket_id: str, body: RefundPass) -> TicketOut:
    """Refunds the full price and revokes the ticket: it is on the revocation list from now on."""
    ticket = db.session.get(PassTicket, ticket_id)
    if ticket is None:
        raise NotFound("no pass with this id")
    try:
        _shop().refund(ticket, body.reason)
    except PassError as exc:
        raise PassRefused(exc) from exc
    return _ticket(ticket)


@blueprint.operation("/tickets/revoked", summary="Revoked tickets (for inspectors)", response=RevocationList)
def revocation_list() -> RevocationList:
    """Ticket ids that no longer count (refunded); inspectors' devices load it when online."""
    return RevocationList(revoked=revoked_ids(db.session), generated_at=utc_now())


@blueprint.operation("/tickets/public-key", summary="The key that verifies tickets", response=PublicKey)
def ticket_public_key() -> PublicKey:
    """Ed25519 public key (PEM): with it a ticket's signature is checked offline."""
    return PublicKey(pem=public_pem(current_app.extensions["mobility.ticket_key"]))
