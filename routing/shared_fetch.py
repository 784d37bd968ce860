"""Fetching a remote document once for every process that needs it.

Several gunicorn workers, on several hosts, each poll the same GBFS feeds and GTFS-Realtime
feeds. A :class:`SharedFetch` lets them agree that one of them fetches a document per
time-to-live and the others read that copy. The in-process :class:`LocalFetch` shares
nothing (one host, one worker, tests); ``app.shared_state.RedisSharedFetch`` shares through
Redis. This module holds only the contract, so the routing and provider layers can take
either without knowing about Redis.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

__all__ = ["Fetch", "LocalFetch", "SharedDocument", "SharedFetch"]


@dataclass(frozen=True)
class SharedDocument:
    """A fetched document, when it was fetched (Unix time) and how long it may be reused."""

    body: bytes
    fetched_at: float
    ttl_s: float


Fetch = Callable[[], SharedDocument]
"""Fetches the document now (raises what the fetch raises)."""


class SharedFetch(Protocol):
    """Fetch ``key`` at most once per time-to-live across every process sharing the store."""

    def fetch_once(self, key: str, fetch: Fetch) -> SharedDocument:
        """The stored copy of ``key`` while it is within its time-to-live, else a fresh one.

        Exactly one caller at a time runs ``fetch`` for ``key``; the others wait (briefly) for
        its result. An exception from ``fetch`` reaches the caller that ran it; nothing is stored.
        """
        ...


class LocalFetch:
    """No sharing: every call fetches."""

    def fetch_once(self, key: str, fetch: Fetch) -> SharedDocument:
        """Run ``fetch``."""
        return fetch()
