"""Migrations create the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask import Flask
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.database import current_revision, head_revision
from app.extensions import db
from app.models import Base
from tests.factories import make_user


def test_database_is_at_head_after_upgrade(app: Flask) -> None:
    with app.app_context():
        assert current_revision(db.engine) == head_revision()


def test_models_match_the_migrations(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_user_email_is_unique(db_session: Session) -> None:
    make_user(db_session, email="anna@example.org")
    with pytest.raises(IntegrityError):
        make_user(db_session, email="anna@example.org")


def test_user_email_must_be_lower_case(db_session: Session) -> None:
    with pytest.raises(IntegrityError):
        make_user(db_session, email="Anna@Example.org")


def test_unknown_role_is_refused(db_session: Session) -> None:
    with pytest.raises(IntegrityError):
        make_user(db_session, role="superuser")
