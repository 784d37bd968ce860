"""The GDPR export (Art. 15 and 20): everything stored about an account, in the API's conventions.

camelCase names, times ISO 8601 with the region's offset, amounts in cents. The JSON
Schema of this document is served at ``GET /me/export/schema`` (:func:`export_json_schema`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import ConfigDict, Field

from app.schemas.accounts import Account
from app.schemas.common import ApiModel

EXPORT_SCHEMA_VERSION = 2
"""2: saved places and e-mail links added."""
EXPORT_SCHEMA_ID = "https://kassel-mobility.example/schemas/account-export-v2.json"


class ExportModel(ApiModel):
    """Base of the export's objects: their schema allows no other fields."""

    model_config = ConfigDict(extra="forbid")


class ExportSession(ExportModel):
    """A sign-in session (the refresh token itself is never stored)."""

    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    revoked_reason: str | None


class ExportLeg(ExportModel):
    """A booked leg."""

    position: int
    mode: str
    provider: str
    operator: str
    vehicle_type_id: str
    vehicle_id: str | None
    pickup_station_id: str | None
    dropoff_station_id: str | None
    starts_at: datetime
    minutes: float
    km: float
    from_lat: float
    from_lon: float
    to_lat: float
    to_lon: float
    state: str
    quote_cents: int
    final_cents: int | None
    reason: str | None
    ticket_id: str | None = Field(description="The leg's single ticket, when it has one (see tickets)")


class ExportEvent(ExportModel):
    """A recorded state change of a booking or one of its legs."""

    at: datetime
    leg_position: int | None
    from_state: str | None
    to_state: str
    detail: str


class ExportRefund(ExportModel):
    """Money given back."""

    amount_cents: int
    reason: str
    created_at: datetime


class ExportPayment(ExportModel):
    """The payment of a booking at the gateway."""

    gateway: str
    intent_id: str | None
    state: str
    currency: str
    authorised_cents: int
    captured_cents: int
    refunded_cents: int
    failure_reason: str | None
    created_at: datetime
    updated_at: datetime
    refunds: list[ExportRefund]


class ExportBooking(ExportModel):
    """A booking with its legs, history and payment."""

    id: str
    state: str
    region: str
    currency: str
    price_cents: int
    authorised_cents: int
    captured_cents: int
    refunded_cents: int
    failure_reason: str | None
    created_at: datetime
    updated_at: datetime
    legs: list[ExportLeg]
    events: list[ExportEvent]
    payment: ExportPayment | None


class ExportProof(ExportModel):
    """A Teilhabecard submitted as proof of eligibility."""

    id: str
    kind: str
    card_number: str
    valid_until: date
    benefit: str
    status: str
    reason: str | None
    submitted_at: datetime
    reviewed_at: datetime | None


class ExportPassPayment(ExportModel):
    """How a pass was paid."""

    gateway: str | None
    intent_id: str | None
    price_cents: int
    currency: str
    refunded_cents: int


class ExportPass(ExportModel):
    """A bought pass."""

    id: str
    product_id: str
    product_name: str
    holder_name: str
    valid_from: date
    valid_until: date
    status: str
    created_at: datetime
    revoked_at: datetime | None
    revoked_reason: str | None
    payment: ExportPassPayment


class ExportTicket(ExportModel):
    """A digital ticket issued to the account (a pass's, or a booking leg's single ticket)."""

    id: str
    kind: str = Field(description="pass or single")
    product: str
    holder_name: str
    valid_from: date
    valid_until: date
    area: str
    companions: str
    revoked: bool
    token: str


class ExportGatewayCustomer(ExportModel):
    """The account's customer record at a payment gateway."""

    gateway: str
    customer_id: str
    created_at: datetime


class ExportWebhookEvent(ExportModel):
    """A payment-gateway event received about one of the account's payments."""

    event_id: str
    type: str
    received_at: datetime
    object_id: str | None
    concerns: str = Field(description="What it is about: 'booking ID' or 'pass ID'")


class ExportSavedPlace(ExportModel):
    """A saved place (home, work, favourite)."""

    id: str
    kind: str
    name: str
    lat: float
    lon: float
    created_at: datetime
    updated_at: datetime


class ExportEmailLink(ExportModel):
    """A verification or password reset link sent to the account (the token itself is never stored)."""

    purpose: str = Field(description="verify-email or password-reset")
    sent_to: str
    sent_at: datetime
    expires_at: datetime
    used_at: datetime | None = Field(description="When it was used, or voided by a newer link or a reset")


class AccountExport(ExportModel):
    """Everything stored about the account (GDPR Art. 15/20), as JSON."""

    schema_version: int = EXPORT_SCHEMA_VERSION
    exported_at: datetime
    account: Account
    sessions: list[ExportSession]
    bookings: list[ExportBooking]
    proofs: list[ExportProof]
    passes: list[ExportPass]
    tickets: list[ExportTicket]
    gateway_customers: list[ExportGatewayCustomer]
    webhook_events: list[ExportWebhookEvent]
    saved_places: list[ExportSavedPlace]
    email_links: list[ExportEmailLink]


def export_json_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) the export validates against."""
    schema = AccountExport.model_json_schema(by_alias=True, mode="serialization")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": EXPORT_SCHEMA_ID, **schema}


__all__ = ["EXPORT_SCHEMA_ID", "EXPORT_SCHEMA_VERSION", "AccountExport", "export_json_schema"]
