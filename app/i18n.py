"""German and English texts of the API, chosen by the request's Accept-Language or the account's locale.

``Accept-Language`` decides when the request sends it; otherwise a signed-in user's
``locale`` does (every response to that user, whether or not the operation needs the
sign-in); otherwise German, the default (the platform serves Kassel). Every message exists
in both languages; :data:`MESSAGES` is checked for that by the tests. Validation messages
(:func:`field_message`) and the rate limit's 429 (:func:`init_app`) follow the same choice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import TooManyRequests

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
    "leg.flex": {"de": "Mit dem Rufbus/AST {line} zu {place}", "en": "On-demand ride {line} to {place}"},
    "flex.book_online": {
        "de": "Online buchen bis {deadline}: {url}",
        "en": "Book online by {deadline}: {url}",
    },
    "flex.book_phone": {
        "de": "Nur telefonisch buchbar bis {deadline}: {phone}",
        "en": "Book by phone only, by {deadline}: {phone}",
    },
    "flex.book_message": {
        "de": "Buchung beim Betreiber bis {deadline}: {message}",
        "en": "Book with the operator by {deadline}: {message}",
    },
    "flex.until_pickup": {"de": "kurz vor der Abholung", "en": "shortly before pickup"},
    "flex.pickup_window": {
        "de": "Abholung zwischen {start} und {end} Uhr",
        "en": "Pickup between {start} and {end}",
    },
    "place.flex_zone": {"de": "Rand der Zone {zone}", "en": "Edge of zone {zone}"},
    "summary": {"de": "{minutes} Min., {transfers}: {modes}", "en": "{minutes} min, {transfers}: {modes}"},
    "transfers.0": {"de": "ohne Umstieg", "en": "no transfer"},
    "transfers.1": {"de": "1 Umstieg", "en": "1 transfer"},
    "transfers.n": {"de": "{n} Umstiege", "en": "{n} transfers"},
    "mode.walk": {"de": "zu Fuß", "en": "walk"},
    "mode.bike": {"de": "Fahrrad", "en": "bike"},
    "mode.bikeshare": {"de": "Leihrad", "en": "shared bike"},
    "mode.carsharing": {"de": "Carsharing", "en": "car sharing"},
    "mode.flex": {"de": "Rufbus/AST", "en": "on-demand ride"},
    "route_type.0": {"de": "Tram", "en": "Tram"},
    "route_type.1": {"de": "U-Bahn", "en": "Subway"},
    "route_type.2": {"de": "Zug", "en": "Train"},
    "route_type.3": {"de": "Bus", "en": "Bus"},
    "route_type.other": {"de": "Linie", "en": "Line"},
    "warning.bike_and_ride_unavailable": {
        "de": (
            "Bike+Ride (eigenes Rad bis zur Haltestelle) ist nicht möglich: "
            "die Region kennt keine Fahrradabstellanlagen."
        ),
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
    "warning.flex_unavailable": {
        "de": (
            "Rufbusse und AST konnten nicht berücksichtigt werden: "
            "die Region hat keine Flex-Fahrten oder kein Straßennetz für Autos."
        ),
        "en": "On-demand rides could not be considered: the region has no flex trips or no street network for cars.",
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
    "fare.on_demand_surcharge": {
        "de": "{name}: {amount} € zusätzlich zum Fahrschein",
        "en": "{name}: EUR {amount} on top of the ticket",
    },
    "fare.on_demand_surcharge_not_covered": {
        "de": "{name} ({amount} €) ist nicht in deinem {pass} enthalten",
        "en": "{name} (EUR {amount}) is not included in your {pass}",
    },
    "fare.on_demand_surcharge_covered": {
        "de": "{name} ist in deinem {pass} enthalten",
        "en": "{name} is included in your {pass}",
    },
    "fare.companions_on_demand_surcharge": {
        "de": "{name} pro Person: {persons} Mitfahrende auf {rides} Fahrt(en) auf Abruf, zusammen {amount} €",
        "en": "{name} is per person: {persons} companions pay it on {rides} on-demand ride(s), EUR {amount} in all",
    },
    "fare.companions_on_demand_surcharge_covered": {
        "de": "{name} für die Mitfahrenden ist in deinem Ticket enthalten",
        "en": "{name} for your companions is included in your ticket",
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

# -- edges: deadlines, rate limits, receipts (kept together to ease merging) --------------------
MESSAGES |= {
    "warning.provider_stale": {
        "de": "Die Daten von {provider} sind nicht ganz aktuell (der Anbieter antwortet langsam oder gar nicht).",
        "en": "The data from {provider} is not quite current (the provider is slow or not answering right now).",
    },
}


def negotiate() -> str:
    """The language of this request's texts: Accept-Language, else the signed-in account's locale, else German."""
    if request.headers.get("Accept-Language"):
        return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE) or DEFAULT_LANGUAGE
    locale = _account_locale()
    return locale if locale in LANGUAGES else DEFAULT_LANGUAGE


def _account_locale() -> str | None:
    """The locale of the account whose valid bearer token the request carries (None: no or a bad token)."""
    user = g.get("user")
    if user is None:
        if "i18n_token_user" not in g:
            g.i18n_token_user = _token_user()
        user = g.i18n_token_user
    locale = getattr(user, "locale", None)
    return locale if isinstance(locale, str) else None


def _token_user() -> Any:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or "sqlalchemy" not in current_app.extensions:
        return None
    from app.accounts.access import token_policy
    from app.accounts.tokens import TokenError, authenticate
    from app.extensions import db

    try:
        user, _session = authenticate(db.session(), token_policy(), token.strip())
    except TokenError:
        return None
    return user


def text(key: str, language: str, **values: object) -> str:
    """The message ``key`` in ``language``, filled with ``values``."""
    return MESSAGES[key][language].format(**values)


@dataclass(frozen=True)
class Bilingual:
    """One text in German and English, for texts stored or signed before anyone reads them (tickets)."""

    de: str
    en: str

    def in_(self, language: str) -> str:
        """The text in ``language`` (German for a language we do not have)."""
        return self.en if language == "en" else self.de

    @classmethod
    def same(cls, both: str) -> Bilingual:
        """A text that reads the same in both languages (a name, or a text written before tickets were bilingual)."""
        return cls(de=both, en=both)


NO_TEXT = Bilingual(de="", en="")
"""No text in either language."""


def texts(key: str, **values: object) -> Bilingual:
    """The message ``key`` in both languages, filled with ``values``."""
    return Bilingual(de=text(key, "de", **values), en=text(key, "en", **values))


class FieldValueError(ValueError):
    """A custom validator's refusal worded in German and English (message ``key`` of :data:`MESSAGES`).

    Raised inside a pydantic validator it becomes a ``value_error`` whose context keeps this
    exception, so :func:`field_message` answers in the request's language; ``str()`` is English.
    """

    def __init__(self, key: str, **values: object) -> None:
        self.key = key
        self.texts = texts(key, **values)
        super().__init__(self.texts.en)


# -- edges: validation messages and the rate limit --------------------------------------------

FIELD_MESSAGES: dict[str, dict[str, str]] = {
    "missing": {"de": "Angabe fehlt", "en": "Field required"},
    "extra_forbidden": {"de": "unbekanntes Feld", "en": "Unknown field"},
    "greater_than": {"de": "muss größer als {gt} sein", "en": "must be greater than {gt}"},
    "greater_than_equal": {"de": "muss mindestens {ge} sein", "en": "must be at least {ge}"},
    "less_than": {"de": "muss kleiner als {lt} sein", "en": "must be less than {lt}"},
    "less_than_equal": {"de": "darf höchstens {le} sein", "en": "must be at most {le}"},
    "string_too_short": {
        "de": "muss mindestens {min_length} Zeichen lang sein",
        "en": "must be at least {min_length} characters long",
    },
    "string_too_long": {
        "de": "darf höchstens {max_length} Zeichen lang sein",
        "en": "must be at most {max_length} characters long",
    },
    "string_pattern_mismatch": {"de": "hat nicht das erwartete Format", "en": "does not have the expected format"},
    "string_type": {"de": "muss ein Text sein", "en": "must be a string"},
    "int_parsing": {"de": "muss eine ganze Zahl sein", "en": "must be a whole number"},
    "int_type": {"de": "muss eine ganze Zahl sein", "en": "must be a whole number"},
    "int_from_float": {"de": "muss eine ganze Zahl sein", "en": "must be a whole number"},
    "int_parsing_size": {"de": "ist als ganze Zahl zu groß", "en": "is too large for a whole number"},
    "finite_number": {"de": "muss eine endliche Zahl sein", "en": "must be a finite number"},
    "multiple_of": {"de": "muss ein Vielfaches von {multiple_of} sein", "en": "must be a multiple of {multiple_of}"},
    "float_parsing": {"de": "muss eine Zahl sein", "en": "must be a number"},
    "float_type": {"de": "muss eine Zahl sein", "en": "must be a number"},
    "bool_parsing": {"de": "muss true oder false sein", "en": "must be true or false"},
    "bool_type": {"de": "muss true oder false sein", "en": "must be true or false"},
    "datetime_parsing": {
        "de": "muss ein Zeitpunkt nach ISO 8601 sein (z. B. 2026-12-02T08:00:00+01:00)",
        "en": "must be an ISO 8601 date-time (e.g. 2026-12-02T08:00:00+01:00)",
    },
    "datetime_from_date_parsing": {
        "de": "muss ein Zeitpunkt nach ISO 8601 sein (z. B. 2026-12-02T08:00:00+01:00)",
        "en": "must be an ISO 8601 date-time (e.g. 2026-12-02T08:00:00+01:00)",
    },
    "date_parsing": {"de": "muss ein Datum JJJJ-MM-TT sein", "en": "must be a date YYYY-MM-DD"},
    "date_from_datetime_parsing": {"de": "muss ein Datum JJJJ-MM-TT sein", "en": "must be a date YYYY-MM-DD"},
    "date_from_datetime_inexact": {
        "de": "muss ein Datum JJJJ-MM-TT ohne Uhrzeit sein",
        "en": "must be a date YYYY-MM-DD without a time",
    },
    "date_type": {"de": "muss ein Datum JJJJ-MM-TT sein", "en": "must be a date YYYY-MM-DD"},
    "datetime_type": {
        "de": "muss ein Zeitpunkt nach ISO 8601 sein (z. B. 2026-12-02T08:00:00+01:00)",
        "en": "must be an ISO 8601 date-time (e.g. 2026-12-02T08:00:00+01:00)",
    },
    "timezone_aware": {
        "de": "braucht eine Zeitzone oder einen UTC-Versatz (z. B. +01:00)",
        "en": "needs a time zone or UTC offset (e.g. +01:00)",
    },
    "enum": {"de": "muss einer dieser Werte sein: {expected}", "en": "must be one of: {expected}"},
    "literal_error": {"de": "muss einer dieser Werte sein: {expected}", "en": "must be one of: {expected}"},
    "json_invalid": {"de": "ist kein gültiges JSON", "en": "is not valid JSON"},
    "model_type": {"de": "muss ein JSON-Objekt sein", "en": "must be a JSON object"},
    "list_type": {"de": "muss eine Liste sein", "en": "must be a list"},
    "dict_type": {"de": "muss ein JSON-Objekt sein", "en": "must be a JSON object"},
    "too_short": {
        "de": "braucht mindestens {min_length} Einträge",
        "en": "needs at least {min_length} items",
    },
    "too_long": {"de": "darf höchstens {max_length} Einträge haben", "en": "must have at most {max_length} items"},
    "uuid_parsing": {"de": "muss eine UUID sein", "en": "must be a UUID"},
    "uuid_type": {"de": "muss eine UUID sein", "en": "must be a UUID"},
    "url_parsing": {"de": "muss eine URL sein", "en": "must be a URL"},
    "value_error": {"de": "ungültiger Wert: {detail}", "en": "{detail}"},
}
"""Field messages by pydantic error type; custom validators raise :class:`FieldValueError` (worded in both).

