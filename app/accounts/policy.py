"""The authorisation table: who may call an operation, and whose objects it may reach.

Every API operation declares one :class:`Access` (``ApiBlueprint.operation(auth=...)``).
It names the roles that may call the operation at all and, per role, the objects the
operation may reach for them:

- ``own``: objects of the calling account only (a resident's bookings, passes, proofs);
- ``provider``: objects of the calling operator's provider (bookings with a leg of it), and own ones;
- ``any``: every object (city staff reviewing proofs, admins on audited admin endpoints).

City staff reach other people's objects only on proof reviews and aggregates; admins act
on other people's rides and passes only through operations declared ``audited``, where
the reason they give is recorded in the admin audit table. The same declaration is checked
(:mod:`app.accounts.access`) and published in the OpenAPI document (``x-access``), where the
authorisation matrix test reads it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.models import Role

__all__ = [
    "ACCOUNT",
    "ADMIN_AUDITED",
    "PUBLIC",
    "RIDER_ACTION",
    "RIDER_READ",
    "STAFF_DECISION",
    "STAFF_REVIEW",
    "Access",
    "Reach",
]


class Reach(enum.StrEnum):
    """Whose objects an operation may reach for a role."""

    OWN = "own"
    PROVIDER = "provider"
    ANY = "any"


ALL_ROLES: tuple[str, ...] = tuple(role.value for role in Role)


@dataclass(frozen=True)
class Access:
    """One row of the authorisation table."""

    reach: Mapping[str, Reach] = field(default_factory=dict)
    """Role -> the objects the operation may reach; a role not named may not call it."""
    public: bool = False
    """Callable without a token (``reach`` is then empty)."""
    audited: bool = False
    """Every call is recorded in the admin audit table with the reason from the body."""
    purpose: str = "account"
    """Why the operation exists: ``account``, ``review``, ``aggregate``, ``admin`` or ``public``."""

    @property
    def roles(self) -> tuple[str, ...]:
        """The roles that may call the operation (empty for a public one)."""
        return tuple(role for role in ALL_ROLES if role in self.reach)

    def reach_of(self, role: str) -> Reach | None:
        """What ``role`` may reach with this operation (None: it may not call it)."""
        return self.reach.get(role)

    def document(self) -> dict[str, Any]:
        """The ``x-access`` entry of the OpenAPI document."""
        return {
            "public": self.public,
            "roles": {role: self.reach[role].value for role in self.roles},
            "audited": self.audited,
            "purpose": self.purpose,
        }


def _every_role(reach: Reach, **overrides: Reach) -> dict[str, Reach]:
    return {role: overrides.get(role, reach) for role in ALL_ROLES}


PUBLIC = Access(public=True, purpose="public")
"""No token needed (planning, stops, the pass catalogue, sign-in)."""

ACCOUNT = Access(reach=_every_role(Reach.OWN))
"""Any signed-in account, on its own account and objects only."""

RIDER_READ = Access(reach=_every_role(Reach.OWN, operator=Reach.PROVIDER))
"""Reading a booking: its owner, or an operator whose provider has a leg in it."""

RIDER_ACTION = ACCOUNT
"""Changing a booking or a pass (cancel, start, end, pay): its owner only."""

STAFF_REVIEW = Access(reach={Role.CITY_STAFF.value: Reach.ANY, Role.ADMIN.value: Reach.ANY}, purpose="review")
"""Listing proofs to review: city staff and admins, on every proof."""

STAFF_DECISION = Access(
    reach={Role.CITY_STAFF.value: Reach.ANY, Role.ADMIN.value: Reach.ANY}, audited=True, purpose="review"
)
"""Verifying or rejecting a proof: city staff and admins, recorded with the reason."""

ADMIN_AUDITED = Access(reach={Role.ADMIN.value: Reach.ANY}, audited=True, purpose="admin")
"""Admin actions on other people's objects; the reason is recorded."""
