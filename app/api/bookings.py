"""Bookings: book a planned itinerary in one checkout, follow it, ride, cancel, get the receipt."""

from __future__ import annotations

import json
from dataclasses import asdict

from flask import Response, current_app, url_for
from sqlalchemy import select

from app.accounts.access import current_reach, current_user, reach
from app.accounts.policy import ACCOUNT, ADMIN_AUDITED, RIDER_ACTION, RIDER_READ, Reach
from app.accounts.verification import require_verified_email
from app.api.idempotency import IDEMPOTENCY_HEADER, idempotency_key
from app.booking.amounts import booking_amounts
from app.booking.receipts import receipt_for, receipt_response, request_seller
from app.booking.request_saga import saga, transit_ticket
from app.booking.saga import BookingError, BookingSaga, StepFailed
from app.booking.states import IllegalTransition
from app.errors import Conflict, NotFound, RuleViolation, problem_response
from app.extensions import db, orm_session
from app.i18n import negotiate
from app.itinerary_ids import InvalidItineraryId, read_itinerary_id
from app.local_times import local
from app.models import Booking, BookingEvent, BookingLeg, BookingState, Payment, PaymentState, as_utc
from app.openapi import ApiBlueprint
from app.schemas.bookings import (
    BookingList,
    BookingOut,
    BookingRequest,
    EventList,
    EventOut,
    LegOut,
    PaymentOut,
    Receipt,
    RefundOut,
    RefundRequest,
)

blueprint = ApiBlueprint("bookings", __name__, tag="bookings")


def booking_out(booking: Booking) -> BookingOut:
    """The API view of a booking with its legs and payment."""
    legs = list(
        db.session.scalars(select(BookingLeg).where(BookingLeg.booking_id == booking.id).order_by(BookingLeg.position))
    )
    payment = db.session.scalar(select(Payment).where(Payment.booking_id == booking.id))
    return BookingOut(
        id=booking.id,
        state=booking.state,
        region=booking.region,
        currency=booking.currency,
        **asdict(booking_amounts(booking, legs, payment)),
        total_cents=booking.total_cents,
        failure_reason=booking.failure_reason,
        created_at=local(booking.created_at),
        legs=[
            LegOut(
                position=leg.position,
                mode=leg.mode,
                provider=leg.provider,
                vehicle_type_id=leg.vehicle_type_id,
                vehicle_id=leg.vehicle_id,
                pickup_station_id=leg.pickup_station_id,
                dropoff_station_id=leg.dropoff_station_id,
                starts_at=local(leg.starts_at),
                state=leg.state,
                quote_cents=leg.quote_cents,
                final_cents=leg.final_cents,
                reason=leg.reason,
                ticket=leg.ticket_token,
                pickup_at=local(leg.pickup_at) if leg.pickup_at is not None else None,
                latest_pickup_at=local(leg.latest_pickup_at) if leg.latest_pickup_at is not None else None,
            )
            for leg in legs
        ],
        payment=None
        if payment is None
        else PaymentOut(
            gateway=payment.gateway,
            state=payment.state,
            currency=payment.currency,
            authorised_cents=payment.authorised_cents,
            captured_cents=payment.captured_cents,
            refunded_cents=payment.refunded_cents,
            client_secret=payment.client_secret if payment.state == PaymentState.REQUIRES_ACTION else None,
        ),
    )


def _leg_providers(booking: Booking) -> list[str]:
    return list(db.session.scalars(select(BookingLeg.provider).where(BookingLeg.booking_id == booking.id)))


def _readable(booking_id: str) -> Booking:
    """A booking within the operation's reach for the caller (the authorisation table decides)."""
    booking = db.session.get(Booking, booking_id)
    if booking is None:
        raise NotFound("no booking with this id")
    reach(booking.user_id, "booking", providers=lambda: _leg_providers(booking))
    return booking


