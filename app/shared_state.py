"""State shared by every worker on every host through Redis (optional: ``MOBILITY_REDIS_URL``).

- :class:`RedisSharedFetch`: a GBFS or GTFS-Realtime document is fetched once per its
  time-to-live for all workers and hosts; one fetcher holds a Redis lock, the others wait
  for its copy (at most ``wait_s``, then fetch themselves rather than serve nothing).
- :class:`TokenLocks`: the one way every lock holder takes, renews and gives up a lock
  owned by a random token (:meth:`~TokenLocks.release_if_ours` and
  :meth:`~TokenLocks.renew_if_ours` compare the token and act in one step, so a holder whose
  lease ran out never deletes or extends the lock someone else took since). In Redis
  (:class:`RedisTokenLocks`) each is one Lua script, atomic on the server; in one process
  (:class:`LocalTokenLocks`) one ``threading.Lock`` makes them atomic. PostgreSQL's
  equivalent is a session advisory lock (:class:`app.leadership.PostgresLease`): its owner
  is the session, so ``pg_advisory_unlock`` only ever frees a lock this session holds.
- Rate limits use flask-limiter's Redis storage (``Settings.resolved_ratelimit_storage``).
- Single leaders (the reconciler) are in :mod:`app.leadership`.

Without ``MOBILITY_REDIS_URL`` each worker keeps its own copies, as on one small host.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Protocol

import redis

from routing.shared_fetch import Fetch, SharedDocument

logger = logging.getLogger(__name__)

__all__ = ["LocalTokenLocks", "RedisSharedFetch", "RedisTokenLocks", "TokenLocks", "redis_client"]

POLL_S = 0.02
"""How often a waiting worker looks for the fetcher's copy."""
LOCK_S = 30.0
"""Longest a fetcher holds the lock (a crashed fetcher's lock expires after this)."""


def redis_client(url: str) -> redis.Redis:
    """A client for ``url`` (``redis://``, ``rediss://`` or ``unix://``) with short timeouts."""
    return redis.Redis.from_url(url, socket_timeout=5.0, socket_connect_timeout=2.0)


class TokenLocks(Protocol):
    """Locks named by a key and owned by a token: whoever knows the token holds the lock until its lease ends."""

    def take(self, key: str, token: str, *, lease_ms: int) -> bool:
        """Take ``key`` for ``token`` for ``lease_ms`` when nobody holds it; whether it was taken."""
        ...

    def renew_if_ours(self, key: str, token: str, *, lease_ms: int) -> bool:
        """Extend the lease to ``lease_ms`` from now when ``token`` still holds ``key``; whether it does."""
        ...

    def release_if_ours(self, key: str, token: str) -> bool:
        """Free ``key`` when ``token`` still holds it (never another holder's lock); whether it was freed."""
        ...


class RedisTokenLocks:
    """:class:`TokenLocks` in Redis: the key holds the token; compare-and-act runs as one server-side Lua script."""

    _RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
    _RENEW = (
        "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"
    )

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client
        self._release = client.register_script(self._RELEASE)
        self._renew = client.register_script(self._RENEW)

    def take(self, key: str, token: str, *, lease_ms: int) -> bool:
        """``SET key token NX PX lease_ms``."""
        return bool(self._redis.set(key, token, nx=True, px=max(1, lease_ms)))

    def renew_if_ours(self, key: str, token: str, *, lease_ms: int) -> bool:
        """Compare-and-``PEXPIRE`` in one script."""
        return bool(self._renew(keys=[key], args=[token, max(1, lease_ms)]))

    def release_if_ours(self, key: str, token: str) -> bool:
        """Compare-and-``DEL`` in one script."""
        return bool(self._release(keys=[key], args=[token]))


class LocalTokenLocks:
    """:class:`TokenLocks` among the threads of one process (one worker, tests); leases end on ``clock``."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._guard = threading.Lock()
        self._held: dict[str, tuple[str, float]] = {}

    def take(self, key: str, token: str, *, lease_ms: int) -> bool:
        """Take ``key`` when it is free or its lease has ended."""
        with self._guard:
            now = self._clock()
            held = self._held.get(key)
            if held is not None and held[1] > now:
                return False
            self._held[key] = (token, now + max(1, lease_ms) / 1000)
            return True

    def renew_if_ours(self, key: str, token: str, *, lease_ms: int) -> bool:
        """Extend the lease when ``token`` holds ``key`` and its lease has not ended."""
        with self._guard:
            now = self._clock()
            if not self._ours(key, token, now):
                return False
            self._held[key] = (token, now + max(1, lease_ms) / 1000)
            return True

    def release_if_ours(self, key: str, token: str) -> bool:
        """Free ``key`` when ``token`` holds it."""
        with self._guard:
            if not self._ours(key, token, self._clock()):
                return False
            del self._held[key]
            return True

    def _ours(self, key: str, token: str, now: float) -> bool:
        held = self._held.get(key)
        return held is not None and held[0] == token and held[1] > now


class RedisSharedFetch:
    """:class:`routing.shared_fetch.SharedFetch` through Redis: ``<prefix>:doc:<key>`` and ``<prefix>:lock:<key>``."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        prefix: str,
        wait_s: float = 5.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._redis = client
        self._locks: TokenLocks = RedisTokenLocks(client)
        self._prefix = prefix
        self._wait_s = wait_s
        self._clock = clock
        self._sleep = sleep

    def fetch_once(self, key: str, fetch: Fetch) -> SharedDocument:
        """See :meth:`routing.shared_fetch.SharedFetch.fetch_once`; Redis errors fall back to fetching."""
        doc_key, lock_key = f"{self._prefix}:doc:{key}", f"{self._prefix}:lock:{key}"
        try:
            stored = self._stored(doc_key)
            if stored is not None:
                return stored
            give_up = self._clock() + self._wait_s
            while True:
                token = uuid.uuid4().hex
                if self._locks.take(lock_key, token, lease_ms=int(LOCK_S * 1000)):
                    try:
                        stored = self._stored(doc_key)  # stored between our look and our lock
                        if stored is not None:
                            return stored
                        document = fetch()
                        self._store(doc_key, document)
                        return document
                    finally:
                        self._locks.release_if_ours(lock_key, token)
                self._sleep(POLL_S)
                stored = self._stored(doc_key)
                if stored is not None:
                    return stored
                if self._clock() > give_up:
                    logger.warning("shared fetch: the fetcher of %s is slow; fetching it here", key)
                    return fetch()
        except redis.RedisError:
            logger.warning("shared fetch: Redis unusable; fetching %s here", key, exc_info=True)
            return fetch()

    def _stored(self, doc_key: str) -> SharedDocument | None:
        raw = self._redis.get(doc_key)
        if raw is None:
            return None
        head, _, body = (raw.encode() if isinstance(raw, str) else raw).partition(b"\n")
        meta = json.loads(head)
        return SharedDocument(body=body, fetched_at=float(meta["fetched_at"]), ttl_s=float(meta["ttl_s"]))

    def _store(self, doc_key: str, document: SharedDocument) -> None:
        left_s = document.fetched_at + document.ttl_s - self._clock()
        if left_s <= 0:
            return
        head = json.dumps({"fetched_at": document.fetched_at, "ttl_s": document.ttl_s}).encode()
        self._redis.set(doc_key, head + b"\n" + document.body, px=max(1, int(left_s * 1000)))
