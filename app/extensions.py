"""Extensions, created unbound here and bound to an application in :func:`app.create_app`."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import Session

from app.models.base import Base

db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})

limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)
"""Rate limits of sign-in and registration (storage from ``MOBILITY_RATELIMIT_STORAGE``)."""


def orm_session() -> Session:
    """The current database session itself (what ``db.session`` proxies), typed for the layers below the API."""
    return db.session()
