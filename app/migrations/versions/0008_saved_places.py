"""Saved places of an account (home, work, favourites).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the saved_places table."""
    op.create_table(
        "saved_places",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('home', 'work', 'favourite')", name=op.f("ck_saved_places_known_kind")),
        sa.CheckConstraint(
            "lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180", name=op.f("ck_saved_places_position_on_earth")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_saved_places_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_places")),
        sa.UniqueConstraint("public_id", name=op.f("uq_saved_places_public_id")),
    )
    with op.batch_alter_table("saved_places", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_saved_places_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    """Drop the saved_places table."""
    with op.batch_alter_table("saved_places", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_saved_places_user_id"))
    op.drop_table("saved_places")
