"""Eligibility proofs, buying a pass for a calendar month, and the passes a traveller holds.

A pass whose product requires eligibility (the MittendrinTicket: ``teilhabecard``) can be
bought only with a verified proof whose card is valid on the first day of the month. One
pass per product and month: the same Idempotency-Key returns the same purchase; another
key is refused. The price is authorised and captured at once through the payment layer
(its ledger keys are ``pass:ID:authorise`` and ``pass:ID:capture``), then the digital
ticket is signed.
"""

from __future__ import annotations

import calendar
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.models import EligibilityProof, PassTicket, ProofStatus, TicketStatus, User, utc_now
from app.payments import ledger
from app.payments.customers import gateway_customer, holder_pseudonym
from app.payments.gateway import Intent, IntentStatus, PaymentDeclined, PaymentError, PaymentGateway
from app.tickets.revocation import revoke
from app.tickets.signing import TicketClaims, sign_ticket
from app.tickets.view import pass_texts
from routing.fares.config import FareConfig, PassProduct
from routing.fares.engine import HeldPass


class PassError(Exception):
    """A pass request refused by a rule; ``slug`` names it."""

    def __init__(self, slug: str, detail: str, *, status: int = 422) -> None:
        super().__init__(detail)
        self.slug, self.detail, self.status = slug, detail, status


@dataclass(frozen=True)
class Decision:
    """A verification adapter's verdict on a proof."""

    verified: bool
    reason: str


class EligibilityVerifier(Protocol):
    """A hook for a future city registry: decide a proof automatically, or leave it to staff (None)."""

    def check(self, proof: EligibilityProof) -> Decision | None:
        """The registry's decision, or None when staff must decide."""
        ...


class StaffReview:
    """The default verifier: every proof is decided by city staff."""

    def check(self, proof: EligibilityProof) -> Decision | None:
        """No automatic decision."""
        return None


def month_period(month: str) -> tuple[date, date]:
    """First and last day of ``YYYY-MM``.

    Raises
    ------
    PassError
        Not a month.
    """
    try:
        year, number = (int(part) for part in month.split("-"))
        first = date(year, number, 1)
    except ValueError as exc:
        raise PassError("invalid-month", f"{month!r} is not a month (YYYY-MM)") from exc
    return first, date(year, number, calendar.monthrange(year, number)[1])


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def submit_proof(
    db: Session,
    user: User,
    *,
    card_number: str,
    valid_until: date,
    benefit: str,
    verifier: EligibilityVerifier,
    today: date,
) -> EligibilityProof:
    """Record a Teilhabecard; the verifier may decide at once, else it waits for staff."""
    if valid_until < today:
        raise PassError("card-expired", f"the card expired on {valid_until.isoformat()}")
    proof = EligibilityProof(
        user_id=user.id,
        card_number=card_number,
        valid_until=valid_until,
        benefit=benefit,
        status=ProofStatus.SUBMITTED.value,
    )
    db.add(proof)
    db.flush()
    decision = verifier.check(proof)
    if decision is not None:
        _decide(proof, None, decision)
    db.commit()
    return proof


def _decide(proof: EligibilityProof, staff: User | None, decision: Decision) -> None:
    proof.status = (ProofStatus.VERIFIED if decision.verified else ProofStatus.REJECTED).value
    proof.reason = decision.reason
    proof.reviewed_by = staff.id if staff is not None else None
    proof.reviewed_at = utc_now()


def review_proof(db: Session, staff: User, proof: EligibilityProof, decision: Decision) -> EligibilityProof:
    """Staff verify or reject a submitted proof (a decided proof is not decided again)."""
    if proof.status != ProofStatus.SUBMITTED.value:
        raise PassError("already-decided", f"this proof was already {proof.status}", status=409)
    _decide(proof, staff, decision)
    db.commit()
    return proof


def valid_proof(db: Session, user_id: int, on: date) -> EligibilityProof | None:
    """The user's verified proof whose card is valid on ``on`` (the latest)."""
    return db.scalar(
        select(EligibilityProof)
        .where(
            EligibilityProof.user_id == user_id,
            EligibilityProof.status == ProofStatus.VERIFIED.value,
            EligibilityProof.valid_until >= on,
        )
        .order_by(EligibilityProof.id.desc())
    )


