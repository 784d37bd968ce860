"""State shared by every worker on every host through Redis (optional: ``MOBILITY_REDIS_URL``).

- :class:`RedisSharedFetch`: a GBFS or GTFS-Realtime document is fetched once per its
  time-to-live for all workers and hosts; one fetcher holds a Redis lock, the others wait
  for its copy (at most ``wait_s``, then fetch themselves rather than serve nothing).
- Rate limits use flask-limiter's Redis storage (``Settings.resolved_ratelimit_storage``).
- Single leaders (the reconciler) are in :mod:`app.leadership`.

Without ``MOBILITY_REDIS_URL`` each worker keeps its own copies, as on one small host.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable

import redis

from routing.shared_fetch import Fetch, SharedDocument

logger = logging.getLogger(__name__)

__all__ = ["RedisSharedFetch", "redis_client"]

POLL_S = 0.02
"""How often a waiting worker looks for the fetcher's copy."""
LOCK_S = 30.0
"""Longest a fetcher holds the lock (a crashed fetcher's lock expires after this)."""


def redis_client(url: str) -> redis.Redis:
    """A client for ``url`` (``redis://``, ``rediss://`` or ``unix://``) with short timeouts."""
    return redis.Redis.from_url(url, socket_timeout=5.0, socket_connect_timeout=2.0)


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
                if self._redis.set(lock_key, token, nx=True, px=int(LOCK_S * 1000)):
                    try:
                        stored = self._stored(doc_key)  # stored between our look and our lock
                        if stored is not None:
                            return stored
                        document = fetch()
                        self._store(doc_key, document)
                        return document
                    finally:
                        self._release(lock_key, token)
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

    _RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"

    def _release(self, lock_key: str, token: str) -> None:
        self._redis.eval(self._RELEASE, 1, lock_key, token)
