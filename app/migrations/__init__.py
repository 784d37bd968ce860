"""Alembic migrations of the application database (run by ``mobility db upgrade``)."""