@dataclass
class PassShop:
    """Sells passes through the payment layer and signs their tickets."""

    db: Session
    gateway: PaymentGateway
    signing_key: Ed25519PrivateKey
    secret_key: str
    fares: FareConfig
    zone_names: dict[str, str] = field(default_factory=dict)
    """Zone id to name, for the area the ticket names."""

    def product(self, product_id: str) -> PassProduct:
        """The product sold under ``product_id``."""
        product = self.fares.passes.get(product_id)
        if product is None or product.period != "month":
            known = ", ".join(sorted(p.id for p in self.fares.passes.values() if p.period == "month"))
            raise PassError("unknown-product", f"no monthly pass {product_id!r} here (sold: {known})")
        return product

    def buy(
        self,
        user: User,
        product_id: str,
        month: str,
        *,
        idempotency_key: str,
        payment_method: str | None,
        today: date,
    ) -> tuple[PassTicket, bool]:
        """The pass for ``month`` (current or next), and whether it was bought now.

        Raises
        ------
        PassError
            Unknown product, a month not on sale, no valid proof, bought already, declined card.
        """
        product = self.product(product_id)
        first, last = month_period(month)
        existing = self.db.scalar(
            select(PassTicket).where(
                PassTicket.user_id == user.id,
                PassTicket.product_id == product.id,
                PassTicket.valid_from == first,
            )
        )
        if existing is not None and existing.status != TicketStatus.FAILED.value:
            if existing.idempotency_key == idempotency_key:
                return existing, False
            raise PassError("already-bought", f"you hold the {product.name} for {month} already", status=409)
        if first not in (today.replace(day=1), _next_month(today)):
            raise PassError("month-not-on-sale", f"passes are sold for the current and the next month, not {month}")
        if product.eligibility == "teilhabecard" and valid_proof(self.db, user.id, first) is None:
            raise PassError(
                "not-eligible",
                f"the {product.name} needs a Teilhabecard verified by the city and valid on {first.isoformat()}",
                status=403,
            )
        if existing is not None:  # an earlier attempt failed: try again under the new key
            self.db.delete(existing)
            self.db.flush()
        ticket = PassTicket(
            id=uuid.uuid4().hex,
            user_id=user.id,
            holder=holder_pseudonym(self.secret_key, user.id),
            holder_name=user.display_name,
            product_id=product.id,
            product_name=product.name,
            valid_from=first,
            valid_until=last,
            price_cents=product.price_cents,
            currency=self.fares.currency,
            idempotency_key=idempotency_key,
            gateway=self.gateway.name,
        )
        self.db.add(ticket)
        try:
            self.db.commit()
        except IntegrityError as exc:
            self.db.rollback()
            raise PassError("already-bought", f"you hold the {product.name} for {month} already", status=409) from exc
        self._pay(user, ticket, payment_method)
        return ticket, True

    def _pay(self, user: User, ticket: PassTicket, payment_method: str | None) -> None:
        key = f"pass:{ticket.id}:authorise"
        try:
            customer = gateway_customer(self.db, self.gateway, self.secret_key, user)
            intent = ledger.once(
                self.db,
                key,
                {"amount": ticket.price_cents, "method": payment_method},
                lambda: self.gateway.authorise(
                    amount_cents=ticket.price_cents,
                    currency=ticket.currency,
                    customer_id=customer,
                    payment_method=payment_method,
                    description=f"{ticket.product_name} {ticket.id}",
                    metadata={"pass": ticket.id},
                    idempotency_key=key,
                ),
            )
        except PaymentDeclined as exc:
            ticket.status = TicketStatus.FAILED.value
            self.db.commit()
            raise PassError("payment-declined", exc.reason, status=402) from exc
        except PaymentError as exc:
            ticket.status = TicketStatus.FAILED.value
            self.db.commit()
            raise PassError("payment-failed", exc.reason, status=503) from exc
        assert isinstance(intent, Intent)
        ticket.intent_id, ticket.client_secret = intent.intent_id, intent.client_secret
        self.db.commit()
        self.settle(ticket, intent.status)

    def settle(self, ticket: PassTicket, status: IntentStatus) -> None:
        """Capture an authorised payment and issue the ticket (after 3-D Secure too)."""
        if ticket.status != TicketStatus.AWAITING_PAYMENT.value:
            return
        if status is IntentStatus.REQUIRES_ACTION:
            return
        if status is not IntentStatus.REQUIRES_CAPTURE or ticket.intent_id is None:
            ticket.status = TicketStatus.FAILED.value
            self.db.commit()
            return
        intent_id, key = ticket.intent_id, f"pass:{ticket.id}:capture"
        ledger.once(
            self.db,
            key,
            {"amount": ticket.price_cents},
            lambda: self.gateway.capture(intent_id, ticket.price_cents, idempotency_key=key),
        )
        ticket.status = TicketStatus.ACTIVE.value
        ticket.client_secret = None
        area, companions = pass_texts(self.fares.passes.get(ticket.product_id), self.zone_names)
        ticket.token = sign_ticket(
            self.signing_key,
            TicketClaims(
                ticket_id=ticket.id,
                holder=ticket.holder_name,
                product_id=ticket.product_id,
                product=ticket.product_name,
                valid_from=ticket.valid_from,
                valid_until=ticket.valid_until,
                issued=utc_now().isoformat(timespec="seconds"),
                area=area,
                companions=companions,
            ),
        )
        self.db.commit()

    def refund(self, ticket: PassTicket, reason: str) -> None:
        """Refund a pass in full and revoke its ticket (it joins the revocation list)."""
        if ticket.status != TicketStatus.ACTIVE.value or ticket.intent_id is None:
            raise PassError("not-refundable", f"the pass is {ticket.status}", status=409)
        intent_id, key = ticket.intent_id, f"pass:{ticket.id}:refund"
        ledger.once(
            self.db,
            key,
            {"amount": ticket.price_cents, "reason": reason},
            lambda: self.gateway.refund(intent_id, ticket.price_cents, reason=reason, idempotency_key=key),
        )
        ticket.refunded_cents = ticket.price_cents
        ticket.status, ticket.revoked_at, ticket.revoked_reason = (
            TicketStatus.REVOKED.value,
            utc_now(),
            reason,
        )
        revoke(self.db, ticket.id, kind="pass", reason=f"pass refunded: {reason}")
        self.db.commit()


def held_passes(db: Session, user_id: int, around: date) -> list[HeldPass]:
    """The user's active passes valid within a month of ``around`` (for pricing trips)."""
    tickets = db.scalars(
        select(PassTicket).where(
            PassTicket.user_id == user_id,
            PassTicket.status == TicketStatus.ACTIVE.value,
            PassTicket.valid_until >= date.fromordinal(around.toordinal() - 31),
            PassTicket.valid_from <= date.fromordinal(around.toordinal() + 31),
        )
    )
    return [HeldPass(t.product_id, t.valid_from, t.valid_until) for t in tickets]


__all__ = [
    "Decision",
    "EligibilityVerifier",
    "PassError",
    "PassShop",
    "StaffReview",
    "held_passes",
    "month_period",
    "review_proof",
    "submit_proof",
    "valid_proof",
]
