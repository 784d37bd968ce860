"""The Flask application of kassel-mobility.

:func:`create_app` is the only way to get an application: it takes a
:class:`~app.settings.Settings` object (read from the environment when none is given),
binds the extensions, loads the region read-only and registers the API.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from flask import Flask

from app.settings import Settings, load_or_create_secret_key, settings_from_env

if TYPE_CHECKING:
    from app.payments.gateway import PaymentGateway
    from app.tickets.service import EligibilityVerifier
    from providers.registry import ProviderRegistry

MAX_REQUEST_BYTES = 1 << 20


def create_app(
    settings: Settings | None = None,
    providers: ProviderRegistry | None = None,
    payments: PaymentGateway | None = None,
    verifier: EligibilityVerifier | None = None,
) -> Flask:
    """Create the application.

    Parameters
    ----------
    settings
        All configuration; ``None`` reads ``MOBILITY_*`` environment variables.
    providers
        The sharing operators' adapters; ``None`` builds them from
        ``settings.provider_config`` (credentials from the environment), or none.
    payments
        The payment gateway; ``None``: Stripe with the configured keys, else the offline
        development ledger (refused in production by the settings).
    verifier
        The eligibility verification hook (a city registry); ``None``: staff decide every proof.

    Raises
    ------
    SettingsError
        When the environment holds an invalid setting.
    RegionError
        In production, when the configured region cannot be loaded.
    ProviderConfigError
        When the provider configuration file cannot be read.
    """
    if settings is None:
        settings = settings_from_env(os.environ)
    from app.kernels import KernelWarmUp, use_kernel_cache

    use_kernel_cache(settings.resolved_kernel_cache_path)  # before the routing kernels are defined

    from app.accounts.account_mail import AccountMailer
    from app.api import register_blueprints
    from app.database import configure_sqlite, install_write_lock, register_busy_handler
    from app.deadlines import init_app as init_deadlines
    from app.errors import register_error_handlers
    from app.extensions import db, limiter
    from app.i18n import init_app as init_i18n
    from app.logs import configure_logging, init_request_logging
    from app.payments.factory import gateway_from_settings
    from app.region_holder import RegionHolder
    from app.tickets.service import StaffReview
    from app.tickets.signing import load_or_create_key
    from providers.registry import ProviderRegistry, registry_from_file
    from routing.errors import RegionError

    configure_logging(settings.log_level.value)
    settings.instance_path.mkdir(parents=True, exist_ok=True)

    app = Flask(__name__, instance_path=str(settings.instance_path.resolve()))
    app.config.update(
        SECRET_KEY=load_or_create_secret_key(settings),
        SQLALCHEMY_DATABASE_URI=settings.resolved_database_url,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        JSON_SORT_KEYS=False,
        TESTING=settings.env.value == "testing",
    )
    app.extensions["mobility.settings"] = settings
    app.config["RATELIMIT_STORAGE_URI"] = settings.resolved_ratelimit_storage
    app.config["RATELIMIT_KEY_PREFIX"] = settings.redis_prefix
    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
    install_write_lock(db.session)
    limiter.init_app(app)

    holder = RegionHolder(settings.resolved_region_path, reload_seconds=settings.region_reload_seconds)
    if settings.is_production and holder.error:
        raise RegionError(holder.error)
    app.extensions["mobility.region"] = holder
    if providers is None:
        providers = (
            ProviderRegistry()
            if settings.provider_config is None
            else registry_from_file(settings.provider_config, os.environ)
        )
    app.extensions["mobility.providers"] = providers
    if settings.redis_url is not None:
        from app.shared_state import RedisSharedFetch, redis_client
        from providers.shared_feeds import share_feeds

        shared = RedisSharedFetch(redis_client(settings.redis_url), prefix=settings.redis_prefix)
        app.extensions["mobility.shared_fetch"] = shared
        share_feeds(providers.providers, shared)
    app.extensions["mobility.payments"] = payments or gateway_from_settings(settings, app.config["SECRET_KEY"])
    app.extensions["mobility.ticket_key"] = load_or_create_key(
        settings.resolved_ticket_signing_key, create=not settings.is_production
    )
    app.extensions["mobility.eligibility"] = verifier or StaffReview()
    app.extensions["mobility.mailer"] = AccountMailer(settings.smtp)

    init_request_logging(app)
    init_deadlines(app)
    register_error_handlers(app)
    register_busy_handler(app)
    init_i18n(app)
    register_blueprints(app)
    if settings.warm_up:
        warm_up = KernelWarmUp(app)
        app.extensions["mobility.kernels"] = warm_up
        warm_up.start()
    return app