Other types keep pydantic's English text in English and name the error type in German
(``tests/app/test_languages.py`` checks that no operation's model reaches that fallback).
"""

LEADS: dict[str, dict[str, str]] = {
    "invalid query parameter(s)": {"de": "ungültige Parameter", "en": "invalid query parameter(s)"},
    "invalid field(s) in the body": {"de": "ungültige Felder im Inhalt", "en": "invalid field(s) in the body"},
}

MESSAGES |= {
    "field.coordinate_type": {"de": "erwartet BREITE,LÄNGE", "en": "expected LAT,LON"},
    "field.latitude_range": {
        "de": "Breite {value} liegt außerhalb von -90..90",
        "en": "latitude {value} is outside -90..90",
    },
    "field.longitude_range": {
        "de": "Länge {value} liegt außerhalb von -180..180",
        "en": "longitude {value} is outside -180..180",
    },
    "field.coordinate": {
        "de": "erwartet BREITE,LÄNGE in Dezimalgrad (z. B. 51.3155,9.4915), erhalten: {value}",
        "en": "expected LAT,LON in decimal degrees (e.g. 51.3155,9.4915), got {value}",
    },
    "field.time": {
        "de": "erwartet Datum und Uhrzeit nach ISO 8601 (z. B. 2026-12-02T08:30), erhalten: {value}",
        "en": "expected an ISO 8601 date and time (e.g. 2026-12-02T08:30), got {value}",
    },
    "field.modes_type": {
        "de": "erwartet eine durch Kommas getrennte Liste von Verkehrsmitteln ({known})",
        "en": "expected a comma-separated list of modes ({known})",
    },
    "field.modes_unknown": {
        "de": "unbekannte Verkehrsmittel {unknown}; bekannt sind: {known}",
        "en": "unknown mode(s) {unknown}; known: {known}",
    },
    "field.modes_empty": {
        "de": "mindestens ein Verkehrsmittel angeben ({known})",
        "en": "name at least one mode ({known})",
    },
    "field.sharing_modes_only": {
        "de": "nur Sharing-Verkehrsmittel (bikeshare, carsharing) haben Fahrzeuge; nicht {other}",
        "en": "only sharing modes (bikeshare, carsharing) have vehicles; not {other}",
    },
    "field.email": {
        "de": "keine gültige E-Mail-Adresse (erwartet z. B. name@example.org)",
        "en": "not a valid e-mail address: {reason}",
    },
    "geocode.kind.address": {"de": "Adresse", "en": "Address"},
    "geocode.kind.street": {"de": "Straße", "en": "Street"},
    "geocode.kind.place": {"de": "Ort", "en": "Place"},
    "geocode.kind.poi": {"de": "Ort von Interesse", "en": "Point of interest"},
    "geocode.kind.stop": {"de": "Haltestelle", "en": "Stop"},
    "step.depart": {"de": "Richtung {direction} auf {street}", "en": "Head {direction} on {street}"},
    "step.turn": {"de": "{modifier} abbiegen auf {street}", "en": "Turn {modifier} onto {street}"},
    "step.uturn": {"de": "Wenden auf {street}", "en": "Make a U-turn onto {street}"},
    "step.continue": {"de": "Geradeaus weiter auf {street}", "en": "Continue straight onto {street}"},
    "step.arrive": {"de": "Angekommen", "en": "You have arrived"},
    "step.unnamed": {"de": "den Weg", "en": "the path"},
    "step.notice.steps": {"de": "Treppe benutzen", "en": "use the steps"},
    "step.notice.push": {"de": "Fahrrad schieben", "en": "push your bike"},
    "step.modifier.slight left": {"de": "Leicht links", "en": "slightly left"},
    "step.modifier.left": {"de": "Links", "en": "left"},
    "step.modifier.sharp left": {"de": "Scharf links", "en": "sharp left"},
    "step.modifier.slight right": {"de": "Leicht rechts", "en": "slightly right"},
    "step.modifier.right": {"de": "Rechts", "en": "right"},
    "step.modifier.sharp right": {"de": "Scharf rechts", "en": "sharp right"},
    "step.direction.0": {"de": "Norden", "en": "north"},
    "step.direction.1": {"de": "Nordosten", "en": "northeast"},
    "step.direction.2": {"de": "Osten", "en": "east"},
    "step.direction.3": {"de": "Südosten", "en": "southeast"},
    "step.direction.4": {"de": "Süden", "en": "south"},
    "step.direction.5": {"de": "Südwesten", "en": "southwest"},
    "step.direction.6": {"de": "Westen", "en": "west"},
    "step.direction.7": {"de": "Nordwesten", "en": "northwest"},
    "place_ref.unknown": {
        "de": "{id} ist in dieser Region unbekannt; nimm eine id aus GET /geocode",
        "en": "{id} is not known in this region; use an id from GET /geocode",
    },
    "range.time_unrepresentable": {
        "de": "{time} lässt sich in der Zeitzone {zone} nicht darstellen",
        "en": "{time} cannot be represented in {zone}",
    },
    "range.time_outside_timetable": {
        "de": "{time} liegt mehr als ein Jahr außerhalb des Fahrplans ({window})",
        "en": "{time} is more than a year outside the timetable ({window})",
    },
}

MESSAGES |= {
    "error.too_many_requests.title": {"de": "Zu viele Anfragen", "en": "Too many requests"},
    "error.too_many_requests": {
        "de": "Zu viele Versuche in kurzer Zeit (erlaubt: {limit}). Bitte warte einen Moment und versuche es erneut.",
        "en": "Too many attempts in a short time (allowed: {limit}). Please wait a moment and try again.",
    },
}


def field_message(error: dict[str, Any], language: str | None = None) -> str:
    """One pydantic validation error (an item of ``ValidationError.errors()``) in the request's language."""
    language = language or negotiate()
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, FieldValueError):
        return cause.texts.in_(language)
    english = str(error.get("msg", "")).removeprefix("Value error, ")
    templates = FIELD_MESSAGES.get(str(error.get("type", "")))
    if templates is None:
        return english if language == "en" else f"ungültiger Wert (Fehlerart {error.get('type', '?')})"
    values = dict(error.get("ctx") or {})
    values["detail"] = english
    try:
        return templates[language].format(**values)
    except (KeyError, IndexError):
        return english


