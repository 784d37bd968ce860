"""The saga with a fake operator and the offline gateway: broken adapters, per-leg cancels, budgets."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.booking.saga import TransitTicket
from app.deadlines import Deadline
from app.extensions import db
from app.itinerary_ids import ItineraryRecord
from app.models import BookingEvent, OfflinePayment, SagaStep, User, VehicleClaim
from providers.model import BookingState, BookingStatus, LegSpec, Quote
from tests.app.booking.conftest import SagaWorld
from tests.app.booking.fakes import sharing_leg, transit_leg
from tests.paths import ROOT

S = BookingState
TICKET = TransitTicket(
    position=1, cents=330, level="1", label="Einzelfahrschein Preisstufe 1", valid_on=date(2026, 12, 7)
)


def offline_status(world: SagaWorld, booking_id: str) -> str:
    row = db.session.scalar(select(OfflinePayment).where(OfflinePayment.description.contains(booking_id)))
    assert row is not None
    return row.status


def test_a_reserve_answering_none_is_a_typed_error_that_compensates(world: SagaWorld) -> None:
    world.operator.wrong["reserve"] = lambda *args: None
    runner = world.saga()
    booking, _ = runner.book(
        world.user,
        ItineraryRecord.from_json({"region": "t", "legs": [sharing_leg()]}),
        itinerary_id="i",
        idempotency_key="k1",
        payment_method=None,
    )
    assert booking.state == S.FAILED
    assert runner.failure is not None and runner.failure.bad_gateway and runner.failure.provider == "fake"
    assert "reserve returned NoneType, not a BookingStatus" in runner.failure.reason
    (leg,) = world.legs(booking)
    assert leg.state == S.FAILED and "fake gave an invalid answer" in (leg.reason or "")
    assert runner.payment(booking) is None  # nothing authorised
    assert not db.session.scalars(select(VehicleClaim).where(VehicleClaim.active)).all()


def test_a_confirm_answering_the_wrong_state_cancels_the_hold(world: SagaWorld) -> None:
    world.operator.wrong["confirm"] = lambda booking_id: BookingStatus("fake", booking_id, S.RESERVED)
    runner = world.saga()
    booking = world.book([sharing_leg()])
    assert booking.state == S.FAILED
    assert world.operator.held() == []  # the booking was cancelled by the compensation
    payment = runner.payment(booking)
    assert payment is not None and payment.state == "released"
    assert offline_status(world, booking.id) == "canceled"


def test_cancelling_one_leg_cancels_that_leg_only(world: SagaWorld) -> None:
    booking = world.book([sharing_leg(), transit_leg(15), sharing_leg(position_minutes=40)], ticket=TICKET)
    assert booking.state == S.CONFIRMED
    runner = world.saga()
    first = world.legs(booking)[0]
    runner.cancel_leg(booking, first)
    states = {leg.position: leg.state for leg in world.legs(booking)}
    assert states == {0: S.CANCELLED, 1: S.CONFIRMED, 2: S.CONFIRMED}
    assert booking.state == S.CONFIRMED
    assert len(world.operator.held()) == 1


def test_the_booking_is_cancelled_only_when_every_leg_is(world: SagaWorld) -> None:
    booking = world.book([sharing_leg(), sharing_leg(position_minutes=40)])
    runner = world.saga()
    first, second = world.legs(booking)
    runner.cancel_leg(booking, first)
    assert booking.state == S.CONFIRMED
    runner.cancel_leg(booking, second)
    assert booking.state == S.CANCELLED
    payment = runner.payment(booking)
    assert payment is not None and payment.state == "released"  # nothing ridden, no fee
    assert world.operator.held() == []


def test_cancelling_the_last_ride_settles_its_fee_and_keeps_the_ticket(world: SagaWorld) -> None:
    world.operator.fee_cents = 200
    booking = world.book([sharing_leg(), transit_leg(15)], ticket=TICKET)
    runner = world.saga()
    bike, ticket = world.legs(booking)
    runner.cancel_leg(booking, bike)
    bike, ticket = world.legs(booking)
    assert bike.state == S.CANCELLED and bike.final_cents == 200
    assert ticket.state == S.COMPLETED and ticket.final_cents == TICKET.cents and ticket.ticket_token
    assert booking.state == S.COMPLETED  # not cancelled: the ticket stands
    payment = runner.payment(booking)
    assert payment is not None and payment.state == "captured" and payment.captured_cents == 200 + TICKET.cents


def test_a_cancelled_ride_reprices_the_ticket_the_remaining_rides_need(world: SagaWorld) -> None:
    cheaper = TransitTicket(position=1, cents=180, level="K", label="Kurzstrecke", valid_on=TICKET.valid_on)
    booking = world.book([sharing_leg(), transit_leg(15), sharing_leg(position_minutes=40)], ticket=TICKET)
    runner = world.saga(reprice=lambda booking, remaining: cheaper)
    runner.cancel_leg(booking, world.legs(booking)[0])
    ticket = world.legs(booking)[1]
    assert (ticket.state, ticket.vehicle_type_id, ticket.quote_cents) == (S.CONFIRMED, "K", 180)
    assert ticket.ticket_token == f"ticket-{booking.id}-1-K"  # re-issued
    details = db.session.scalars(select(BookingEvent.detail).where(BookingEvent.booking_id == booking.id)).all()
    assert any("need ticket K (180 cents) instead of 1 (330 cents)" in detail for detail in details)


def test_a_ride_cancelled_so_no_ticket_is_needed_voids_the_ticket(world: SagaWorld) -> None:
    booking = world.book([sharing_leg(), transit_leg(15), sharing_leg(position_minutes=40)], ticket=TICKET)
    runner = world.saga(reprice=lambda booking, remaining: None)
    runner.cancel_leg(booking, world.legs(booking)[0])
    states = [leg.state for leg in world.legs(booking)]
    assert states == [S.CANCELLED, S.CANCELLED, S.CONFIRMED]
    assert "no ticket" in (world.legs(booking)[1].reason or "")


def test_a_spent_budget_leaves_the_booking_pending_for_the_reconciler(world: SagaWorld) -> None:
    ticks = iter([0.0, 0.0, 0.0, 25.0] + [25.0] * 50)  # spent after the reservation
    budget = Deadline.start(20.0, clock=lambda: next(ticks))
    runner = world.saga(deadline=budget)
    booking, _ = runner.book(
        world.user,
        ItineraryRecord.from_json({"region": "t", "legs": [sharing_leg()]}),
        itinerary_id="i",
        idempotency_key="k2",
        payment_method=None,
    )
    assert runner.out_of_budget is not None and runner.failure is None
    assert booking.state == S.PENDING and world.legs(booking)[0].state == S.RESERVED
    handled = world.saga().reconcile(older_than=__import__("datetime").timedelta(0))
    assert handled == [booking.id]
    db.session.refresh(booking)
    assert booking.state == S.CONFIRMED


def test_an_unknown_reserve_outcome_is_resolved_with_the_same_key_and_offer(world: SagaWorld) -> None:
    from datetime import timedelta

    world.operator.down_after = {"reserve"}  # the operator holds the bike, then our call times out
    booking = world.book([sharing_leg()])
    assert booking.state == S.PENDING and booking.failure_reason  # compensation could not find the hold yet
    assert len(world.operator.held()) == 1
    world.operator.down_after = set()
    world.saga().reconcile(older_than=timedelta(0))
    db.session.refresh(booking)
    assert booking.state == S.FAILED
    assert world.operator.held() == []  # the lost hold was found through its key and released
    (step,) = db.session.scalars(select(SagaStep).where(SagaStep.operation == "reserve")).all()
    assert step.idempotency_key == f"booking:{booking.id}:leg:0:reserve:1" and step.state == "done"
    assert list(world.operator.keys) == [step.idempotency_key]


def test_a_new_offer_gets_a_new_key(world: SagaWorld) -> None:
    from datetime import timedelta

    world.operator.down = {"reserve"}  # refused before anything was held: the step stays open (unknown)
    booking = world.book([sharing_leg()])
    world.operator.down = set()
    world.operator.keys.clear()
    world.operator.wrong["reserve"] = lambda quote, leg: (_ for _ in ()).throw(  # the offer expired meanwhile
        __import__("providers.errors", fromlist=["OfferExpired"]).OfferExpired("fake", "offer expired")
    )
    world.saga().reconcile(older_than=timedelta(0))
    db.session.refresh(booking)
    assert booking.state == S.FAILED
    steps = db.session.scalars(select(SagaStep).order_by(SagaStep.id)).all()
    assert [(s.attempt, s.state) for s in steps] == [(1, "failed")]


def test_the_state_machine_in_the_docs_is_the_one_in_states_py() -> None:

    from app.booking.states import BOOKING_TRANSITIONS, LEG_TRANSITIONS, mermaid

    page = (ROOT / "docs" / "bookings.md").read_text(encoding="utf-8")
    documented = page.split("<!-- states:begin -->")[1].split("<!-- states:end -->")[0].strip()
    assert documented == mermaid()
    edges = sum(len(targets) for targets in (*LEG_TRANSITIONS.values(), *BOOKING_TRANSITIONS.values()))
    assert documented.count(" --> ") == edges + 2 + sum(  # plus the two starts and one end per final state
        1 for table in (LEG_TRANSITIONS, BOOKING_TRANSITIONS) for targets in table.values() if not targets
    )


def test_the_offline_gateway_answers_a_repeated_key_with_the_same_hold(world: SagaWorld) -> None:
    gateway = world.app.extensions["mobility.payments"]
    hold = dict(amount_cents=500, currency="EUR", customer_id="cus", payment_method=None, description="d", metadata={})
    first = gateway.authorise(**hold, idempotency_key="booking:x:authorise")
    again = gateway.authorise(**hold, idempotency_key="booking:x:authorise")  # retried after a crash
    assert again.intent_id == first.intent_id
    assert len(db.session.scalars(select(OfflinePayment)).all()) == 1
    captured = gateway.capture(first.intent_id, 400, idempotency_key="booking:x:capture")
    assert gateway.capture(first.intent_id, 400, idempotency_key="booking:x:capture") == captured
    other = gateway.authorise(**hold, idempotency_key="booking:y:authorise")
    gateway.cancel(other.intent_id, idempotency_key="booking:y:release")
    assert gateway.cancel(other.intent_id, idempotency_key="booking:y:release").status.value == "canceled"


def test_the_reconciler_leaves_a_booking_its_own_request_is_still_working_on(world: SagaWorld) -> None:
    from datetime import timedelta

    world.operator.down_after = {"reserve"}
    booking = world.book([sharing_leg()])  # a fresh open reservation step
    world.operator.down_after = set()
    calls = len(world.operator.calls)
    assert world.saga().reconcile(older_than=timedelta(minutes=2)) == []
    assert len(world.operator.calls) == calls  # nobody asked the operator behind the request's back
    assert world.saga().reconcile(older_than=timedelta(0)) == [booking.id]


def test_the_first_ride_started_puts_the_booking_in_use_once_whichever_leg_starts_it(world: SagaWorld) -> None:
    booking = world.book([sharing_leg(), sharing_leg(position_minutes=40)])
    runner = world.saga()
    first, second = world.legs(booking)
    runner.start_leg(booking, second)  # the later ride first: the booking follows whichever starts
    assert booking.state == S.IN_USE
    runner.start_leg(booking, first)
    assert [leg.state for leg in world.legs(booking)] == [S.IN_USE, S.IN_USE]
    moves = db.session.scalars(
        select(BookingEvent).where(BookingEvent.booking_id == booking.id, BookingEvent.to_state == S.IN_USE)
    ).all()
    assert sorted((event.leg_position, event.detail) for event in moves if event.leg_position is not None) == [
        (0, "ride started"),
        (1, "ride started"),
    ]
    assert [event.detail for event in moves if event.leg_position is None] == ["leg 1 started"]


def test_a_repeat_arriving_while_the_original_is_still_booking_waits_and_replays_it(
    world: SagaWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another worker (here a thread with its own session) is reserving when the same request comes again."""
    reserving, proceed = threading.Event(), threading.Event()
    real_reserve = world.operator.reserve

    def slow_reserve(quote: Quote, leg: LegSpec, *, idempotency_key: str) -> BookingStatus:
        reserving.set()
        assert proceed.wait(30)
        return real_reserve(quote, leg, idempotency_key=idempotency_key)

    monkeypatch.setattr(world.operator, "reserve", slow_reserve)
    record = ItineraryRecord.from_json({"region": "t", "legs": [sharing_leg()]})
    request = {"itinerary_id": "i-repeat", "idempotency_key": "k-repeat", "payment_method": None}
    user_id = world.user.id
    originals: list[tuple[str, str, bool]] = []

    def original_request() -> None:
        with world.app.app_context():
            user = db.session.get(User, user_id)
            assert user is not None
            booking, created = world.saga().book(user, record, **request)
            originals.append((booking.id, booking.state, created))
            db.session.remove()

    first = threading.Thread(target=original_request)
    first.start()
    assert reserving.wait(30)  # the original is committed, pending, and asking the operator
    threading.Timer(0.5, proceed.set).start()
    booking, created = world.saga().book(world.user, record, **request)
    first.join(30)
    assert originals and originals[0] == (booking.id, S.CONFIRMED, True)
    assert (booking.state, created) == (S.CONFIRMED, False)  # not the pending state it found
    assert world.operator.calls.count("reserve") == 1
    assert len(db.session.scalars(select(BookingEvent).where(BookingEvent.leg_position.is_(None))).all()) == 2


def test_a_repeat_of_a_request_whose_budget_has_passed_is_answered_as_it_stands_at_once(world: SagaWorld) -> None:
    ticks = iter([0.0, 0.0, 0.0, 25.0] + [25.0] * 50)  # spent after the reservation: left pending (a 202)
    record = ItineraryRecord.from_json({"region": "t", "legs": [sharing_leg()]})
    request = {"itinerary_id": "i-late", "idempotency_key": "k-late", "payment_method": None}
    booking, _ = world.saga(deadline=Deadline.start(20.0, clock=lambda: next(ticks))).book(
        world.user, record, **request
    )
    assert booking.state == S.PENDING
    booking.created_at = booking.created_at - timedelta(seconds=30)  # the original request answered long ago
    db.session.commit()
    started = time.monotonic()
    again, created = world.saga(deadline=Deadline.start(20.0)).book(world.user, record, **request)
    assert (again.id, again.state, created) == (booking.id, S.PENDING, False)
    assert time.monotonic() - started < 2.0  # no waiting for a request that is over
