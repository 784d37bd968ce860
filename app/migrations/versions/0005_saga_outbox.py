"""The booking saga's outbox: one row per step attempt (intent before the call, result after).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "saga_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.String(length=32), nullable=False),
        sa.Column("leg_position", sa.Integer(), nullable=True),
        sa.Column("operation", sa.String(length=20), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "operation IN ('reserve', 'confirm', 'start', 'end', 'cancel', 'refund')",
            name=op.f("ck_saga_steps_known_operation"),
        ),
        sa.CheckConstraint("state IN ('intent', 'done', 'failed')", name=op.f("ck_saga_steps_known_state")),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_saga_steps_booking_id_bookings"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saga_steps")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_saga_steps_idempotency_key")),
    )
    with op.batch_alter_table("saga_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_saga_steps_booking_id"), ["booking_id"], unique=False)
        batch_op.create_index("ix_saga_steps_open", ["state", "created_at"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("saga_steps", schema=None) as batch_op:
        batch_op.drop_index("ix_saga_steps_open")
        batch_op.drop_index(batch_op.f("ix_saga_steps_booking_id"))
    op.drop_table("saga_steps")
