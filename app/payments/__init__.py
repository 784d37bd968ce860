"""Payments: one gateway interface (Stripe, or the offline development ledger) and our own idempotency."""
