"""A user's customer at the payment gateway, created once and recorded."""

from __future__ import annotations

import hashlib

from sqlalchemy.orm import Session

from app.models import GatewayCustomer, User
from app.payments import ledger
from app.payments.gateway import PaymentGateway


def holder_pseudonym(secret_key: str, user_id: int) -> str:
    """A stable pseudonym of a user for records that outlive the account."""
    return hashlib.sha256(f"{secret_key}:holder:{user_id}".encode()).hexdigest()


def gateway_customer(db: Session, gateway: PaymentGateway, secret_key: str, user: User) -> str:
    """The user's customer id at ``gateway`` (created at the gateway the first time)."""
    link = db.get(GatewayCustomer, (user.id, gateway.name))
    if link is not None:
        return link.customer_id
    user_id, email = user.id, user.email
    customer = ledger.once(
        db,
        f"user:{user_id}:{gateway.name}:customer",
        {"user": user_id},
        lambda: gateway.ensure_customer(
            reference=holder_pseudonym(secret_key, user_id), email=email, idempotency_key=f"user:{user_id}:customer"
        ),
    )
    assert isinstance(customer, str)
    db.add(GatewayCustomer(user_id=user_id, gateway=gateway.name, customer_id=customer))
    db.commit()
    return customer
