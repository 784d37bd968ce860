"""Schema migrations with Alembic: upgrade, and whether a database is current."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS_PATH = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    """Return an Alembic configuration for ``engine`` (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_PATH))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def upgrade_database(engine: Engine, revision: str = "head") -> None:
    """Migrate the database behind ``engine`` to ``revision``."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def head_revision() -> str:
    """Return the newest migration revision shipped with the code."""
    script = ScriptDirectory.from_config(alembic_config_for_scripts())
    head = script.get_current_head()
    if head is None:  # pragma: no cover - the package always ships migrations
        msg = "no migrations found"
        raise RuntimeError(msg)
    return head


def alembic_config_for_scripts() -> Config:
    """Return an Alembic configuration that only reads the migration scripts."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_PATH))
    return config


def current_revision(engine: Engine) -> str | None:
    """Return the revision the database behind ``engine`` is at (None when unmigrated)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
