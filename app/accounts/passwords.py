"""Password hashing with Argon2id (argon2-cffi's recommended parameters)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()
MIN_PASSWORD_LENGTH = 10
_DUMMY_HASH = _HASHER.hash("not a real password, only to spend the same time")


def hash_password(password: str) -> str:
    """The Argon2id hash of ``password`` (salted, parameters encoded in the string)."""
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """True when ``password`` matches ``stored``; an unknown user costs the same time as a wrong password."""
    try:
        return _HASHER.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True when ``stored`` was hashed with weaker parameters than today's."""
    return _HASHER.check_needs_rehash(stored)
