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
        "de": "Bike+Ride (eigenes Rad bis zur Haltestelle) ist nicht möglich: die Region kennt keine Fahrradabstellanlagen.",
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