def _own(booking_id: str) -> Booking:
    """A booking the caller may change (the table's reach), locked for this transaction."""
    booking = db.session.get(Booking, booking_id, with_for_update=True)
    if booking is None:
        raise NotFound("no booking with this id")
    reach(booking.user_id, "booking", providers=lambda: _leg_providers(booking))
    return booking


def _leg(booking: Booking, position: int) -> BookingLeg:
    leg = db.session.scalar(
        select(BookingLeg).where(BookingLeg.booking_id == booking.id, BookingLeg.position == position)
    )
    if leg is None:
        raise NotFound(f"booking {booking.id} has no booked leg {position}")
    return leg


def _in_flight_response(booking: Booking, detail: str) -> Response:
    """202: the booking is still being worked on; follow ``Location`` (the booking) for the outcome."""
    location = url_for("bookings.read_booking", booking_id=booking.id)
    body = booking_out(booking).model_dump(mode="json", by_alias=True) | {"statusUrl": location, "detail": detail}
    return Response(json.dumps(body), status=202, mimetype="application/json", headers={"Location": location})


def _bad_gateway(failure: StepFailed, booking: Booking) -> Response:
    """502: a provider answered against the interface; the booking was compensated."""
    return problem_response(
        status=502,
        slug="provider-invalid-answer",
        title=f"The provider {failure.provider} gave an invalid answer",
        detail=failure.reason,
        extra={"provider": failure.provider, "booking": booking_out(booking).model_dump(mode="json", by_alias=True)},
    )


def _failed_response(booking: Booking, runner: BookingSaga) -> Response | None:
    """202 for a booking still in flight, 502 for a provider's invalid answer, 402/409 for a failed saga."""
    if runner.out_of_budget is not None and booking.state == BookingState.PENDING:
        return _in_flight_response(booking, f"{runner.out_of_budget}; the booking is finished in the background")
    if booking.state not in ("failed", "pending") or runner.failure is None:
        return None
    if runner.failure.bad_gateway:
        return _bad_gateway(runner.failure, booking)
    declined = runner.failure.declined
    return problem_response(
        status=402 if declined else 409,
        slug="payment-declined" if declined else "booking-failed",
        title="The payment was declined" if declined else "The booking could not be completed",
        detail=runner.failure.reason,
        extra={"booking": booking_out(booking).model_dump(mode="json", by_alias=True)},
    )


@blueprint.operation(
    "/bookings",
    method="POST",
    summary="Book an itinerary",
    body=BookingRequest,
    response=BookingOut,
    status=201,
    also=(200, 202),
    errors=(402, 403, 409, 422, 502),
    auth=ACCOUNT,
    headers=(IDEMPOTENCY_HEADER,),
)
def create_booking(body: BookingRequest) -> BookingOut | Response | tuple[BookingOut, int]:
    """One checkout for every bookable leg of a planned itinerary.

    The account's e-mail address must be confirmed (403 ``email-not-verified`` otherwise).

    Each shared vehicle is reserved with its operator, the quoted total is authorised on the
    card (per-minute legs with headroom) and every leg is confirmed; if any step fails,
    everything done is undone and the answer (402 declined card, 409 otherwise) carries the
    booking with a reason per leg.

    Send an ``Idempotency-Key`` header (8-255 characters): the same key returns the same
    booking (200), the same key with another body is refused (422). With a card that
    needs 3-D Secure the booking comes back ``reserved`` with ``payment.clientSecret``:
    authenticate in the app, then ``POST /bookings/{id}/authenticated``.

    When the request's time budget (20 s) runs out mid-saga the answer is 202 with the
    booking ``pending`` and ``statusUrl`` (also ``Location``): the saga is finished in the
    background; never a failure for a booking that later succeeds. A provider answering
    against the interface gives 502 naming it, after everything was undone.
    """
    require_verified_email(current_user())
    key = idempotency_key()
    try:
        record = read_itinerary_id(body.itinerary_id, secret_key=current_app.config["SECRET_KEY"])
    except InvalidItineraryId as exc:
        raise RuleViolation("invalid-itinerary", str(exc)) from exc
    user = current_user()
    ticket = transit_ticket(user, record)
    runner = saga()
    try:
        booking, created = runner.book(
            user,
            record,
            itinerary_id=body.itinerary_id,
            idempotency_key=key,
            payment_method=body.payment_method,
            ticket=ticket,
        )
    except BookingError as exc:
        if exc.slug == "vehicle-taken":
            raise Conflict(exc.detail) from exc
        raise RuleViolation(exc.slug, exc.detail) from exc
    failed = _failed_response(booking, runner)
    if failed is not None:
        return failed
    return booking_out(booking), 201 if created else 200


