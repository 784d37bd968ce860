"""Languages: Accept-Language, else the account's locale, else German; validation and rate-limit texts in both."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient
from pydantic import BaseModel, ValidationError

from app.api import auth, bookings, me, passes, payments, plan, region, service, stops, vehicles
from app.extensions import db
from app.i18n import FIELD_MESSAGES, LANGUAGES, LEADS, MESSAGES, FieldValueError, field_message
from app.models import User
from tests.conftest_d.accounts import SignedIn
from tests.conftest_d.regions import DEMO_FIRST_DAY

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY_8 = datetime.combine(DEMO_FIRST_DAY, datetime.min.time(), tzinfo=BERLIN) + timedelta(hours=8)
PLAN = {"from": "51.3058,9.4759", "to": "51.3252,9.5071", "time": MONDAY_8.isoformat(), "modes": "walk,transit"}
PASSWORD = "correct horse battery staple"


def _with_locale(app: Flask, user: SignedIn, locale: str) -> SignedIn:
    with app.app_context():
        account = db.session.get(User, user.user_id)
        assert account is not None
        account.locale = locale
        db.session.commit()
    return user


def test_a_signed_in_users_locale_is_the_default_language_of_every_answer(
    app: Flask, client: FlaskClient, sign_in: Callable[..., SignedIn]
) -> None:
    english_reader = _with_locale(app, sign_in(app), "en")
    assert client.get("/api/v1/plan", query_string=PLAN, headers=english_reader.headers).get_json()["language"] == "en"
    asked = client.get("/api/v1/plan", query_string=PLAN, headers=english_reader.headers | {"Accept-Language": "de"})
    assert asked.get_json()["language"] == "de", "Accept-Language still decides when it is sent"
    assert client.get("/api/v1/plan", query_string=PLAN).get_json()["language"] == "de"
    bad = client.get("/api/v1/plan", query_string=PLAN | {"from": "north"}, headers=english_reader.headers)
    assert bad.status_code == 400 and bad.get_json()["detail"].startswith("invalid query parameter")


def test_validation_messages_are_german_or_english(client: FlaskClient) -> None:
    query = PLAN | {"walkSpeed": "-1"}
    german = client.get("/api/v1/plan", query_string=query, headers={"Accept-Language": "de"}).get_json()
    english = client.get("/api/v1/plan", query_string=query, headers={"Accept-Language": "en"}).get_json()
    assert german["detail"].startswith("ungültige Parameter") and english["detail"].startswith("invalid query")
    (german_field,) = german["errors"]
    (english_field,) = english["errors"]
    assert german_field["field"] == english_field["field"] == "walkSpeed"
    assert german_field["message"].startswith("muss") and english_field["message"].startswith("must")
    body = client.post(
        "/api/v1/auth/register", json={"email": "x@example.org", "password": "short"}, headers={"Accept-Language": "de"}
    ).get_json()
    messages = {problem["field"]: problem["message"] for problem in body["errors"]}
    assert messages["displayName"] == "Angabe fehlt" and "Zeichen" in messages["password"]


def test_the_rate_limit_answers_in_the_callers_language(client: FlaskClient) -> None:
    def register(number: int, language: str) -> dict[str, object]:
        response = client.post(
            "/api/v1/auth/register",
            json={"email": f"r{number}@example.org", "password": PASSWORD, "displayName": "R"},
            headers={"Accept-Language": language},
        )
        return {"status": response.status_code, **(response.get_json() or {})}

    answers = [register(number, "de") for number in range(6)]
    assert [answer["status"] for answer in answers] == [202] * 5 + [429]
    german = answers[-1]
    assert german["type"] == "urn:kassel-mobility:problem:too-many-requests"
    assert german["title"] == "Zu viele Anfragen" and "Bitte warte" in str(german["detail"])
    english = register(7, "en")
    assert (
        english["status"] == 429 and english["title"] == "Too many requests" and "Please wait" in str(english["detail"])
    )


def test_every_new_text_exists_in_both_languages() -> None:
    for table in (MESSAGES, FIELD_MESSAGES, LEADS):
        for key, texts in table.items():
            assert set(texts) == set(LANGUAGES), key


QUERY_VALUES: list[object] = [
    ["1", "2", "3"],
    7,
    "x",
    "",
    "-1",
    "0",
    "1e12",
    "1.5",
    "true",
    "9" * 300,
    "2026-13-45",
    "a,b",
    "91,9",
    "51,181",
    "walk,ufo",
    "walk",
    ",",
]
"""Wrong query values: a repeated parameter (a list), a non-text value (the validators' own guard), texts."""
BODY_VALUES: list[object] = [None, -1, 10**12, 1.5, True, [], {}, "x", "", "9" * 5000, [1, "a"], {"a": 1}, "a@b"]


def _declared_models() -> list[tuple[str, type[BaseModel], list[object]]]:
    models: list[tuple[str, type[BaseModel], list[object]]] = []
    for module in (auth, bookings, me, passes, payments, plan, region, service, stops, vehicles):
        for op in module.blueprint.operations:
            if op.query is not None:
                models.append((op.endpoint, op.query, QUERY_VALUES))
            if op.body is not None:
                models.append((op.endpoint, op.body, BODY_VALUES))
    return models


def test_no_operation_answers_a_german_reader_with_english_field_messages() -> None:
    """Every field of every declared query and body model, given wrong values: German, English, never mixed."""
    kinds: Counter[str] = Counter()
    custom: set[str] = set()
    mixed = []
    for endpoint, model, values in _declared_models():
        for name in [field.alias or key for key, field in model.model_fields.items()] + ["notAField"]:
            for value in values:
                try:
                    model.model_validate({name: value})
                except ValidationError as exc:
                    for item in exc.errors(include_url=False):
                        error = dict(item)
                        kinds[error["type"]] += 1
                        cause = (error.get("ctx") or {}).get("error")
                        if isinstance(cause, FieldValueError):
                            custom.add(cause.key)
                        german, english = field_message(error, "de"), field_message(error, "en")
                        pydantic_text = str(error["msg"]).removeprefix("Value error, ")
                        if german == english or pydantic_text in german or english in german:
                            mixed.append((endpoint, name, error["type"], german))
    assert mixed == []
    # What was checked: the declared models' own rules, and each custom validator, were reached.
    assert {"missing", "extra_forbidden", "value_error", "string_too_long", "enum"} <= set(kinds), kinds
    assert kinds["value_error"] >= 20 and sum(kinds.values()) >= 1000, kinds
    assert custom == {key for key in MESSAGES if key.startswith("field.")}


def test_custom_validator_messages_over_http_in_both_languages(client: FlaskClient) -> None:
    cases: list[tuple[str, dict[str, str], str, str]] = [
        ("/api/v1/plan", PLAN | {"from": "95,9.4"}, "from", "Breite 95 liegt außerhalb"),
        ("/api/v1/plan", PLAN | {"to": "north"}, "to", "erwartet BREITE,LÄNGE"),
        ("/api/v1/plan", PLAN | {"time": "12345"}, "time", "erwartet Datum und Uhrzeit nach ISO 8601"),
        ("/api/v1/plan", PLAN | {"modes": "walk,ufo"}, "modes", "unbekannte Verkehrsmittel ufo"),
        ("/api/v1/vehicles", {"near": "51.31,9.49", "modes": "walk"}, "modes", "nur Sharing-Verkehrsmittel"),
        # well-formed, but refused by the range rule of app.local_times (422)
        ("/api/v1/plan", PLAN | {"time": "2099-06-01T08:00:00+01:00"}, "time", "2099-06-01T08:00:00+01:00 liegt mehr"),
        ("/api/v1/plan", PLAN | {"time": "9999-12-31T23:59:59Z"}, "time", "9999-12-31T23:59:59+00:00 lässt sich"),
    ]
    for path, query, field, german_start in cases:
        answers = {
            language: client.get(path, query_string=query, headers={"Accept-Language": language}).get_json()
            for language in LANGUAGES
        }
        messages = {
            language: {e["field"]: e["message"] for e in answer["errors"]} for language, answer in answers.items()
        }
        assert messages["de"][field].startswith(german_start), messages
        assert messages["en"][field] != messages["de"][field] and messages["en"][field] not in messages["de"][field]
    registered = client.post(
        "/api/v1/auth/register",
        json={"email": "not-an-address", "password": PASSWORD, "displayName": "R"},
        headers={"Accept-Language": "de"},
    ).get_json()
    (problem,) = registered["errors"]
    assert problem["field"] == "email" and problem["message"].startswith("keine gültige E-Mail-Adresse")
