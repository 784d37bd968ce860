"""German and English texts of the API, chosen by the request's Accept-Language.

German is the default (the platform serves Kassel); ``Accept-Language: en`` gives English.
Every message exists in both languages; :data:`MESSAGES` is checked for that by the tests.
"""

from __future__ import annotations

from flask import request

LANGUAGES = ("de", "en")
DEFAULT_LANGUAGE = "de"

MESSAGES: dict[str, dict[str, str]] = {
    "place.origin": {"de": "Start", "en": "Start"},
    "place.destination": {"de": "Ziel", "en": "Destination"},
    "place.parking": {"de": "Abstellort", "en": "Parking spot"},
    "place.bike_parking": {"de": "Fahrradabstellanlage", "en": "Bicycle parking"},
    "leg.walk": {"de": "Zu Fuß zu {place}", "en": "Walk to {place}"},
    "leg.bike": {"de": "Mit dem Fahrrad zu {place}", "en": "Cycle to {place}"},
    "leg.transit": {"de": "{line} Richtung {headsign} bis {place}", "en": "{line} towards {headsign} to {place}"},
    "leg.bikeshare": {"de": "Mit dem Leihrad zu {place}", "en": "Ride a shared bike to {place}"},
    "leg.carsharing": {"de": "Mit dem Carsharing-Auto zu {place}", "en": "Drive a shared car to {place}"},
    "leg.bikeshare_round_trip": {
        "de": "Mit dem Leihrad zu {place} (Rückgabe an der Station {station})",
        "en": "Ride a shared bike to {place} (return it to station {station})",
    },
    "leg.carsharing_round_trip": {
        "de": "Mit dem Carsharing-Auto zu {place} (Rückgabe an der Station {station})",
        "en": "Drive a shared car to {place} (return it to station {station})",
    },
    "summary": {"de": "{minutes} Min., {transfers}: {modes}", "en": "{minutes} min, {transfers}: {modes}"},
    "transfers.0": {"de": "ohne Umstieg", "en": "no transfer"},
    "transfers.1": {"de": "1 Umstieg", "en": "1 transfer"},
    "transfers.n": {"de": "{n} Umstiege", "en": "{n} transfers"},
    "mode.walk": {"de": "zu Fuß", "en": "walk"},
    "mode.bike": {"de": "Fahrrad", "en": "bike"},
    "mode.bikeshare": {"de": "Leihrad", "en": "shared bike"},
    "mode.carsharing": {"de": "Carsharing", "en": "car sharing"},
    "route_type.0": {"de": "Tram", "en": "Tram"},
    "route_type.1": {"de": "U-Bahn", "en": "Subway"},
    "route_type.2": {"de": "Zug", "en": "Train"},
    "route_type.3": {"de": "Bus", "en": "Bus"},
    "route_type.other": {"de": "Linie", "en": "Line"},
    "warning.bike_and_ride_unavailable": {
        "de": "Bike+Ride (eigenes Rad bis zur Haltestelle) ist nicht möglich: "
        "die Region kennt keine Fahrradabstellanlagen.",
        "en": "Bike and ride (own bike to a stop) is not possible: the region knows no bicycle parking.",
    },
    "warning.bikeshare_unavailable": {
        "de": "Leihräder konnten nicht berücksichtigt werden: kein Anbieter erreichbar.",
        "en": "Shared bikes could not be considered: no provider is available.",
    },
    "warning.carsharing_unavailable": {
        "de": "Carsharing konnte nicht berücksichtigt werden: kein Anbieter erreichbar.",
        "en": "Car sharing could not be considered: no provider is available.",
    },
    "warning.bikeshare_not_step_free": {
        "de": "Leihräder wurden nicht berücksichtigt, weil eine stufenlose Route gewünscht ist.",
        "en": "Shared bikes were not considered because a step-free route was asked for.",
    },
    "warning.provider_unavailable": {
        "de": "Der Anbieter {provider} antwortet gerade nicht; seine Fahrzeuge fehlen in diesen Verbindungen.",
        "en": "The provider {provider} is not answering; its vehicles are missing from these itineraries.",
    },
    "fare.pass_in_area": {"de": "Mit deinem {pass} abgedeckt ({area})", "en": "Covered by your {pass} ({area})"},
    "fare.pass_everywhere": {"de": "Mit deinem {pass} abgedeckt", "en": "Covered by your {pass}"},
    "fare.pass_network_window.weekday": {
        "de": "Ab {from} Uhr gilt dein {pass} im ganzen Gebiet {area}",
        "en": "After {from}: your {pass} is valid in the whole {area} area",
    },
    "fare.pass_network_window.weekend": {
        "de": "Am Wochenende gilt dein {pass} ganztägig im ganzen Gebiet {area}",
        "en": "At the weekend your {pass} is valid all day in the whole {area} area",
    },
    "fare.pass_network_window.holiday": {
        "de": "An Feiertagen gilt dein {pass} ganztägig im ganzen Gebiet {area}",
        "en": "On public holidays your {pass} is valid all day in the whole {area} area",
    },
    "fare.outside_area_before_window": {
        "de": "Außerhalb von {area} vor {from} Uhr: Einzelfahrschein {level} nötig",
        "en": "Outside {area} before {from}: single ticket {level} needed",
    },
    "fare.outside_area": {
        "de": "Außerhalb von {area}: Einzelfahrschein {level} nötig",
        "en": "Outside {area}: single ticket {level} needed",
    },
    "fare.pass_not_valid_then": {
        "de": "Dein {pass} gilt nur bis {until}: Einzelfahrschein {level} nötig",
        "en": "Your {pass} is valid until {until} only: single ticket {level} needed",
    },
    "fare.single_ticket": {"de": "Einzelfahrschein {level}", "en": "Single ticket {level}"},
    "fare.ticket_included": {
        "de": "Im Einzelfahrschein {level} enthalten",
        "en": "Included in the single ticket {level}",
    },
    "fare.companions_free": {
        "de": "Mitfahrende fahren mit deinem {pass} kostenlos mit",
        "en": "Your companions ride free with your {pass}",
    },
    "fare.companions_tickets": {
        "de": "Mitfahrende: {adults} Erwachsene und {children} Kinder brauchen Fahrscheine {level}",
        "en": "Companions: {adults} adults and {children} children need tickets {level}",
    },
    "fare.sharing_quote": {"de": "Preis laut {provider}", "en": "Price quoted by {provider}"},
    "fare.sharing_estimate": {
        "de": "Voraussichtlicher Preis laut {provider} (abhängig von der Fahrtdauer)",
        "en": "Estimated price from {provider} (depends on the ride's duration)",
    },
    "warning.fares_unavailable": {
        "de": "Für diese Region sind keine Tarife hinterlegt; Fahrpreise fehlen.",
        "en": "This region has no fares configured; transit prices are missing.",
    },
    "warning.long_wait": {
        "de": "Zu dieser Zeit fährt nichts Passendes: jede Verbindung hat eine lange Wartezeit.",
        "en": "Nothing suitable runs at this time: every connection involves a long wait.",
    },
    "warning.no_itinerary": {
        "de": "Mit den gewählten Verkehrsmitteln gibt es zu dieser Zeit keine Verbindung.",
        "en": "No connection with the chosen modes at this time.",
    },
}


def negotiate() -> str:
    """The language of this request's texts."""
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE) or DEFAULT_LANGUAGE


def text(key: str, language: str, **values: object) -> str:
    """The message ``key`` in ``language``, filled with ``values``."""
    return MESSAGES[key][language].format(**values)
