"""Single leaders across processes and hosts: one reconciler acts at a time.

:class:`Leadership` holds a named lock while this process leads and renews it on every
:meth:`~Leadership.try_lead`. The lock lives where the deployment already shares state:

- PostgreSQL: a session advisory lock (``pg_try_advisory_lock``) on a connection kept open
  while leading; it ends with the connection, so a crashed leader frees it at once;
- else Redis (``MOBILITY_REDIS_URL``): a key with a lease, renewed by the leader and
  expiring ``lease_s`` after a crash;
- else (SQLite, one host): an ``flock`` on a file in the instance folder.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import uuid
from pathlib import Path
from typing import IO, Protocol

import redis
from sqlalchemy import Connection, Engine, text

from app.shared_state import RedisTokenLocks, TokenLocks, redis_client

logger = logging.getLogger(__name__)

__all__ = ["FileLease", "Leadership", "PostgresLease", "RedisLease", "TokenLease", "leadership_for"]


class Lease(Protocol):
    """One way of holding the lock."""

    def try_hold(self) -> bool:
        """Take or renew the lock; whether this process holds it now."""
        ...

    def release(self) -> None:
        """Give it up (no-op when not held)."""
        ...


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for ``name`` (PostgreSQL advisory locks take a bigint)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


class PostgresLease:
    """A session advisory lock on a dedicated connection."""

    def __init__(self, engine: Engine, name: str) -> None:
        self._engine = engine
        self._key = advisory_key(name)
        self._connection: Connection | None = None

    def try_hold(self) -> bool:
        """Whether this process holds the lock (taking it when free)."""
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT 1"))
                return True
            except Exception:  # the connection died, and the lock with it
                logger.warning("leader connection lost", exc_info=True)
                self._drop()
        connection = self._engine.connect()
        held = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}).scalar())
        connection.commit()
        if held:
            self._connection = connection
        else:
            connection.close()
        return held

    def release(self) -> None:
        """Unlock and close the connection."""
        if self._connection is None:
            return
        try:
            self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
            self._connection.commit()
        finally:
            self._drop()

    def _drop(self) -> None:
        if self._connection is not None:
            self._connection.close()
        self._connection = None


class TokenLease:
    """A lock owned by this process's token (:class:`app.shared_state.TokenLocks`), its lease renewed on every call."""

    def __init__(self, locks: TokenLocks, key: str, *, lease_s: float) -> None:
        self._locks = locks
        self._key = key
        self._lease_ms = max(1, int(lease_s * 1000))
        self._token = uuid.uuid4().hex

    def try_hold(self) -> bool:
        """Renew the lease when held, else take the key when free."""
        if self._locks.renew_if_ours(self._key, self._token, lease_ms=self._lease_ms):
            return True
        return self._locks.take(self._key, self._token, lease_ms=self._lease_ms)

    def release(self) -> None:
        """Free the key when it is still ours."""
        self._locks.release_if_ours(self._key, self._token)


class RedisLease(TokenLease):
    """A Redis key holding this process's token, with a lease renewed on every call."""

    def __init__(self, client: redis.Redis, key: str, *, lease_s: float) -> None:
        super().__init__(RedisTokenLocks(client), key, lease_s=lease_s)


class FileLease:
    """An exclusive ``flock`` on a file: leaders among the processes of one host."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._file: IO[bytes] | None = None

    def try_hold(self) -> bool:
        """Whether this process holds the lock (taking it when free)."""
        if self._file is not None:
            return True
        self._path.parent.mkdir(parents=True, exist_ok=True)
        handle = self._path.open("ab")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    def release(self) -> None:
        """Unlock and close the file."""
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


class Leadership:
    """Whether this process is the one leader called ``name``; errors of the store mean 'not leading'."""

    def __init__(self, name: str, lease: Lease) -> None:
        self.name = name
        self._lease = lease

    def try_lead(self) -> bool:
        """Take or renew the lead; False when another process leads or the store cannot be reached."""
        try:
            return self._lease.try_hold()
        except Exception:
            logger.warning("leader lock %s unavailable; not leading this round", self.name, exc_info=True)
            return False

    def release(self) -> None:
        """Step down."""
        try:
            self._lease.release()
        except Exception:
            logger.warning("could not release leader lock %s (it expires by itself)", self.name, exc_info=True)


def leadership_for(
    name: str,
    *,
    engine: Engine,
    redis_url: str | None,
    redis_prefix: str,
    instance_path: Path,
    lease_s: float = 60.0,
) -> Leadership:
    """The leader lock ``name`` in the store the deployment shares (see the module docstring)."""
    if engine.dialect.name == "postgresql":
        return Leadership(name, PostgresLease(engine, f"{redis_prefix}:{name}"))
    if redis_url is not None:
        return Leadership(name, RedisLease(redis_client(redis_url), f"{redis_prefix}:leader:{name}", lease_s=lease_s))
    return Leadership(name, FileLease(instance_path / f"{name}.leader-lock"))
