"""Users may name the district they live in, for the per-district open-data statistics (issue #21).

Revision ID: 0009
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the optional ``users.district`` (a district id of the region's districts file)."""
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("district", sa.String(length=64), nullable=True))


def downgrade() -> None:
    """Drop ``users.district``."""
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("district")
