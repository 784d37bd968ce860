"""Teilhabecard proofs and bought passes with their signed tickets.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table('booking_legs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ticket_token', sa.Text(), nullable=True))
    op.create_table('eligibility_proofs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('card_number', sa.String(length=40), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('benefit', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('reviewed_by', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('submitted', 'verified', 'rejected')", name=op.f('ck_eligibility_proofs_known_status')),
    sa.ForeignKeyConstraint(['reviewed_by'], ['users.id'], name=op.f('fk_eligibility_proofs_reviewed_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_eligibility_proofs_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_eligibility_proofs'))
    )
    with op.batch_alter_table('eligibility_proofs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_eligibility_proofs_user_id'), ['user_id'], unique=False)

    op.create_table('pass_tickets',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('holder', sa.String(length=64), nullable=False),
    sa.Column('holder_name', sa.String(length=120), nullable=False),
    sa.Column('product_id', sa.String(length=60), nullable=False),
    sa.Column('product_name', sa.String(length=120), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('price_cents', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('idempotency_key', sa.String(length=255), nullable=False),
    sa.Column('gateway', sa.String(length=20), nullable=True),
    sa.Column('intent_id', sa.String(length=255), nullable=True),
    sa.Column('client_secret', sa.String(length=255), nullable=True),
    sa.Column('token', sa.Text(), nullable=True),
    sa.Column('refunded_cents', sa.Integer(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('awaiting_payment', 'active', 'revoked', 'failed')", name=op.f('ck_pass_tickets_known_status')),
    sa.CheckConstraint('valid_until >= valid_from', name=op.f('ck_pass_tickets_valid_period')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_pass_tickets_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pass_tickets')),
    sa.UniqueConstraint('user_id', 'product_id', 'valid_from', name='uq_pass_tickets_period')
    )
    with op.batch_alter_table('pass_tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pass_tickets_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table('booking_legs', schema=None) as batch_op:
        batch_op.drop_column('ticket_token')
    with op.batch_alter_table('pass_tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pass_tickets_user_id'))

    op.drop_table('pass_tickets')
    with op.batch_alter_table('eligibility_proofs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_eligibility_proofs_user_id'))

    op.drop_table('eligibility_proofs')
