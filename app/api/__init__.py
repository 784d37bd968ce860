"""The HTTP API: one blueprint module per resource, mounted under ``/api/v1``.

``service`` (``/health``, ``/ready``) sits at the root for load balancers and probes.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

API_PREFIX = "/api/v1"


class BoundedInt(IntegerConverter):
    """``<int:...>`` path parts limited to the database's INTEGER range (a larger one is 404, not 500)."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        from app.openapi import PATH_INT_MAX

        kwargs.setdefault("max", PATH_INT_MAX)
        super().__init__(url_map, *args, **kwargs)


def register_blueprints(app: Flask) -> None:
    """Register every API blueprint and the docs page on ``app``."""
    from app.api import (
        auth,
        bookings,
        docs,
        geocode,
        me,
        open_data,
        passes,
        payments,
        plan,
        region,
        service,
        stops,
        vehicles,
    )
    from app.open_data import web as open_data_page

    app.url_map.converters["int"] = BoundedInt
    app.register_blueprint(service.blueprint)
    app.register_blueprint(region.blueprint, url_prefix=API_PREFIX)
    app.register_blueprint(stops.blueprint, url_prefix=API_PREFIX)
    app.register_blueprint(geocode.blueprint, url_prefix=API_PREFIX)
    app.register_blueprint(plan.blueprint, url_prefix=API_PREFIX)
    app.register_blueprint(vehicles.blueprint, url_prefix=API_PREFIX)
    app.register_blueprint(auth.blueprint, url_prefix=API_PREFIX)
    app.register_blueprint(me.blueprint, url_prefix=API_PREFIX)
    app.register_blueprint(bookings.blueprint, url_prefix=API_PREFIX)
    app.register_blueprint(payments.blueprint, url_prefix=API_PREFIX)
    app.register_blueprint(passes.blueprint, url_prefix=API_PREFIX)
    app.register_blueprint(open_data.blueprint, url_prefix=API_PREFIX)
    app.register_blueprint(open_data_page.blueprint)
    docs.register(app, api_prefix=API_PREFIX)
