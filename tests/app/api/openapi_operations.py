"""The operations our OpenAPI document declares, read at collection time to parametrise tests.

The document is generated from the blueprints' declarations, so an application without a
region (and with an in-memory database) already has all of it; tests then run each
operation against their own fully built app.
"""

from __future__ import annotations

import logging
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from app import create_app
from app.api.docs import openapi_document
from app.settings import Environment, LogLevel, Settings

HTTP_METHODS = ("get", "put", "post", "delete", "patch")


@cache
def declared_document() -> dict[str, Any]:
    """The OpenAPI document of an application built without a region."""
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            env=Environment.TESTING,
            instance_path=Path(folder) / "instance",
            database_url="sqlite://",
            region_path=Path(folder) / "no-region",
            log_level=LogLevel.WARNING,
            region_reload_seconds=0,
        )
        logging.disable(logging.ERROR)  # "region not loaded" is the point here, not news
        try:
            application = create_app(settings)
        finally:
            logging.disable(logging.NOTSET)
        with application.app_context():
            return openapi_document(application)


def declared_operations() -> list[tuple[str, str]]:
    """``(METHOD, path)`` of every documented operation, in document order."""
    return [
        (method.upper(), path)
        for path, item in declared_document()["paths"].items()
        for method in item
        if method in HTTP_METHODS
    ]
