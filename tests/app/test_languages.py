"""Languages: Accept-Language, else the account's locale, else German; validation and rate-limit texts in both."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.i18n import FIELD_MESSAGES, LANGUAGES, LEADS, MESSAGES
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
    assert [answer["status"] for answer in answers] == [201] * 5 + [429]
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
