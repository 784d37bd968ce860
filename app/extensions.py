"""Extensions, created unbound here and bound to an application in :func:`app.create_app`."""

from __future__ import annotations

from flask_sqlalchemy import SQLAlchemy

from app.models.base import Base

db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
