"""Polls one GBFS system: discovery, per-feed ``ttl``, conditional requests, last good snapshot.

:meth:`GbfsClient.load` returns a feed parsed by the given parser. A feed is fetched
again only after its ``ttl``; with ETag/Last-Modified validators the server may answer
304. When a refresh fails (network, HTTP error, malformed document) the failure is
logged with provider, file and field, and the last good parsed value is served marked
``stale`` until it is ``max_stale_s`` past its ``ttl``; after that it is dropped and the
failure raised. A document whose own ``last_updated`` is older than that is served but
marked stale too (a frozen feed is as bad as none for availability).

With a :class:`~routing.shared_fetch.SharedFetch` (``share_through``; Redis in a deployment
of several hosts), a feed is fetched once per its ``ttl`` (at least ``MIN_SHARED_TTL_S``) for
every worker and host, and the others parse that copy; requests are then unconditional.

When the discovery file lists ``gbfs_versions``, the client moves (once) to the newest version it
reads that the operator offers, if that is newer than the configured one.

A feed is never refreshed more often than ``min_refresh_s``, nor, when its fetch and
parse took more than ``EXPENSIVE_S``, more often than ``COST_FACTOR`` times that: a 300,000-station
``station_information.json`` with ``ttl`` 0 that takes 10 s to parse is parsed again
after 100 s at the earliest, not on every call. Inside :func:`serving_from_cache`
(what the API's request path uses) ``load`` answers from any copy it has and never goes
to the network for it; the app's background refresher keeps the copies current.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from providers.errors import FeedError, ProviderError
from providers.gbfs._fields import FeedPlace
from providers.gbfs.feeds import Envelope, parse_discovery, parse_envelope
from providers.gbfs.opening import newest_supported, parse_gbfs_versions, version_key
from providers.http import Fetched, HttpClient
from routing.shared_fetch import SharedDocument, SharedFetch

log = logging.getLogger(__name__)

T = TypeVar("T")
Parser = Callable[[Any, FeedPlace], T]

DISCOVERY = "gbfs"
VERSIONS = "gbfs_versions"
COST_FACTOR = 10.0
"""An expensive feed is refreshed at most once per this many times its last fetch-and-parse time."""
EXPENSIVE_S = 0.25
MIN_SHARED_TTL_S = 1.0
"""A shared copy of a feed with ``ttl`` 0 is reused this long, so workers asking together fetch once."""
"""A fetch and parse taking longer than this makes a feed expensive; cheaper ones follow their ``ttl``."""

_from_cache: ContextVar[bool] = ContextVar("gbfs_from_cache", default=False)


@contextlib.contextmanager
def serving_from_cache() -> Iterator[None]:
    """In this block, feeds with a copy in memory are answered from it without a refresh (stale or not)."""
    token = _from_cache.set(True)
    try:
        yield
    finally:
        _from_cache.reset(token)


@dataclass(frozen=True)
class Loaded(Generic[T]):
    """A parsed feed and how current it is."""

    value: T
    fetched_at: datetime
    last_updated: datetime
    stale: bool


@dataclass
class _Entry:
    value: Any
    envelope: Envelope
    fetched_at: float  # epoch seconds of the last successful fetch (200 or 304)
    etag: str | None
    last_modified: str | None
    cost_s: float = 0.0  # how long the last fetch and parse took
    failed: bool = False  # the last refresh failed (the value is the last good one)

    def fresh_until(self, min_refresh_s: float) -> float:
        """Epoch seconds until which the copy is not refreshed."""
        backoff = COST_FACTOR * self.cost_s if self.cost_s >= EXPENSIVE_S else 0.0
        return self.fetched_at + max(self.envelope.ttl_s, min_refresh_s, backoff)


class GbfsClient:
    """The feeds of one GBFS system, starting from its ``gbfs.json`` (2.x or 3.0)."""

    def __init__(
        self,
        provider: str,
        discovery_url: str,
        http: HttpClient,
        *,
        language: str = "",
        max_stale_s: float = 300.0,
        min_refresh_s: float = 0.0,
        clock: Callable[[], float] = time.time,
        timer: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.provider = provider
        self.discovery_url = discovery_url
        self.language = language
        self.max_stale_s = max_stale_s
        self.min_refresh_s = min_refresh_s
        self._timer = timer
        self._http = http
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.RLock()  # feed URLs come from the discovery feed, loaded inside load()
        self._pid = os.getpid()
        self._version_chosen = False
        self._shared: SharedFetch | None = None

    def share_through(self, shared: SharedFetch) -> None:
        """Fetch every feed through ``shared`` from now on (once per ``ttl`` for all its users)."""
        self._shared = shared

    def _held_lock(self) -> threading.RLock:
        """The refresh lock; a forked process gets a new one.

        A thread of the parent (a background refresher) may have held the lock at the fork;
        that thread does not exist in the child, so the copied lock would never be released.
        """
        if os.getpid() != self._pid:
            self._lock, self._pid = threading.RLock(), os.getpid()
        return self._lock

    def feed_names(self) -> dict[str, str]:
        """URLs by feed name from the discovery file (of the newest version we read, see :meth:`_choose_version`)."""
        urls = self._discovery()
        if not self._version_chosen:
            self._version_chosen = True
            if self._choose_version(urls):
                urls = self._discovery()
        return urls

    def _discovery(self) -> dict[str, str]:
        return self.load(
            DISCOVERY, lambda document, place: parse_discovery(document, place, language=self.language)
        ).value

    def _choose_version(self, urls: dict[str, str]) -> bool:
        """Move to the newest supported version ``gbfs_versions`` offers when it is newer than this one.

        Returns whether the discovery URL changed. A ``gbfs_versions`` feed that fails keeps
        the version configured (logged).
        """
        if VERSIONS not in urls:
            return False
        current = self._entries[DISCOVERY].envelope.version
        try:
            offered = self.load(VERSIONS, parse_gbfs_versions).value
        except ProviderError as exc:
            log.warning("GBFS versions feed failed", extra={"provider": self.provider, "problem": str(exc)})
            return False
        chosen = newest_supported(offered)
        if chosen is None or version_key(chosen[0]) <= version_key(current) or chosen[1] == self.discovery_url:
            return False
        log.info(
            "GBFS system offers a newer version",
            extra={"provider": self.provider, "from_version": current, "to_version": chosen[0], "url": chosen[1]},
        )
        with self._held_lock():
            self.discovery_url = chosen[1]
            self._entries.clear()
        return True

    def has(self, feed: str) -> bool:
        """The system publishes ``feed``."""
        return feed in self.feed_names()

    def load(self, feed: str, parse: Parser[T]) -> Loaded[T]:
        """``feed`` parsed by ``parse``: fresh, refreshed, or the last good copy marked stale.

        Raises
        ------
        ProviderError
            The feed is not in the discovery file, or it failed and no usable copy is left.
        """
        cached = self._entries.get(feed)
        if cached is not None and _from_cache.get():
            return self._loaded(cached, self._clock(), refreshed_ok=not cached.failed)
        with self._held_lock():
            entry = self._entries.get(feed)
            now = self._clock()
            if entry is not None and now < entry.fresh_until(self.min_refresh_s):
                return self._loaded(entry, now, refreshed_ok=not entry.failed)
            started = self._timer()
            try:
                entry = self._refresh(feed, parse, entry, now)
            except ProviderError as exc:
                return self._fallback(feed, entry, now, exc)
            entry.cost_s = self._timer() - started
            self._entries[feed] = entry
            return self._loaded(entry, now, refreshed_ok=True)

    def _refresh(self, feed: str, parse: Parser[Any], entry: _Entry | None, now: float) -> _Entry:
        url = self.discovery_url if feed == DISCOVERY else self._url(feed)
        if self._shared is not None:
            fetched, now = self._fetch_shared(url, feed)
        else:
            fetched = self._http.get_json(
                url,
                feed,
                etag=entry.etag if entry else None,
                last_modified=entry.last_modified if entry else None,
            )
        if fetched.document is None and entry is not None:  # 304 Not Modified
            return _Entry(entry.value, entry.envelope, now, entry.etag, entry.last_modified)
        if fetched.document is None:
            raise FeedError(self.provider, feed, "", "the server answered 304 to an unconditional request")
        place = FeedPlace(self.provider, feed)
        envelope = parse_envelope(fetched.document, place)
        value = parse(fetched.document, place)
        return _Entry(value, envelope, now, fetched.etag, fetched.last_modified)

    def _fetch_shared(self, url: str, feed: str) -> tuple[Fetched, float]:
        """``url`` through the shared store: the document and when it was fetched (by whichever process)."""
        assert self._shared is not None

        def fetch() -> SharedDocument:
            fetched = self._http.get_json(url, feed)
            body = {"document": fetched.document, "etag": fetched.etag, "last_modified": fetched.last_modified}
            return SharedDocument(
                body=json.dumps(body).encode(),
                fetched_at=self._clock(),
                ttl_s=max(_declared_ttl_s(fetched.document), self.min_refresh_s, MIN_SHARED_TTL_S),
            )

        shared = self._shared.fetch_once(f"gbfs:{self.provider}:{url}", fetch)
        body = json.loads(shared.body)
        return Fetched(body["document"], body["etag"], body["last_modified"]), min(shared.fetched_at, self._clock())

    def _url(self, feed: str) -> str:
        urls = self.feed_names()
        if feed not in urls:
            msg = f"the system publishes no {feed} feed (it has: {', '.join(sorted(urls))})"
            raise FeedError(self.provider, feed, "", msg)
        return urls[feed]

    def _fallback(self, feed: str, entry: _Entry | None, now: float, error: ProviderError) -> Loaded[Any]:
        log.warning(
            "GBFS feed refresh failed",
            extra={
                "provider": self.provider,
                "feed": feed,
                "field": getattr(error, "field", ""),
                "problem": str(error),
                "has_last_good": entry is not None,
            },
        )
        if entry is None or now > entry.fetched_at + entry.envelope.ttl_s + self.max_stale_s:
            self._entries.pop(feed, None)
            raise error
        entry.failed = True
        return self._loaded(entry, now, refreshed_ok=False)

    def _loaded(self, entry: _Entry, now: float, *, refreshed_ok: bool) -> Loaded[Any]:
        frozen = now > entry.envelope.last_updated.timestamp() + entry.envelope.ttl_s + self.max_stale_s
        return Loaded(
            value=entry.value,
            fetched_at=datetime.fromtimestamp(entry.fetched_at, UTC),
            last_updated=entry.envelope.last_updated,
            stale=frozen or not refreshed_ok,
        )


def _declared_ttl_s(document: object) -> float:
    """The ``ttl`` a GBFS document declares (0 when it declares none or nonsense; the parser reports that)."""
    ttl = document.get("ttl") if isinstance(document, dict) else None
    return float(ttl) if isinstance(ttl, int | float) and not isinstance(ttl, bool) and ttl > 0 else 0.0
