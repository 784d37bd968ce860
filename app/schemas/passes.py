"""Schemas of passes: products, eligibility proofs, bought passes and their tickets."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from app.models import Benefit
from app.schemas.common import ApiModel, BodyModel, QueryModel, trimmed_text


class ProductOut(ApiModel):
    """A pass on sale."""

    id: str
    name: str
    price_cents: int
    currency: str
    period: str
    eligibility: str | None = Field(description="What a buyer must prove, e.g. teilhabecard")


class ProductList(ApiModel):
    """The region's passes."""

    products: list[ProductOut]
    saturday_is_weekend: bool = Field(description="Whether Saturdays count as weekend days for evening/weekend rules")


class ProofRequest(BodyModel):
    """A Mittendrin! Teilhabecard."""

    card_number: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9-]{4,40}$")]
    valid_until: date
    benefit: Benefit


class ProofOut(ApiModel):
    """A proof and its status."""

    id: str
    kind: str
    card_number: str
    valid_until: date
    benefit: str
    status: str
    reason: str | None
    submitted_at: datetime
    reviewed_at: datetime | None


class ProofList(ApiModel):
    """Proofs, oldest first."""

    proofs: list[ProofOut]


class ProofQuery(QueryModel):
    """Filter the staff's list."""

    status: Annotated[str, Field(pattern="^(submitted|verified|rejected)$")] = "submitted"


class Review(BodyModel):
    """Staff's decision on a proof."""

    reason: Annotated[str, trimmed_text(min_length=3, max_length=500)]


class PurchaseRequest(BodyModel):
    """Buy a monthly pass for the current or the next month."""

    product: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    month: Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]
    payment_method: Annotated[str, StringConstraints(min_length=3, max_length=255)] | None = None


class TicketOut(ApiModel):
    """A bought pass and its digital ticket."""

    id: str
    product: str
    product_name: str
    holder_name: str
    valid_from: date
    valid_until: date
    price_cents: int
    currency: str
    status: str
    token: str | None = Field(description="The signed ticket the QR code carries (active passes)")
    client_secret: str | None = Field(description="With status awaiting_payment: finish 3-D Secure in the app")
    kind: str = Field(default="pass", description="pass (a bought pass) or single (a booking's single ticket)")
    validity: str = Field(default="", description="The validity period as people read it")
    area: str = Field(default="", description="Where the ticket is valid, as people read it")
    companions: str = Field(default="", description="Who rides along free with the holder, as people read it")
    language: str = Field(default="de", description="The language of validity, area and companions (de or en)")


class TicketList(ApiModel):
    """Passes, newest first."""

    tickets: list[TicketOut]


class RefundPass(BodyModel):
    """Refund a pass in full (its ticket is revoked)."""

    reason: Annotated[str, trimmed_text(min_length=3, max_length=255)]


class RevocationList(ApiModel):
    """Ids of revoked tickets (cancelled, failed or refunded), signed, for inspectors' devices."""

    version: int = Field(description="Grows with every revocation; also the ETag (send If-None-Match)")
    revoked: list[str]
    signature: str = Field(
        description="Ed25519 signature (base64url, tickets' key) over the JSON "
        '{"revoked":[...],"version":N} with sorted keys and no spaces'
    )
    generated_at: datetime


class Jwk(ApiModel):
    """An Ed25519 public key as a JSON Web Key (RFC 8037)."""

    kty: str
    crv: str
    x: str
    use: str
    alg: str


class PublicKey(ApiModel):
    """The key that verifies tickets offline: PEM and JWK (``Accept: application/x-pem-file`` gives the PEM file)."""

    algorithm: str = "Ed25519"
    pem: str
    jwk: Jwk