def lead_text(lead: str, language: str | None = None) -> str:
    """The opening of a validation problem's ``detail`` in the request's language."""
    return LEADS.get(lead, {}).get(language or negotiate(), lead)


def init_app(app: Flask) -> None:
    """Answer the rate limit (flask-limiter's 429) in the caller's language, as problem+json."""
    from app.errors import problem_response

    @app.errorhandler(TooManyRequests)
    def _too_many(error: TooManyRequests) -> Response:
        language = negotiate()
        limit = str(getattr(getattr(error, "limit", None), "limit", "") or error.description or "")
        return problem_response(
            status=429,
            slug="too-many-requests",
            title=text("error.too_many_requests.title", language),
            detail=text("error.too_many_requests", language, limit=limit),
            extra={"language": language},
        )


# -- sharing: GBFS system alerts (app/sharing_alerts.py) -------------------------------------------
MESSAGES |= {
    "warning.system_alert": {
        "de": "Hinweis von {operator}: {summary}",
        "en": "Notice from {operator}: {summary}",
    },
}


# -- tickets: the ticket view, its QR image and the inspector (app/tickets/view.py, app/cli/tickets.py) ------
MESSAGES |= {
    "ticket.valid_on": {"de": "gültig am {day}", "en": "valid on {day}"},
    "ticket.valid_from_to": {"de": "gültig vom {start} bis {end}", "en": "valid {start} to {end}"},
    "ticket.holder": {"de": "Inhaber/in: {name}", "en": "Holder: {name}"},
    "ticket.area": {"de": "Geltungsbereich: {area}", "en": "Area: {area}"},
    "ticket.companions": {"de": "Mitfahrende: {companions}", "en": "Companions: {companions}"},
    "ticket.number": {"de": "Fahrschein {id}", "en": "Ticket {id}"},
    "ticket.area.germany": {"de": "gesamter Nahverkehr in Deutschland", "en": "all local public transport in Germany"},
    "ticket.area.tariff_level": {"de": "Tarifstufe {level}", "en": "tariff level {level}"},
    "ticket.window": {"de": "{days} ab {from} Uhr", "en": "{days} from {from}"},
    "ticket.day.weekday": {"de": "Mo-Fr", "en": "Mon-Fri"},
    "ticket.day.saturday": {"de": "Sa", "en": "Sat"},
    "ticket.day.sunday": {"de": "So", "en": "Sun"},
    "ticket.day.holiday": {"de": "Feiertage", "en": "public holidays"},
    "ticket.companions.none": {
        "de": "keine (gilt nur für die Inhaberin oder den Inhaber)",
        "en": "none (valid for the holder only)",
    },
    "ticket.companions.adult": {"de": "1 erwachsene Person", "en": "1 adult"},
    "ticket.companions.adults": {"de": "{n} erwachsene Personen", "en": "{n} adults"},
    "ticket.companions.children": {"de": "Kinder unter {age} Jahren", "en": "children under {age}"},
    "ticket.companions.and": {"de": "{first} und {second}", "en": "{first} and {second}"},
    "ticket.companions.free": {"de": "{who} fahren kostenlos mit", "en": "{who} ride free"},
    "ticket.companions.free_extended": {
        "de": "{who} fahren kostenlos mit, solange die erweiterte Gültigkeit gilt",
        "en": "{who} ride free while the extended validity applies",
    },
    "ticket.unreadable": {"de": "UNLESBAR: {reason}", "en": "UNREADABLE: {reason}"},
    "ticket.signature_unchecked": {
        "de": "Signatur: nicht geprüft (--public-key angeben oder 'mobility ticket verify' nutzen)",
        "en": "Signature: not checked (give --public-key, or use 'mobility ticket verify')",
    },
    "ticket.invalid.forged": {
        "de": "gefälscht oder verändert: die Signatur passt nicht",
        "en": "forged or altered: the signature does not match",
    },
    "ticket.invalid.revoked": {"de": "gesperrt (storniert oder erstattet)", "en": "revoked (cancelled or refunded)"},
    "ticket.invalid.not_on_day": {
        "de": "am {day} nicht gültig (gültig vom {start} bis {end})",
        "en": "not valid on {day} (valid {start} to {end})",
    },
    "ticket.invalid.foreign": {"de": "kein Fahrschein dieses Systems", "en": "not a ticket of this system"},
    "ticket.invalid.damaged": {"de": "der Fahrschein ist beschädigt", "en": "the ticket is damaged"},
    "ticket.invalid.unreadable": {
        "de": "der Inhalt des Fahrscheins ist unlesbar",
        "en": "the ticket's content is unreadable",
    },
    "ticket.signature_genuine": {"de": "Signatur: echt", "en": "Signature: genuine"},
    "ticket.signature_invalid": {"de": "Signatur: UNGÜLTIG ({reason})", "en": "Signature: INVALID ({reason})"},
}


