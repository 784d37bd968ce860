"""app.tickets.signing: tokens carry their texts in both languages; older one-language tokens still read."""

from __future__ import annotations

import base64
import json
from datetime import date

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.i18n import Bilingual
from app.tickets.signing import TicketClaims, TicketInvalid, read_claims, sign_ticket, verify_ticket
from app.tickets.view import SINGLE_COMPANIONS, single_area

KEY = Ed25519PrivateKey.generate()
CLAIMS = TicketClaims(
    ticket_id="bk1-2",
    holder="Anna Beispiel",
    product_id="ps3",
    product="NVV",
    valid_from=date(2026, 12, 2),
    valid_until=date(2026, 12, 2),
    issued="2026-12-02T08:00:00+00:00",
    area=single_area("PS 3"),
    companions=SINGLE_COMPANIONS,
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_a_token_round_trips_its_claims_with_both_languages() -> None:
    token = sign_ticket(KEY, CLAIMS)
    assert verify_ticket(token, KEY.public_key()) == CLAIMS
    payload = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert payload["a"] == {"de": "Tarifstufe PS 3", "en": "tariff level PS 3"}


def test_a_token_signed_before_the_texts_were_bilingual_shows_its_one_text_in_both() -> None:
    # The payload as tokens of the previous release had it (one English text per field).
    payload = json.dumps(
        {
            "t": "p1",
            "h": "Anna",
            "p": "mittendrin",
            "n": "MittendrinTicket",
            "f": "2026-11-01",
            "u": "2026-11-30",
            "i": "2026-10-30T10:00:00+00:00",
            "a": "KasselPlus",
            "c": "none (valid for the holder only)",
        },
        separators=(",", ":"),
    ).encode()
    token = f"MT1.{_b64(payload)}.{_b64(KEY.sign(payload))}"
    claims = verify_ticket(token, KEY.public_key())
    assert claims.area == Bilingual.same("KasselPlus") and claims.companions.de == "none (valid for the holder only)"


@pytest.mark.parametrize(
    ("token", "german"),
    [
        ("not-a-ticket", "kein Fahrschein dieses Systems"),
        ("MT1.A.A", "der Fahrschein ist beschädigt"),
        (f"MT1.{_b64(b'[1]')}.{_b64(b'x')}", "der Inhalt des Fahrscheins ist unlesbar"),
    ],
)
def test_why_a_token_is_unreadable_is_said_in_both_languages(token: str, german: str) -> None:
    with pytest.raises(TicketInvalid) as caught:
        read_claims(token)
    assert caught.value.reason.de == german and str(caught.value) == caught.value.reason.en != german


def test_a_forged_revoked_or_out_of_date_token_is_refused_with_reasons_in_both_languages() -> None:
    token = sign_ticket(KEY, CLAIMS)
    other = Ed25519PrivateKey.generate().public_key()
    cases = [
        ({"public_key": other}, "gefälscht oder verändert", "forged or altered"),
        ({"revoked": frozenset({"bk1-2"})}, "gesperrt (storniert oder erstattet)", "revoked (cancelled or refunded)"),
        ({"on": date(2026, 12, 3)}, "am 2026-12-03 nicht gültig", "not valid on 2026-12-03"),
    ]
    for options, german, english in cases:
        key = options.pop("public_key", KEY.public_key())
        with pytest.raises(TicketInvalid) as caught:
            verify_ticket(token, key, **options)
        assert caught.value.reason.de.startswith(german) and str(caught.value).startswith(english)
