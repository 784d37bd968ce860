"""Which registered operator books a planned on-demand (flex) ride online.

An on-demand adapter (``providers.ondemand``) says which flex routes it dispatches
(``serves(route_id)``); a flex leg of such a route gets that provider, so the booking
saga books it with the dispatcher. Other flex legs keep the feed's instructions (phone,
message, URL) and are booked by the rider.
"""

from __future__ import annotations

from dataclasses import replace

from providers.model import Capability
from providers.registry import ProviderRegistry
from routing.planner.itinerary import Itinerary


def flex_provider(registry: ProviderRegistry, route_id: str) -> str | None:
    """The provider instance that dispatches ``route_id`` (None: no operator here books it)."""
    for name, provider in sorted(registry.providers.items()):
        serves = getattr(provider, "serves", None)
        if Capability.BOOKING in provider.capabilities and callable(serves) and serves(route_id):
            return name
    return None


def with_flex_providers(itinerary: Itinerary, registry: ProviderRegistry) -> Itinerary:
    """``itinerary`` with each flex leg naming the provider that books it, when one does."""
    if all(leg.flex is None for leg in itinerary.legs):
        return itinerary
    legs = [
        leg
        if leg.flex is None
        else replace(leg, flex=replace(leg.flex, provider=flex_provider(registry, leg.flex.route_id)))
        for leg in itinerary.legs
    ]
    return replace(itinerary, legs=legs)
