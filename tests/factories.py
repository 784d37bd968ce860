"""Factories for models: sensible defaults, any field overridable (CTFd's gen_* style)."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session

from app.models import Role, User, utc_now

_sequence = itertools.count(1)


def make_user(session: Session, **overrides: Any) -> User:
    """Create and flush a :class:`User` (its e-mail address confirmed unless ``email_verified_at=None``)."""
    number = next(_sequence)
    values: dict[str, Any] = {
        "email": f"resident{number}@example.org",
        "display_name": f"Resident {number}",
        "role": Role.RESIDENT.value,
        "locale": "de",
        "email_verified_at": utc_now(),
    }
    values.update(overrides)
    user = User(**values)
    session.add(user)
    session.flush()
    return user
