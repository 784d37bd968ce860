"""SQLAlchemy 2 typed models, one module per aggregate.

Importing this package registers every model on :data:`Base.metadata`, which Alembic
compares against the migrations.
"""

from app.models.base import Base, TimestampMixin, utc_now
from app.models.user import Role, User

__all__ = ["Base", "Role", "TimestampMixin", "User", "utc_now"]
