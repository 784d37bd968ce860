"""The HTTP API: one blueprint module per resource, mounted under ``/api/v1``.

``service`` (``/health``, ``/ready``) sits at the root for load balancers and probes.
"""

from __future__ import annotations

from flask import Flask

API_PREFIX = "/api/v1"


def register_blueprints(app: Flask) -> None:
    """Register every API blueprint and the docs page on ``app``."""
    from app.api import auth, bookings, docs, me, passes, payments, plan, region, service, stops, vehicles

    app.register_blueprint(service.blueprint)
    app.register_blueprint(region.blueprint, url_prefix=API_PREFIX)
    app.register_blueprint(stops.blueprint, url_prefix=API_PREFIX)
    app.register_blueprint(plan.blueprint, url_prefix=API_PREFIX)
    app.register_blueprint(vehicles.blueprint, url_prefix=API_PREFIX)
    app.register_blueprint(auth.blueprint, url_prefix=API_PREFIX)
    app.register_blueprint(me.blueprint, url_prefix=API_PREFIX)
    app.register_blueprint(bookings.blueprint, url_prefix=API_PREFIX)
    app.register_blueprint(payments.blueprint, url_prefix=API_PREFIX)
    app.register_blueprint(passes.blueprint, url_prefix=API_PREFIX)
    docs.register(app, api_prefix=API_PREFIX)
