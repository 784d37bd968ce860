"""Proofs of eligibility (the Teilhabecard) and the monthly passes bought with them."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, TimestampMixin, UtcDateTime


class ProofStatus(enum.StrEnum):
    """Where a proof of eligibility stands."""

    SUBMITTED = "submitted"
    VERIFIED = "verified"
    REJECTED = "rejected"


class Benefit(enum.StrEnum):
    """Benefits that make a Kassel resident eligible for the MittendrinTicket."""

    BUERGERGELD = "sgb2_buergergeld"
    GRUNDSICHERUNG = "sgb12_grundsicherung"
    HILFE_ZUM_LEBENSUNTERHALT = "sgb12_hilfe_zum_lebensunterhalt"
    ASYLBLG = "asylblg"
    WOHNGELD = "wohngeld"


class TicketStatus(enum.StrEnum):
    """Where a bought pass stands."""

    AWAITING_PAYMENT = "awaiting_payment"
    ACTIVE = "active"
    REVOKED = "revoked"
    FAILED = "failed"


class EligibilityProof(TimestampMixin, Base):
    """A Teilhabecard submitted by a user, verified or rejected by city staff."""

    __tablename__ = "eligibility_proofs"
    __table_args__ = (CheckConstraint("status IN ('submitted', 'verified', 'rejected')", name="known_status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, index=True, default=lambda: uuid.uuid4().hex)
    """The id paths and answers show: random, so it says nothing about how many proofs exist or whose is next."""
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40), default="teilhabecard")
    card_number: Mapped[str] = mapped_column(String(40))
    valid_until: Mapped[date] = mapped_column(Date)
    benefit: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default=ProofStatus.SUBMITTED.value)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class PassTicket(TimestampMixin, Base):
    """A bought pass for a period (a calendar month), with its signed digital ticket."""

    __tablename__ = "pass_tickets"
    __table_args__ = (
        UniqueConstraint("user_id", "product_id", "valid_from", name="uq_pass_tickets_period"),
        CheckConstraint("status IN ('awaiting_payment', 'active', 'revoked', 'failed')", name="known_status"),
        CheckConstraint("valid_until >= valid_from", name="valid_period"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    holder: Mapped[str] = mapped_column(String(64))
    """Pseudonym of the holder (kept when the account is deleted)."""
    holder_name: Mapped[str] = mapped_column(String(120))
    product_id: Mapped[str] = mapped_column(String(60))
    product_name: Mapped[str] = mapped_column(String(120))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    price_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    status: Mapped[str] = mapped_column(String(20), default=TicketStatus.AWAITING_PAYMENT.value)
    idempotency_key: Mapped[str] = mapped_column(String(255))
    gateway: Mapped[str | None] = mapped_column(String(20), default=None)
    intent_id: Mapped[str | None] = mapped_column(String(255), default=None)
    client_secret: Mapped[str | None] = mapped_column(String(255), default=None)
    token: Mapped[str | None] = mapped_column(Text, default=None)
    """The signed digital ticket the QR code carries."""
    refunded_cents: Mapped[int] = mapped_column(Integer, default=0)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    revoked_reason: Mapped[str | None] = mapped_column(Text, default=None)