@blueprint.operation("/bookings", summary="The signed-in user's bookings", response=BookingList, auth=RIDER_READ)
def list_bookings() -> BookingList:
    """Newest first. An operator account sees the bookings with legs of its provider."""
    user = current_user()
    query = select(Booking).order_by(Booking.created_at.desc()).limit(200)
    scope = current_reach()
    if scope is Reach.PROVIDER and user.provider:
        query = query.where(Booking.id.in_(select(BookingLeg.booking_id).where(BookingLeg.provider == user.provider)))
    elif scope is not Reach.ANY:
        query = query.where(Booking.user_id == user.id)
    return BookingList(bookings=[booking_out(booking) for booking in db.session.scalars(query)])


@blueprint.operation("/bookings/<booking_id>", summary="A booking", response=BookingOut, errors=(404,), auth=RIDER_READ)
def read_booking(booking_id: str) -> BookingOut:
    """Its state, legs (with reasons) and payment. Another user's booking is 404."""
    return booking_out(_readable(booking_id))


@blueprint.operation(
    "/bookings/<booking_id>/events", summary="A booking's history", response=EventList, errors=(404,), auth=RIDER_READ
)
def booking_events(booking_id: str) -> EventList:
    """Every state change of the booking and its legs, oldest first (append-only)."""
    booking = _readable(booking_id)
    events = db.session.scalars(
        select(BookingEvent).where(BookingEvent.booking_id == booking.id).order_by(BookingEvent.id)
    )
    return EventList(
        events=[
            EventOut(
                at=as_utc(e.at),
                leg_position=e.leg_position,
                from_state=e.from_state,
                to_state=e.to_state,
                detail=e.detail,
            )
            for e in events
        ]
    )


@blueprint.operation(
    "/bookings/<booking_id>/authenticated",
    method="POST",
    summary="Continue after 3-D Secure",
    response=BookingOut,
    also=(202,),
    errors=(404, 409, 502),
    auth=RIDER_ACTION,
)
def booking_authenticated(booking_id: str) -> BookingOut | Response:
    """Re-reads the payment: authorised, the legs are confirmed; refused, everything is undone."""
    booking = _own(booking_id)
    runner = saga()
    runner.authenticated(booking)
    return _failed_response(booking, runner) or booking_out(booking)


def _change(booking_id: str, action: str, position: int | None = None) -> BookingOut | Response:
    booking = _own(booking_id)
    runner = saga()
    try:
        if action == "cancel":
            runner.cancel(booking)
        else:
            assert position is not None
            leg = _leg(booking, position)
            {"start": runner.start_leg, "end": runner.end_leg, "cancel-leg": runner.cancel_leg}[action](booking, leg)
    except IllegalTransition as exc:
        raise Conflict(str(exc)) from exc
    except StepFailed as exc:
        if exc.in_flight:  # the operator did not answer: the reconciler finishes the step
            return _in_flight_response(booking, exc.reason + "; finished in the background")
        if exc.bad_gateway:
            return _bad_gateway(exc, booking)
        raise Conflict(exc.reason) from exc
    return booking_out(booking)


