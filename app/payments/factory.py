"""The app's payment gateway: Stripe when keys are configured, else the offline development ledger."""

from __future__ import annotations

import hashlib

from app.extensions import db
from app.payments.gateway import PaymentGateway
from app.payments.offline import OfflineGateway
from app.payments.stripe_gateway import StripeGateway
from app.settings import Settings


def gateway_from_settings(settings: Settings, secret_key: str) -> PaymentGateway:
    """Stripe with ``MOBILITY_STRIPE_SECRET_KEY`` (and its webhook secret), else offline.

    Production settings cannot get here without Stripe keys (the settings refuse them).
    """
    if settings.stripe_secret_key:
        return StripeGateway(
            settings.stripe_secret_key,
            webhook_secret=settings.stripe_webhook_secret,
            api_base=settings.stripe_api_base,
        )
    webhook_secret = (
        settings.stripe_webhook_secret or hashlib.sha256(f"{secret_key}:offline-webhooks".encode()).hexdigest()
    )
    return OfflineGateway(db, webhook_secret=webhook_secret)
