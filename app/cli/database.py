"""``mobility db``: database migrations (Alembic) and the current revision."""

from __future__ import annotations

import click

from app.cli.common import cli_settings


@click.group()
def db() -> None:
    """Database schema migrations."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Migrate the configured database to REVISION."""
    from sqlalchemy import create_engine

    from app.database import upgrade_database

    settings = cli_settings()
    engine = create_engine(settings.resolved_database_url)
    upgrade_database(engine, revision)
    click.echo(f"database at {revision}")


@db.command("current")
def db_current() -> None:
    """Print the configured database's revision and the code's head revision."""
    from sqlalchemy import create_engine

    from app.database import current_revision, head_revision

    engine = create_engine(cli_settings().resolved_database_url)
    click.echo(f"database {current_revision(engine)}; code head {head_revision()}")
