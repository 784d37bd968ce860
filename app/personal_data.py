"""Personal data of an account: the complete GDPR export, and pseudonymising what deletion must keep.

What deletion keeps (tax and accounting records, § 147 AO / § 257 HGB: 10 years) are the
bookings, their legs and events, payments, refunds and passes. They lose the link to the
account (``user_id``), the holder's name, the signed tickets (they carry the name), and
exact places (coordinates rounded to 0.01 degrees, about 1 km; the itinerary record keeps
only modes and times). Sessions, Teilhabecard proofs, gateway customer links, saved places
and the records of e-mail links are deleted.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import tzinfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.accounts.views import account_out
from app.booking.amounts import booking_amounts
from app.local_times import local, local_or_none
from app.models import (
    AuthSession,
    Booking,
    BookingEvent,
    BookingLeg,
    EligibilityProof,
    EmailToken,
    GatewayCustomer,
    PassTicket,
    Payment,
    Refund,
    SavedPlace,
    TicketRevocation,
    User,
    WebhookEvent,
    utc_now,
)
from app.schemas.export import (
    AccountExport,
    ExportBooking,
    ExportEmailLink,
    ExportEvent,
    ExportGatewayCustomer,
    ExportLeg,
    ExportPass,
    ExportPassPayment,
    ExportPayment,
    ExportProof,
    ExportRefund,
    ExportSavedPlace,
    ExportSession,
    ExportTicket,
    ExportWebhookEvent,
)
from app.tickets.revocation import single_ticket_id
from app.tickets.signing import TicketInvalid, read_claims

DELETED_HOLDER = "(account deleted)"
PLACE_DECIMALS = 2


def _payment(db: Session, payment: Payment, zone: tzinfo) -> ExportPayment:
    refunds = db.scalars(select(Refund).where(Refund.payment_id == payment.id).order_by(Refund.id))
    return ExportPayment(
        gateway=payment.gateway,
        intent_id=payment.intent_id,
        state=payment.state,
        currency=payment.currency,
        authorised_cents=payment.authorised_cents,
        captured_cents=payment.captured_cents,
        refunded_cents=payment.refunded_cents,
        failure_reason=payment.failure_reason,
        created_at=local(payment.created_at, zone),
        updated_at=local(payment.updated_at, zone),
        refunds=[
            ExportRefund(amount_cents=r.amount_cents, reason=r.reason, created_at=local(r.created_at, zone))
            for r in refunds
        ],
    )


def _leg(leg: BookingLeg, zone: tzinfo) -> ExportLeg:
    return ExportLeg(
        position=leg.position,
        mode=leg.mode,
        provider=leg.provider,
        operator=leg.operator,
        vehicle_type_id=leg.vehicle_type_id,
        vehicle_id=leg.vehicle_id,
        pickup_station_id=leg.pickup_station_id,
        dropoff_station_id=leg.dropoff_station_id,
        starts_at=local(leg.starts_at, zone),
        minutes=leg.minutes,
        km=leg.km,
        from_lat=leg.from_lat,
        from_lon=leg.from_lon,
        to_lat=leg.to_lat,
        to_lon=leg.to_lon,
        state=leg.state,
        quote_cents=leg.quote_cents,
        final_cents=leg.final_cents,
        reason=leg.reason,
        ticket_id=single_ticket_id(leg.booking_id, leg.position) if leg.ticket_token else None,
    )


def _booking(db: Session, booking: Booking, legs: list[BookingLeg], zone: tzinfo) -> ExportBooking:
    payment = db.scalar(select(Payment).where(Payment.booking_id == booking.id))
    events = db.scalars(select(BookingEvent).where(BookingEvent.booking_id == booking.id).order_by(BookingEvent.id))
    return ExportBooking(
        id=booking.id,
        state=booking.state,
        region=booking.region,
        currency=booking.currency,
        **asdict(booking_amounts(booking, legs, payment)),
        failure_reason=booking.failure_reason,
        created_at=local(booking.created_at, zone),
        updated_at=local(booking.updated_at, zone),
        legs=[_leg(leg, zone) for leg in legs],
        events=[
            ExportEvent(
                at=local(e.at, zone),
                leg_position=e.leg_position,
                from_state=e.from_state,
                to_state=e.to_state,
                detail=e.detail,
            )
            for e in events
        ],
        payment=None if payment is None else _payment(db, payment, zone),
    )


def _ticket(token: str, kind: str, revoked: set[str], language: str) -> ExportTicket | None:
    try:
        claims = read_claims(token)
    except TicketInvalid:
        return None
    return ExportTicket(
        id=claims.ticket_id,
        kind=kind,
        product=claims.product,
        holder_name=claims.holder,
        valid_from=claims.valid_from,
        valid_until=claims.valid_until,
        area=claims.area.in_(language),
        companions=claims.companions.in_(language),
        revoked=claims.ticket_id in revoked,
        token=token,
    )


def build_export(db: Session, user: User, *, zone: tzinfo, language: str) -> AccountExport:
    """Everything stored about ``user``, times in ``zone``, ticket texts in ``language``."""
    bookings = list(db.scalars(select(Booking).where(Booking.user_id == user.id).order_by(Booking.created_at)))
    legs = {
        booking.id: list(
            db.scalars(select(BookingLeg).where(BookingLeg.booking_id == booking.id).order_by(BookingLeg.position))
        )
        for booking in bookings
    }
    passes = list(db.scalars(select(PassTicket).where(PassTicket.user_id == user.id).order_by(PassTicket.created_at)))
    revoked = set(db.scalars(select(TicketRevocation.ticket_id)))
    tickets = [
        _ticket(leg.ticket_token, "single", revoked, language)
        for booking in bookings
        for leg in legs[booking.id]
        if leg.ticket_token
    ] + [_ticket(p.token, "pass", revoked, language) for p in passes if p.token]
    intents = {
        p.intent_id: f"booking {p.booking_id}"
        for p in db.scalars(select(Payment).where(Payment.booking_id.in_([b.id for b in bookings])))
        if p.intent_id
    } | {p.intent_id: f"pass {p.id}" for p in passes if p.intent_id}
    events = db.scalars(
        select(WebhookEvent).where(WebhookEvent.object_id.in_(list(intents))).order_by(WebhookEvent.received_at)
    )
    return AccountExport(
        exported_at=local(utc_now(), zone),
        account=account_out(user).model_copy(update={"created_at": local(user.created_at, zone)}),
        sessions=[
            ExportSession(
                created_at=local(s.created_at, zone),
                expires_at=local(s.expires_at, zone),
                revoked_at=local_or_none(s.revoked_at, zone),
                revoked_reason=s.revoked_reason,
            )
            for s in db.scalars(
                select(AuthSession).where(AuthSession.user_id == user.id).order_by(AuthSession.created_at)
            )
        ],
        bookings=[_booking(db, booking, legs[booking.id], zone) for booking in bookings],
        proofs=[
            ExportProof(
                id=proof.public_id,
                kind=proof.kind,
                card_number=proof.card_number,
                valid_until=proof.valid_until,
                benefit=proof.benefit,
                status=proof.status,
                reason=proof.reason,
                submitted_at=local(proof.created_at, zone),
                reviewed_at=local_or_none(proof.reviewed_at, zone),
            )
            for proof in db.scalars(
                select(EligibilityProof).where(EligibilityProof.user_id == user.id).order_by(EligibilityProof.id)
            )
        ],
        passes=[
            ExportPass(
                id=p.id,
                product_id=p.product_id,
                product_name=p.product_name,
                holder_name=p.holder_name,
                valid_from=p.valid_from,
                valid_until=p.valid_until,
                status=p.status,
                created_at=local(p.created_at, zone),
                revoked_at=local_or_none(p.revoked_at, zone),
                revoked_reason=p.revoked_reason,
                payment=ExportPassPayment(
                    gateway=p.gateway,
                    intent_id=p.intent_id,
                    price_cents=p.price_cents,
                    currency=p.currency,
                    refunded_cents=p.refunded_cents,
                ),
            )
            for p in passes
        ],
        tickets=[ticket for ticket in tickets if ticket is not None],
        gateway_customers=[
            ExportGatewayCustomer(gateway=c.gateway, customer_id=c.customer_id, created_at=local(c.created_at, zone))
            for c in db.scalars(select(GatewayCustomer).where(GatewayCustomer.user_id == user.id))
        ],
        webhook_events=[
            ExportWebhookEvent(
                event_id=e.event_id,
                type=e.type,
                received_at=local(e.received_at, zone),
                object_id=e.object_id,
                concerns=intents.get(e.object_id or "", ""),
            )
            for e in events
        ],
        saved_places=[
            ExportSavedPlace(
                id=p.public_id,
                kind=p.kind,
                name=p.name,
                lat=p.lat,
                lon=p.lon,
                created_at=local(p.created_at, zone),
                updated_at=local(p.updated_at, zone),
            )
            for p in db.scalars(select(SavedPlace).where(SavedPlace.user_id == user.id).order_by(SavedPlace.id))
        ],
        email_links=[
            ExportEmailLink(
                purpose=t.purpose,
                sent_to=t.email,
                sent_at=local(t.created_at, zone),
                expires_at=local(t.expires_at, zone),
                used_at=local_or_none(t.used_at, zone),
            )
            for t in db.scalars(select(EmailToken).where(EmailToken.user_id == user.id).order_by(EmailToken.id))
        ],
    )


def _redacted_itinerary(itinerary: str) -> str:
    try:
        record = json.loads(itinerary)
        legs = [{"mode": leg.get("mode"), "start": leg.get("start"), "end": leg.get("end")} for leg in record["legs"]]
        region = record.get("region", "")
    except (ValueError, KeyError, TypeError, AttributeError):
        legs, region = [], ""
    return json.dumps({"region": region, "legs": legs, "redacted": True})


def pseudonymise_account(db: Session, user: User) -> None:
    """Detach and strip what deletion must keep; delete the rest (the caller deletes the user and commits)."""
    for booking in db.scalars(select(Booking).where(Booking.user_id == user.id)):
        booking.user_id = None
        booking.itinerary = _redacted_itinerary(booking.itinerary)
        for leg in db.scalars(select(BookingLeg).where(BookingLeg.booking_id == booking.id)):
            leg.ticket_token = None
            leg.from_lat, leg.from_lon = round(leg.from_lat, PLACE_DECIMALS), round(leg.from_lon, PLACE_DECIMALS)
            leg.to_lat, leg.to_lon = round(leg.to_lat, PLACE_DECIMALS), round(leg.to_lon, PLACE_DECIMALS)
    for ticket in db.scalars(select(PassTicket).where(PassTicket.user_id == user.id)):
        ticket.user_id, ticket.holder_name, ticket.token, ticket.client_secret = None, DELETED_HOLDER, None, None
    db.execute(delete(EligibilityProof).where(EligibilityProof.user_id == user.id))
    for proof in db.scalars(select(EligibilityProof).where(EligibilityProof.reviewed_by == user.id)):
        proof.reviewed_by = None  # staff deleting their account: the decision stays, not who made it
    db.execute(delete(GatewayCustomer).where(GatewayCustomer.user_id == user.id))
    db.execute(delete(AuthSession).where(AuthSession.user_id == user.id))
    db.execute(delete(SavedPlace).where(SavedPlace.user_id == user.id))
    db.execute(delete(EmailToken).where(EmailToken.user_id == user.id))


__all__ = ["DELETED_HOLDER", "build_export", "pseudonymise_account"]
