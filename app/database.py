"""The database: schema migrations with Alembic, and SQLite made safe for concurrent writers."""

from __future__ import annotations

import logging
import random
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, Response
from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

MIGRATIONS_PATH = Path(__file__).parent / "migrations"
log = logging.getLogger(__name__)


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


# SQLite under concurrent writers ---------------------------------------------------------------

SQLITE_BUSY_TIMEOUT_S = 15.0
"""How long one SQLite statement waits for another connection's write lock before it fails."""
WRITE_LOCK_ATTEMPTS = 4
"""Attempts to take the write lock before a unit of work gives up with :class:`DatabaseBusy`."""


class DatabaseBusy(RuntimeError):
    """The embedded database stayed locked by other writers through every retry; try again later."""

    def __init__(self, attempts: int, waited_s: float) -> None:
        self.attempts = attempts
        self.waited_s = waited_s
        super().__init__(f"the database stayed locked by other writers ({attempts} attempts over {waited_s:.1f} s)")


def is_lock_error(error: BaseException) -> bool:
    """Whether ``error`` (a DBAPI error or SQLAlchemy's wrapper of one) is SQLite's "database is locked/busy"."""
    original = getattr(error, "orig", error)
    return isinstance(original, sqlite3.OperationalError) and (
        "locked" in str(original).lower() or "busy" in str(original).lower()
    )


def configure_sqlite(engine: Engine, *, busy_timeout_s: float = SQLITE_BUSY_TIMEOUT_S) -> None:
    """Make a SQLite engine fit for concurrent requests; other databases are left alone.

    Every new connection switches to write-ahead logging (readers never block the writer
    and the writer never waits for readers), waits ``busy_timeout_s`` for a lock instead of
    failing at once, and syncs at transaction boundaries only (``synchronous=NORMAL``, safe
    with WAL). Before a session's first flush in a transaction the write lock is taken
    with ``BEGIN IMMEDIATE`` (see :func:`take_write_lock`), so a unit of work either gets
    the lock before it writes anything or fails cleanly with :class:`DatabaseBusy`;
    it never fails half way with "database is locked".
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
            if engine.url.database not in (None, "", ":memory:"):
                if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":  # switching needs the lock once
                    cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()


def install_write_lock(session_factory: Any) -> None:
    """Take SQLite's write lock (with bounded retries) before the first flush of every transaction.

    ``session_factory`` is a :class:`~sqlalchemy.orm.Session` class, sessionmaker or
    scoped session the listener is attached to (once, however often this is called).
    """
    if not event.contains(session_factory, "before_flush", _before_flush):
        event.listen(session_factory, "before_flush", _before_flush)


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    take_write_lock(session)


def take_write_lock(
    session: Session,
    *,
    attempts: int = WRITE_LOCK_ATTEMPTS,
    pause_s: float = 0.05,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Start the session's SQLite transaction as a writer (``BEGIN IMMEDIATE``), retrying while locked.

    A no-op for other databases and when the connection is already in a write
    transaction. Nothing of the unit of work has been written when the lock is refused,
    so retrying loses nothing.

    Raises
    ------
    DatabaseBusy
        The lock stayed taken through ``attempts`` tries (each waiting the busy timeout).
    """
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        return
    raw = session.connection().connection.dbapi_connection
    if raw is None or raw.in_transaction:
        return
    started = time.monotonic()
    for attempt in range(1, attempts + 1):
        try:
            raw.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if not is_lock_error(exc) or attempt == attempts:
                if is_lock_error(exc):
                    raise DatabaseBusy(attempts, time.monotonic() - started) from exc
                raise
            log.warning("database locked, retrying", extra={"attempt": attempt, "problem": str(exc)})
            sleep(pause_s * 2 ** (attempt - 1) * (0.5 + random.random()))


T = TypeVar("T")


def retry_on_lock(
    session: Session,
    work: Callable[[], T],
    *,
    attempts: int = WRITE_LOCK_ATTEMPTS,
    pause_s: float = 0.05,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run the unit of work ``work`` (which commits), rolling back and running it again when the database is locked.

    For a unit of work that reads, writes and commits in one go; ``work`` must be safe to
    run again after a rollback (it rebuilds its changes from what it reads).

    Raises
    ------
    DatabaseBusy
        Still locked after ``attempts`` runs.
    """
    started = time.monotonic()
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except (OperationalError, DatabaseBusy) as exc:
            session.rollback()
            if isinstance(exc, OperationalError) and not is_lock_error(exc):
                raise
            if attempt == attempts:
                raise DatabaseBusy(attempts, time.monotonic() - started) from exc
            sleep(pause_s * 2 ** (attempt - 1) * (0.5 + random.random()))
    raise AssertionError("unreachable")  # pragma: no cover


def register_busy_handler(app: Flask) -> None:
    """Answer :class:`DatabaseBusy` with 503 problem+json and ``Retry-After`` (the unit of work wrote nothing)."""
    from app.errors import ServiceUnavailable, problem_response

    @app.errorhandler(DatabaseBusy)
    def _busy(error: DatabaseBusy) -> Response:
        extension = app.extensions.get("sqlalchemy")
        if extension is not None:
            extension.session.rollback()
        log.warning("database busy", extra={"attempts": error.attempts, "waited_s": round(error.waited_s, 2)})
        return problem_response(
            status=ServiceUnavailable.status,
            slug="database-busy",
            title="Database busy",
            detail="the database is busy with other bookings; nothing was changed, try again in a moment",
            headers={"Retry-After": "2"},
        )
