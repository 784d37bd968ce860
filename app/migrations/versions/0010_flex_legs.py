"""Booked on-demand (flex) legs keep their pickup window's end, the confirmed pickup and the wheelchair place.

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``latest_pickup_at``, ``pickup_at`` (empty for every other kind of leg) and ``wheelchair_place``."""
    with op.batch_alter_table("booking_legs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("latest_pickup_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("pickup_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("wheelchair_place", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    """Drop the three columns."""
    with op.batch_alter_table("booking_legs", schema=None) as batch_op:
        batch_op.drop_column("wheelchair_place")
        batch_op.drop_column("pickup_at")
        batch_op.drop_column("latest_pickup_at")