# -- accounts: e-mail verification, password reset, saved places (app/accounts/, app/api/auth.py) ----
MESSAGES |= {
    "mail.verify_email.subject": {
        "de": "Bitte bestätige deine E-Mail-Adresse",
        "en": "Please confirm your e-mail address",
    },
    "mail.verify_email.body": {
        "de": (
            "Hallo {name},\n\n"
            "bitte bestätige, dass {email} deine E-Mail-Adresse ist, indem du diesen Link öffnest:\n\n"
            "{link}\n\n"
            "Der Link gilt {hours} Stunden und nur einmal. Erst danach kannst du Fahrten buchen und "
            "Monatskarten kaufen.\n\n"
            "Wenn du kein Konto angelegt hast, ignoriere diese Nachricht einfach.\n\n"
            "Kassel Mobil"
        ),
        "en": (
            "Hello {name},\n\n"
            "please confirm that {email} is your e-mail address by opening this link:\n\n"
            "{link}\n\n"
            "The link works for {hours} hours and only once. Once confirmed, you can book trips and buy "
            "monthly passes.\n\n"
            "If you did not create an account, simply ignore this message.\n\n"
            "Kassel Mobil"
        ),
    },
    "mail.password_reset.subject": {
        "de": "Dein Passwort zurücksetzen",
        "en": "Reset your password",
    },
    "mail.password_reset.body": {
        "de": (
            "Hallo {name},\n\n"
            "jemand (hoffentlich du) möchte das Passwort des Kontos {email} zurücksetzen. "
            "Öffne diesen Link, um ein neues Passwort zu wählen:\n\n"
            "{link}\n\n"
            "Der Link gilt {minutes} Minuten und nur einmal. Danach bist du auf allen Geräten abgemeldet.\n\n"
            "Wenn du das nicht warst, ignoriere diese Nachricht: dein Passwort bleibt, wie es ist.\n\n"
            "Kassel Mobil"
        ),
        "en": (
            "Hello {name},\n\n"
            "someone (hopefully you) asked to reset the password of the account {email}. "
            "Open this link to choose a new password:\n\n"
            "{link}\n\n"
            "The link works for {minutes} minutes and only once. Afterwards you are signed out on every device.\n\n"
            "If this was not you, ignore this message: your password stays as it is.\n\n"
            "Kassel Mobil"
        ),
    },
    "notice.verification_sent": {
        "de": (
            "Wenn zu dieser Adresse ein noch nicht bestätigtes Konto gehört, ist eine E-Mail mit einem "
            "Bestätigungslink unterwegs."
        ),
        "en": "If an unconfirmed account belongs to this address, an e-mail with a confirmation link is on its way.",
    },
    "notice.registration_sent": {
        "de": (
            "Danke! Wir haben eine E-Mail an diese Adresse geschickt: Bestätige darin dein neues Konto "
            "(oder, falls es schon eines gibt, melde dich an oder setze dein Passwort zurück)."
        ),
        "en": (
            "Thank you! We sent an e-mail to this address: confirm your new account with it "
            "(or, if the address already has one, sign in or reset your password)."
        ),
    },
    "mail.account_exists.subject": {
        "de": "Du hast schon ein Konto bei Kassel Mobil",
        "en": "You already have a Kassel Mobil account",
    },
    "mail.account_exists.body": {
        "de": (
            "Hallo {name},\n\n"
            "jemand (hoffentlich du) wollte mit {email} ein neues Konto anlegen. Zu dieser Adresse "
            "gibt es schon ein Konto; es bleibt, wie es ist.\n\n"
            "Melde dich einfach an. Wenn du dein Passwort vergessen hast, fordere in der App einen Link "
            "zum Zurücksetzen an ({link}).\n\n"
            "Wenn du das nicht warst, ignoriere diese Nachricht.\n\n"
            "Kassel Mobil"
        ),
        "en": (
            "Hello {name},\n\n"
            "someone (hopefully you) tried to create a new account with {email}. This address already "
            "has an account; it stays as it is.\n\n"
            "Just sign in. If you forgot your password, ask for a reset link in the app ({link}).\n\n"
            "If this was not you, ignore this message.\n\n"
            "Kassel Mobil"
        ),
    },
    "notice.reset_sent": {
        "de": "Wenn zu dieser Adresse ein Konto gehört, ist eine E-Mail mit einem Link zum Zurücksetzen unterwegs.",
        "en": "If an account belongs to this address, an e-mail with a reset link is on its way.",
    },
    "notice.email_verified": {
        "de": "Danke! Deine E-Mail-Adresse {email} ist bestätigt.",
        "en": "Thank you! Your e-mail address {email} is confirmed.",
    },
    "notice.password_changed": {
        "de": "Dein Passwort ist geändert. Du bist überall abgemeldet; melde dich mit dem neuen Passwort an.",
        "en": "Your password is changed. You are signed out everywhere; sign in with the new password.",
    },
    "error.email_token.invalid": {
        "de": "Dieser Link ist ungültig. Fordere einen neuen an.",
        "en": "This link is not valid. Ask for a new one.",
    },
    "error.email_token.expired": {
        "de": "Dieser Link ist abgelaufen. Fordere einen neuen an.",
        "en": "This link has expired. Ask for a new one.",
    },
    "error.email_token.used": {
        "de": "Dieser Link wurde schon benutzt oder durch einen neueren ersetzt.",
        "en": "This link was already used or replaced by a newer one.",
    },
    "error.email_not_verified": {
        "de": (
            "Bestätige zuerst deine E-Mail-Adresse (Link in der E-Mail nach der Registrierung; "
            "neuen Link: POST /api/v1/auth/verify-email/request)."
        ),
        "en": (
            "Confirm your e-mail address first (link in the e-mail sent after registration; "
            "a new link: POST /api/v1/auth/verify-email/request)."
        ),
    },
}


# -- scale: street-only regions (routing/transit/empty.py) ---------------------------------------
MESSAGES |= {
    "warning.no_transit": {
        "de": "Diese Region hat keinen öffentlichen Nahverkehr (nur Straßendaten); Bus und Bahn sind nicht enthalten.",
        "en": "This region has no public transport (street data only); buses and trains are not included.",
    },
    "error.no_transit": {
        "de": "Diese Region hat keinen öffentlichen Nahverkehr (nur Straßendaten): "
        "wählen Sie zu Fuß, Fahrrad oder Sharing (modes).",
        "en": "This region has no public transport (street data only): choose walk, bike or sharing (modes).",
    },
}


MESSAGES |= {
    "error.unknown_district": {
        "de": "Unbekannter Stadtteil {district}; bekannt sind: {known}",
        "en": "Unknown district {district}; known districts are: {known}",
    },
}
