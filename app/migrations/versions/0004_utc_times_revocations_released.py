"""Booked leg times in UTC, the ticket revocation list, and ``released`` payments.

* ``booking_legs.starts_at``: on SQLite the itinerary's local time (e.g. 06:00 at +01:00)
  was stored with its offset dropped and read back as UTC (06:00Z, one hour off). Every
  leg's time is rewritten from the signed itinerary record the booking keeps (exact on
  every database); where that record cannot be read, the stored digits are taken as
  Europe/Berlin wall-clock time (the only region deployed).
* ``ticket_revocations``: one row per revoked ticket; filled with the refunded passes and
  the single tickets of cancelled, failed or fully refunded bookings.
* Payments whose authorisation was given back (``cancelled``), or that were "captured"
  for 0 cents, are ``released``.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

FALLBACK_ZONE = ZoneInfo("Europe/Berlin")
ENDED = ("cancelled", "failed")


def _stored(value: object) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _leg_start(itinerary: str | None, position: int) -> datetime | None:
    try:
        start = datetime.fromisoformat(json.loads(itinerary or "")["legs"][position]["start"])
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return start if start.tzinfo is not None else None


def _convert_leg_times(connection: sa.Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    legs = sa.table(
        "booking_legs",
        sa.column("id"),
        sa.column("booking_id"),
        sa.column("position"),
        sa.column("starts_at", sa.DateTime(timezone=True)),
    )
    bookings = sa.table("bookings", sa.column("id"), sa.column("itinerary"))
    rows = connection.execute(
        sa.select(legs.c.id, legs.c.position, legs.c.starts_at, bookings.c.itinerary).join(
            bookings, bookings.c.id == legs.c.booking_id
        )
    ).all()
    for leg_id, position, stored, itinerary in rows:
        start = _leg_start(itinerary, position)
        if start is None:
            if not sqlite:
                continue  # PostgreSQL kept the offset: the stored moment is right
            start = _stored(stored).replace(tzinfo=FALLBACK_ZONE)
        moment = start.astimezone(UTC)
        connection.execute(
            sa.update(legs)
            .where(legs.c.id == leg_id)
            .values(starts_at=moment.replace(tzinfo=None) if sqlite else moment)
        )


def _fill_revocations(connection: sa.Connection, revocations: sa.Table) -> None:
    now = datetime.now(UTC)
    sqlite = connection.dialect.name == "sqlite"

    def moment(value: object) -> datetime:
        aware = now if value is None else _stored(value)
        aware = aware.replace(tzinfo=UTC) if aware.tzinfo is None else aware.astimezone(UTC)
        return aware.replace(tzinfo=None) if sqlite else aware

    rows: list[dict[str, object]] = []
    passes = connection.execute(
        sa.text("SELECT id, revoked_reason, revoked_at FROM pass_tickets WHERE status = 'revoked' ORDER BY revoked_at")
    ).all()
    for ticket_id, reason, revoked_at in passes:
        rows.append(
            {
                "ticket_id": ticket_id,
                "kind": "pass",
                "reason": f"pass refunded: {reason or ''}",
                "revoked_at": moment(revoked_at),
            }
        )
    singles = connection.execute(
        sa.text(
            "SELECT l.booking_id, l.position, l.state, b.state, p.state FROM booking_legs l"
            " JOIN bookings b ON b.id = l.booking_id LEFT JOIN payments p ON p.booking_id = b.id"
            " WHERE l.ticket_token IS NOT NULL ORDER BY b.updated_at, l.position"
        )
    ).all()
    for booking_id, position, leg_state, booking_state, payment_state in singles:
        if leg_state in ENDED or booking_state in ENDED or payment_state == "refunded":
            reason = (
                "booking refunded in full"
                if payment_state == "refunded"
                else f"leg {leg_state}, booking {booking_state}"
            )
            rows.append(
                {
                    "ticket_id": f"{booking_id}-{position}",
                    "kind": "single",
                    "reason": reason,
                    "revoked_at": moment(None),
                }
            )
    if rows:
        op.bulk_insert(revocations, rows)


def upgrade() -> None:
    """Apply this revision."""
    revocations = op.create_table(
        "ticket_revocations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('pass', 'single')", name=op.f("ck_ticket_revocations_known_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_revocations")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_ticket_revocations_ticket_id")),
    )
    connection = op.get_bind()
    _convert_leg_times(connection)
    _fill_revocations(connection, revocations)
    op.execute("UPDATE payments SET state = 'released' WHERE state = 'cancelled'")
    op.execute("UPDATE payments SET state = 'released' WHERE state = 'captured' AND captured_cents = 0")


def downgrade() -> None:
    """Revert this revision (leg times stay in UTC: the older code reads them correctly)."""
    op.execute("UPDATE payments SET state = 'cancelled' WHERE state = 'released'")
    op.drop_table("ticket_revocations")
