"""Prices for this traveller in the trip API: the region's fare calculator, the passes held, texts."""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Callable, Collection
from datetime import date

from flask import request

from app.accounts.access import authorize, current_user
from app.accounts.policy import ACCOUNT
from app.errors import FieldProblem, RuleViolation
from app.extensions import orm_session
from app.i18n import text
from app.region_services import FARES, region_service
from app.schemas.plan import FareOut
from app.tickets.service import held_passes
from routing.fares.engine import (
    FareCalculator,
    FareReason,
    HeldPass,
    ItineraryFare,
    Travellers,
    sharing_quotes_cents,
)
from routing.planner.itinerary import Itinerary, Leg
from routing.planner.request import Mode

LEVEL_NAMES = {"kurzstrecke": "Kurzstrecke", "stadt_kassel": "Stadt Kassel", "kasselplus": "KasselPlus"}
WEEKEND_KINDS = {"saturday": "weekend", "sunday": "weekend", "holiday": "holiday", "weekday": "weekday"}


def fare_calculator() -> FareCalculator | None:
    """The loaded region's calculator (None without fares or zones)."""
    return region_service(FARES)


def traveller_passes(calculator: FareCalculator, named: str | None, day: date) -> list[HeldPass]:
    """The signed-in user's bought passes, plus products named in ``passes=`` (as held the whole month).

    Raises
    ------
    RuleViolation
        A named product the region does not sell (``unknown-pass``).
    """
    held: list[HeldPass] = []
    if request.headers.get("Authorization"):
        authorize(ACCOUNT)
        held += held_passes(orm_session(), current_user().id, day)
    for product_id in (named or "").split(","):
        if not product_id:
            continue
        if product_id not in calculator.config.passes:
            known = ", ".join(sorted(calculator.config.passes))
            msg = f"unknown pass {product_id!r}; known: {known}"
            raise RuleViolation(
                "unknown-pass", msg, errors=[FieldProblem(location="query", field="passes", message=msg)]
            )
        held.append(HeldPass(product_id, day.replace(day=1), day.replace(day=monthrange(day.year, day.month)[1])))
    return held


def level_name(level: str) -> str:
    """A tariff level as people read it (``ps3`` -> ``PS 3``)."""
    return LEVEL_NAMES.get(level, level.upper().replace("PS", "PS "))


def reason_text(reason: FareReason, language: str) -> str:
    """The reason in ``language``."""
    params = dict(reason.params)
    if "level" in params:
        params["level"] = level_name(params["level"])
    key = f"fare.{reason.code}"
    if reason.code == "pass_network_window":
        key += "." + WEEKEND_KINDS.get(params.get("day", ""), "weekday")
    return text(key, language, **params)


def priced_total(
    calculator: FareCalculator, held: list[HeldPass], travellers: Travellers
) -> Callable[[Itinerary], float]:
    """What an itinerary costs this traveller: transit fares (passes, companions) plus its sharing quotes."""

    def total(itinerary: Itinerary) -> float:
        return calculator.price(itinerary, held, travellers).total_cents + sharing_quotes_cents(itinerary)

    return total


def traveller_price(
    calculator: FareCalculator | None, held: list[HeldPass], travellers: Travellers, modes: Collection[Mode]
) -> Callable[[Itinerary], float] | None:
    """The complete price of an itinerary for this traveller, or None when it cannot be known.

    With fares: transit fares with the passes held and the companions, plus the sharing
    quotes (the planner quotes sharing legs before it chooses). Without fares, only trips
    that cannot use transit have a known price (their sharing quotes).
    """
    if calculator is not None:
        return priced_total(calculator, held, travellers)
    if Mode.TRANSIT in modes:
        return None
    return lambda itinerary: float(sharing_quotes_cents(itinerary))


def leg_fares(itinerary: Itinerary, fare: ItineraryFare | None, language: str) -> list[FareOut | None]:
    """Per leg: the transit fare for this traveller, or the sharing quote, with the reason."""
    by_leg = {item.leg_index: item for item in (fare.legs if fare else [])}
    result: list[FareOut | None] = []
    for index, leg in enumerate(itinerary.legs):
        item = by_leg.get(index)
        if item is not None and fare is not None:
            result.append(
                FareOut(
                    amount_cents=item.cents,
                    currency=fare.currency,
                    reason_code=item.reason.code,
                    reason=reason_text(item.reason, language),
                    pass_id=item.pass_id,
                    surcharge_cents=item.surcharge_cents if item.surcharge_reason is not None else None,
                    surcharge_reason_code=item.surcharge_reason.code if item.surcharge_reason is not None else None,
                    surcharge_reason=reason_text(item.surcharge_reason, language)
                    if item.surcharge_reason is not None
                    else None,
                )
            )
        else:
            result.append(_sharing_fare(leg, language))
    return result


def _sharing_fare(leg: Leg, language: str) -> FareOut | None:
    if leg.sharing is None or leg.sharing.quote is None:
        return None
    quote = leg.sharing.quote
    code = "sharing_estimate" if quote.estimated else "sharing_quote"
    return FareOut(
        amount_cents=quote.amount_cents,
        currency=quote.currency,
        reason_code=code,
        reason=text(f"fare.{code}", language, provider=leg.sharing.operator or leg.sharing.provider),
    )


def companions_fare(fare: ItineraryFare | None, language: str) -> FareOut | None:
    """What the companions pay, when there are any: tickets and, on flex legs, the surcharge per person.

    As on a leg, ``amount_cents`` includes the surcharge and ``surcharge_cents`` says how much of it that is.
    """
    if fare is None or fare.companions_reason is None:
        return None
    surcharge = fare.companions_surcharge_reason
    return FareOut(
        amount_cents=fare.companions_cents + fare.companions_surcharge_cents,
        currency=fare.currency,
        reason_code=fare.companions_reason.code,
        reason=reason_text(fare.companions_reason, language),
        surcharge_cents=fare.companions_surcharge_cents if surcharge is not None else None,
        surcharge_reason_code=surcharge.code if surcharge is not None else None,
        surcharge_reason=reason_text(surcharge, language) if surcharge is not None else None,
    )
