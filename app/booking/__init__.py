"""Bookings: the saga over operators and payments, the state machine of bookings and legs, receipts."""
