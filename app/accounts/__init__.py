"""Accounts: password hashing, sign-in sessions with rotating refresh tokens, and access checks."""
