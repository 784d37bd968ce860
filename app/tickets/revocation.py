"""The revocation list: tickets that no longer count, signed so inspectors' devices can trust it offline.

A ticket joins the list at once when its leg or booking is cancelled or fails after the
ticket was issued (:func:`revoke_on_transition`, called by every state transition of
:mod:`app.booking.states`), when the booking's payment is refunded in full (a listener on
``Payment.state``), and when a pass is refunded (:class:`app.tickets.service.PassShop`).

The list's ``version`` is the number of revocations: rows are only ever added, so each
committed revocation makes it larger, whatever order concurrent transactions commit in.
The signature (Ed25519, the tickets' key) covers the canonical JSON of ``version`` and
``revoked``; :func:`verify_revocation_list` checks it.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, object_session

from app.models import Booking, BookingLeg, BookingState, Payment, PaymentState, TicketRevocation

REVOKING_STATES = frozenset({BookingState.CANCELLED, BookingState.FAILED})
"""A ticket whose leg or booking enters one of these no longer counts."""


class RevocationListInvalid(ValueError):
    """A revocation list file that is malformed, unsigned or not signed by the tickets' key."""


def single_ticket_id(booking_id: str, position: int) -> str:
    """The id a booking leg's single ticket carries (and the revocation list names)."""
    return f"{booking_id}-{position}"


def revoke(db: Session, ticket_id: str, *, kind: str, reason: str) -> bool:
    """Put ``ticket_id`` on the revocation list (with the caller's transaction); False when it is on it already."""
    with db.no_autoflush:
        pending = any(isinstance(obj, TicketRevocation) and obj.ticket_id == ticket_id for obj in db.new)
        if pending or db.scalar(select(TicketRevocation.id).where(TicketRevocation.ticket_id == ticket_id)):
            return False
    db.add(TicketRevocation(ticket_id=ticket_id, kind=kind, reason=reason))
    return True


def _revoke_legs(db: Session, legs: list[BookingLeg], reason: str) -> None:
    for leg in legs:
        if leg.ticket_token is not None:
            revoke(db, single_ticket_id(leg.booking_id, leg.position), kind="single", reason=reason)


def _booking_legs(db: Session, booking_id: str) -> list[BookingLeg]:
    with db.no_autoflush:
        return list(db.scalars(select(BookingLeg).where(BookingLeg.booking_id == booking_id)))


def revoke_on_transition(
    db: Session, booking: Booking, leg: BookingLeg | None, to: BookingState, detail: str = ""
) -> None:
    """Revoke the tickets a state change ends: the leg's own (``leg`` given), or every ticket of the booking."""
    if to not in REVOKING_STATES:
        return
    reason = f"{'leg' if leg is not None else 'booking'} {to.value}" + (f": {detail}" if detail else "")
    _revoke_legs(db, [leg] if leg is not None else _booking_legs(db, booking.id), reason)


@event.listens_for(Payment.state, "set")
def _payment_refunded(target: Payment, value: str, oldvalue: Any, initiator: Any) -> None:
    """A booking refunded in full: its tickets no longer count (a partial refund keeps them)."""
    if value != PaymentState.REFUNDED.value or oldvalue == value:
        return
    db = object_session(target)
    if db is not None:
        _revoke_legs(db, _booking_legs(db, target.booking_id), "booking refunded in full")


@dataclass(frozen=True)
class SignedRevocations:
    """The revocation list as served: its version, the ids and the signature over both."""

    version: int
    revoked: list[str]
    signature: str


def _canonical(version: int, revoked: list[str]) -> bytes:
    return json.dumps({"revoked": revoked, "version": version}, separators=(",", ":"), sort_keys=True).encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def revocation_version(db: Session) -> int:
    """The current version of the list (the number of revocations)."""
    return int(db.scalar(select(func.count()).select_from(TicketRevocation)) or 0)


def revoked_ids(db: Session) -> list[str]:
    """Ids of revoked tickets, in the order they were revoked."""
    return list(db.scalars(select(TicketRevocation.ticket_id).order_by(TicketRevocation.id)))


def signed_revocations(db: Session, key: Ed25519PrivateKey) -> SignedRevocations:
    """The list, with its version and signature."""
    revoked = revoked_ids(db)
    version = len(revoked)
    return SignedRevocations(version=version, revoked=revoked, signature=_b64(key.sign(_canonical(version, revoked))))


def verify_revocation_list(document: object, public_key: Ed25519PublicKey) -> frozenset[str]:
    """The revoked ids of a list from ``GET /tickets/revoked``, after checking its signature.

    Raises
    ------
    RevocationListInvalid
        Missing fields, no signature, or a signature the key does not confirm.
    """
    if not isinstance(document, dict):
        msg = "the revocation list is not a JSON object"
        raise RevocationListInvalid(msg)
    version, revoked, signature = document.get("version"), document.get("revoked"), document.get("signature")
    if not isinstance(signature, str):
        msg = "the revocation list is not signed (field 'signature' missing); download it again"
        raise RevocationListInvalid(msg)
    if not isinstance(version, int) or not isinstance(revoked, list) or not all(isinstance(i, str) for i in revoked):
        msg = "the revocation list needs an integer 'version' and a list of ticket ids 'revoked'"
        raise RevocationListInvalid(msg)
    try:
        public_key.verify(
            base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)), _canonical(version, revoked)
        )
    except (InvalidSignature, ValueError) as exc:
        msg = "the revocation list's signature does not match the tickets' public key (altered or another server's)"
        raise RevocationListInvalid(msg) from exc
    return frozenset(revoked)


__all__ = [
    "REVOKING_STATES",
    "RevocationListInvalid",
    "SignedRevocations",
    "revocation_version",
    "revoke",
    "revoke_on_transition",
    "revoked_ids",
    "signed_revocations",
    "single_ticket_id",
    "verify_revocation_list",
]