@blueprint.operation(
    "/bookings/<booking_id>/legs/<int:position>/start",
    method="POST",
    summary="Start a ride",
    response=BookingOut,
    also=(202,),
    errors=(404, 409, 502),
    auth=RIDER_ACTION,
)
def start_leg(booking_id: str, position: int) -> BookingOut | Response:
    """Unlocks the vehicle of a confirmed leg (the leg is then ``in_use``)."""
    return _change(booking_id, "start", position)


@blueprint.operation(
    "/bookings/<booking_id>/legs/<int:position>/end",
    method="POST",
    summary="End a ride",
    response=BookingOut,
    also=(202,),
    errors=(404, 409, 502),
    auth=RIDER_ACTION,
)
def end_leg(booking_id: str, position: int) -> BookingOut | Response:
    """Ends the ride at the operator.

    When no leg is left open the actual amount is captured (never more than was authorised)
    and the booking is ``completed``.
    """
    return _change(booking_id, "end", position)


@blueprint.operation(
    "/bookings/<booking_id>/legs/<int:position>/cancel",
    method="POST",
    summary="Cancel one leg",
    response=BookingOut,
    also=(202,),
    errors=(404, 409, 502),
    auth=RIDER_ACTION,
)
def cancel_leg(booking_id: str, position: int) -> BookingOut | Response:
    """Cancels this leg only (a leg not yet ridden).

    The operator's cancellation fee applies when its policy has one; the other legs, the
    ticket among them, stay booked. What is left is priced again: if the remaining rides
    need another ticket (or none) the ticket leg is re-issued (or voided) and the booking's
    events say so. The booking is ``cancelled`` only when every leg is; with no ride left
    open it is settled (fees and tickets charged).
    """
    return _change(booking_id, "cancel-leg", position)


@blueprint.operation(
    "/bookings/<booking_id>/cancel",
    method="POST",
    summary="Cancel a booking",
    response=BookingOut,
    also=(202,),
    errors=(404, 409, 502),
    auth=RIDER_ACTION,
)
def cancel_booking(booking_id: str) -> BookingOut | Response:
    """Cancels every leg not yet ridden and releases the authorisation (rides already taken are charged).

    The built-in operators charge no cancellation fee before a ride starts.
    """
    return _change(booking_id, "cancel")


@blueprint.operation(
    "/bookings/<booking_id>/refunds",
    method="POST",
    summary="Refund a booking (staff)",
    body=RefundRequest,
    response=RefundOut,
    status=201,
    errors=(404, 422),
    auth=ADMIN_AUDITED,
)
def refund_booking(booking_id: str, body: RefundRequest) -> RefundOut:
    """Gives back part or all of what was captured, with the reason (recorded on the receipt)."""
    booking = db.session.get(Booking, booking_id)
    if booking is None:
        raise NotFound("no booking with this id")
    reach(booking.user_id, "booking")
    try:
        refund = saga().refund(booking, body.amount_cents, body.reason)
    except BookingError as exc:
        raise RuleViolation(exc.slug, exc.detail) from exc
    return RefundOut(amount_cents=refund.amount_cents, reason=refund.reason, created_at=as_utc(refund.created_at))


@blueprint.operation(
    "/bookings/<booking_id>/receipt",
    summary="The itemised receipt",
    response=Receipt,
    errors=(404,),
    auth=RIDER_READ,
    alternate_media={"application/pdf": {"type": "string", "format": "binary"}},
)
def booking_receipt(booking_id: str) -> Receipt | Response:
    """Operator, leg, amount and VAT rate per line (amounts include VAT).

    With ``Accept: application/pdf`` the same receipt as a printable PDF.
    """
    booking = _readable(booking_id)
    receipt = receipt_for(orm_session(), booking, seller=request_seller(), language=negotiate())
    return receipt_response(receipt, f"receipt-{booking.id}.pdf")


__all__ = ["blueprint", "booking_out"]
