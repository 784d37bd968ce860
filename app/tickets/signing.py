"""Digital tickets: an Ed25519-signed payload a QR code carries, verifiable offline with the public key.

Token: ``MT1.<base64url JSON payload>.<base64url signature>``. The payload names the
ticket id, the holder, the product, the validity period, the area and who may ride along.
An inspector's device needs only the public key (``mobility ticket public-key``, or
``GET /api/v1/tickets/public-key.pem``) and, for cancelled or refunded tickets, the signed
revocation list (``GET /api/v1/tickets/revoked``); ``mobility ticket verify`` does the
check and ``mobility ticket inspect`` shows what a token says.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.i18n import NO_TEXT, Bilingual, texts

PREFIX = "MT1"


class TicketInvalid(Exception):
    """The token is not a valid ticket; the message says why (for the inspector), ``reason`` in German too."""

    def __init__(self, key: str, **values: object) -> None:
        self.reason = texts(key, **values)
        super().__init__(self.reason.en)


@dataclass(frozen=True)
class TicketClaims:
    """What a valid ticket says."""

    ticket_id: str
    holder: str
    product_id: str
    product: str
    valid_from: date
    valid_until: date
    issued: str
    area: Bilingual = NO_TEXT
    """Where the ticket is valid, as people read it, in German and English (e.g. ``Tarifstufe PS 1``)."""
    companions: Bilingual = NO_TEXT
    """Who rides along free, as people read it, in German and English."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_ticket(key: Ed25519PrivateKey, claims: TicketClaims) -> str:
    """The token of ``claims``."""
    payload = json.dumps(
        {
            "t": claims.ticket_id,
            "h": claims.holder,
            "p": claims.product_id,
            "n": claims.product,
            "f": claims.valid_from.isoformat(),
            "u": claims.valid_until.isoformat(),
            "i": claims.issued,
            "a": {"de": claims.area.de, "en": claims.area.en},
            "c": {"de": claims.companions.de, "en": claims.companions.en},
        },
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()
    return f"{PREFIX}.{_b64(payload)}.{_b64(key.sign(payload))}"


def verify_ticket(
    token: str, public_key: Ed25519PublicKey, *, revoked: frozenset[str] = frozenset(), on: date | None = None
) -> TicketClaims:
    """The claims of a genuine, unrevoked ticket (valid ``on`` that day, when given).

    Raises
    ------
    TicketInvalid
        Malformed, forged, revoked, or not valid on that day.
    """
    payload, signature = _split(token)
    try:
        public_key.verify(signature, payload)
    except InvalidSignature as exc:
        raise TicketInvalid("ticket.invalid.forged") from exc
    claims = _claims(payload)
    if claims.ticket_id in revoked:
        raise TicketInvalid("ticket.invalid.revoked")
    if on is not None and not claims.valid_from <= on <= claims.valid_until:
        raise TicketInvalid(
            "ticket.invalid.not_on_day", day=on.isoformat(), start=claims.valid_from, end=claims.valid_until
        )
    return claims


def _split(token: str) -> tuple[bytes, bytes]:
    parts = token.strip().split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise TicketInvalid("ticket.invalid.foreign")
    try:
        return _unb64(parts[1]), _unb64(parts[2])
    except ValueError as exc:
        raise TicketInvalid("ticket.invalid.damaged") from exc


def _claims(payload: bytes) -> TicketClaims:
    try:
        data = json.loads(payload)
        return TicketClaims(
            ticket_id=data["t"],
            holder=data["h"],
            product_id=data["p"],
            product=data["n"],
            valid_from=date.fromisoformat(data["f"]),
            valid_until=date.fromisoformat(data["u"]),
            issued=data["i"],
            area=_bilingual(data.get("a", "")),
            companions=_bilingual(data.get("c", "")),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise TicketInvalid("ticket.invalid.unreadable") from exc


def _bilingual(value: object) -> Bilingual:
    """A text of the payload: ``{"de": ..., "en": ...}``, or one string (tokens signed before texts were bilingual)."""
    if isinstance(value, dict):
        return Bilingual(de=str(value["de"]), en=str(value["en"]))
    return Bilingual.same(str(value))


def read_claims(token: str) -> TicketClaims:
    """What a token says, without checking its signature (for display; :func:`verify_ticket` decides validity).

    Raises
    ------
    TicketInvalid
        Not a ticket of this system, or its content is unreadable.
    """
    payload, _signature = _split(token)
    return _claims(payload)


def load_or_create_key(path: Path, *, create: bool) -> Ed25519PrivateKey:
    """The signing key in ``path`` (PEM, PKCS#8); created there (mode 600) when missing and ``create``.

    Raises
    ------
    FileNotFoundError
        No key file and ``create`` is false (production).
    ValueError
        The file is not an Ed25519 private key.
    """
    if not path.is_file():
        if not create:
            msg = f"{path}: no ticket signing key"
            raise FileNotFoundError(msg)
        key = Ed25519PrivateKey.generate()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        return key
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        msg = f"{path}: not an Ed25519 private key"
        raise ValueError(msg)
    return loaded


def public_pem(key: Ed25519PrivateKey) -> str:
    """The public key an inspector needs, as PEM."""
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def public_jwk(key: Ed25519PrivateKey) -> dict[str, str]:
    """The public key as a JSON Web Key (RFC 8037: ``kty`` OKP, ``crv`` Ed25519)."""
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64(raw), "use": "sig", "alg": "EdDSA"}


def load_public_key(data: bytes) -> Ed25519PublicKey:
    """An inspector's public key from PEM, a JWK, or the JSON of ``GET /tickets/public-key``.

    Raises
    ------
    ValueError
        Neither form, or not an Ed25519 public key.
    """
    text = data.decode("utf-8", errors="replace").strip()
    if text.startswith("{"):
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            msg = f"the key file is neither PEM nor valid JSON ({exc})"
            raise ValueError(msg) from exc
        jwk = document.get("jwk", document) if isinstance(document, dict) else None
        if isinstance(document, dict) and isinstance(document.get("pem"), str):
            return load_public_key(document["pem"].encode())
        if isinstance(jwk, dict) and jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
            return Ed25519PublicKey.from_public_bytes(_unb64(str(jwk.get("x", ""))))
        msg = "the JSON key file holds neither 'pem' nor an Ed25519 JWK (kty OKP, crv Ed25519)"
        raise ValueError(msg)
    key = serialization.load_pem_public_key(text.encode())
    if not isinstance(key, Ed25519PublicKey):
        msg = "not an Ed25519 public key"
        raise ValueError(msg)
    return key
