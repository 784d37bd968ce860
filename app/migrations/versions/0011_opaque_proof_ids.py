"""Eligibility proofs get an opaque public id: paths and answers stop showing the row sequence.

Revision ID: 0011
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``public_id``, give every existing proof one, then make it required and unique."""
    with op.batch_alter_table("eligibility_proofs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_id", sa.String(length=32), nullable=True))
    proofs = sa.table("eligibility_proofs", sa.column("id", sa.Integer()), sa.column("public_id", sa.String(32)))
    connection = op.get_bind()
    for (proof_id,) in connection.execute(sa.select(proofs.c.id)).all():
        connection.execute(proofs.update().where(proofs.c.id == proof_id).values(public_id=uuid.uuid4().hex))
    with op.batch_alter_table("eligibility_proofs", schema=None) as batch_op:
        batch_op.alter_column("public_id", existing_type=sa.String(length=32), nullable=False)
        batch_op.create_index(batch_op.f("ix_eligibility_proofs_public_id"), ["public_id"], unique=True)


def downgrade() -> None:
    """Drop the public id."""
    with op.batch_alter_table("eligibility_proofs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_eligibility_proofs_public_id"))
        batch_op.drop_column("public_id")
