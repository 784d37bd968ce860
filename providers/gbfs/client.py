"""Polls one GBFS system: discovery, per-feed ``ttl``, conditional requests, last good snapshot.

:meth:`GbfsClient.load` returns a feed parsed by the given parser. A feed is fetched
again only after its ``ttl``; with ETag/Last-Modified validators the server may answer
304. When a refresh fails (network, HTTP error, malformed document) the failure is
logged with provider, file and field, and the last good parsed value is served marked
``stale`` until it is ``max_stale_s`` past its ``ttl``; after that it is dropped and the
failure raised. A document whose own ``last_updated`` is older than that is served but
marked stale too (a frozen feed is as bad as none for availability).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from providers.errors import FeedError, ProviderError
from providers.gbfs._fields import FeedPlace
from providers.gbfs.feeds import Envelope, parse_discovery, parse_envelope
from providers.http import HttpClient

log = logging.getLogger(__name__)

T = TypeVar("T")
Parser = Callable[[Any, FeedPlace], T]

DISCOVERY = "gbfs"


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
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.provider = provider
        self.discovery_url = discovery_url
        self.language = language
        self.max_stale_s = max_stale_s
        self._http = http
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.RLock()  # feed URLs come from the discovery feed, loaded inside load()

    def feed_names(self) -> dict[str, str]:
        """URLs by feed name from the discovery file."""
        return self.load(
            DISCOVERY, lambda document, place: parse_discovery(document, place, language=self.language)
        ).value

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
        with self._lock:
            entry = self._entries.get(feed)
            now = self._clock()
            if entry is not None and now < entry.fetched_at + entry.envelope.ttl_s:
                return self._loaded(entry, now, refreshed_ok=True)
            try:
                entry = self._refresh(feed, parse, entry, now)
            except ProviderError as exc:
                return self._fallback(feed, entry, now, exc)
            self._entries[feed] = entry
            return self._loaded(entry, now, refreshed_ok=True)

    def _refresh(self, feed: str, parse: Parser[Any], entry: _Entry | None, now: float) -> _Entry:
        url = self.discovery_url if feed == DISCOVERY else self._url(feed)
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
        return self._loaded(entry, now, refreshed_ok=False)

    def _loaded(self, entry: _Entry, now: float, *, refreshed_ok: bool) -> Loaded[Any]:
        frozen = now > entry.envelope.last_updated.timestamp() + entry.envelope.ttl_s + self.max_stale_s
        return Loaded(
            value=entry.value,
            fetched_at=datetime.fromtimestamp(entry.fetched_at, UTC),
            last_updated=entry.envelope.last_updated,
            stale=frozen or not refreshed_ok,
        )
