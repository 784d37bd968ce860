"""Keeping real-time overlays fresh: one feed URL's newest good overlay, and a poller over every source.

:class:`RealtimeFeed` holds the newest good overlay of one feed URL: a broken or
unreadable feed is logged and ignored, and an overlay older than its TTL is dropped, so
real-time problems never break planning. :class:`RealtimePoller` polls every configured
source (of any kind) with the same rules and applies the merged overlay.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from routing.shared_fetch import SharedDocument, SharedFetch
from routing.transit.realtime import RealtimeFeedError, RealtimeOverlay, TripLocator, merge_overlays
from routing.transit.realtime_parse import FeedKind, parse_feed

logger = logging.getLogger(__name__)


def url_fetcher(url: str, *, timeout_s: float = 10.0) -> Callable[[], bytes]:
    """A fetch function for :meth:`RealtimeFeed.refresh` reading ``url`` with requests."""
    import requests

    def fetch() -> bytes:
        response = requests.get(url, timeout=timeout_s)
        response.raise_for_status()
        return response.content

    return fetch


class RealtimeFeed:
    """The newest good overlay of one feed, dropped after ``ttl``.

    ``refresh`` is called by a poller with a function that fetches the feed's bytes;
    failures are logged and the previous overlay stays until it expires.
    """

    def __init__(
        self,
        name: str,
        locator: TripLocator,
        zone: ZoneInfo,
        *,
        feed: str,
        ttl: timedelta,
        kind: FeedKind = "trip_updates",
    ) -> None:
        self.name = name
        self.kind: FeedKind = kind
        self._locator = locator
        self._zone = zone
        self._feed = feed
        self.ttl = ttl
        self._overlay: RealtimeOverlay | None = None
        self._received_at: datetime | None = None

    def refresh(self, fetch: Callable[[], bytes], now: datetime) -> bool:
        """Fetch and parse once; returns whether a new overlay was taken."""
        try:
            data = fetch()
            overlay = parse_feed(self.kind, data, self._locator, self._zone, feed=self._feed, source=self.name)
        except (RealtimeFeedError, OSError) as exc:
            logger.warning(
                "real-time feed unusable; keeping the previous data until it expires",
                extra={"feed": self.name, "error": str(exc)},
            )
            return False
        except Exception as exc:
            logger.warning("real-time feed fetch failed", extra={"feed": self.name, "error": repr(exc)})
            return False
        self._overlay, self._received_at = overlay, now
        if overlay.problems:
            logger.info("real-time feed partly unmatched", extra={"feed": self.name, "problems": overlay.problems[:10]})
        return True

    def current(self, now: datetime) -> RealtimeOverlay | None:
        """The overlay, or None when there is none or it is older than the TTL."""
        if self._overlay is None or self._received_at is None:
            return None
        if now - self._received_at > self.ttl:
            logger.warning(
                "real-time data is stale and ignored",
                extra={"feed": self.name, "received_at": self._received_at.isoformat()},
            )
            return None
        return self._overlay


@dataclass(frozen=True)
class RealtimeSource:
    """One configured GTFS-Realtime URL (TripUpdates, VehiclePositions or ServiceAlerts)."""

    name: str
    url: str
    feed: str
    """The GTFS feed namespace its trip ids belong to."""
    ttl: timedelta = timedelta(minutes=3)
    interval: timedelta = timedelta(seconds=30)
    timeout_s: float = 10.0
    kind: FeedKind = "trip_updates"


class RealtimePoller:
    """Polls configured sources and hands the merged, fresh overlay to ``apply``.

    ``poll_once`` does one round (used by tests and by ``run`` on a background thread);
    a source that fails or goes stale simply drops out of the merged overlay.
    """

    def __init__(
        self,
        sources: list[RealtimeSource],
        locator: TripLocator,
        zone: ZoneInfo,
        apply: Callable[[RealtimeOverlay | None], None],
        *,
        shared: SharedFetch | None = None,
    ) -> None:
        self._sources = sources
        self._shared = shared
        self._feeds = {
            source.name: RealtimeFeed(source.name, locator, zone, feed=source.feed, ttl=source.ttl, kind=source.kind)
            for source in sources
        }
        self._apply = apply
        self._due: dict[str, datetime] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def poll_once(self, now: datetime) -> RealtimeOverlay | None:
        """Refresh every source that is due, then apply the merged overlay of the fresh ones."""
        for source in self._sources:
            if self._due.get(source.name, now) <= now:
                self._feeds[source.name].refresh(self._fetcher(source), now)
                self._due[source.name] = now + source.interval
        fresh = [overlay for feed in self._feeds.values() if (overlay := feed.current(now)) is not None]
        merged = merge_overlays(fresh)
        self._apply(merged)
        return merged

    def _fetcher(self, source: RealtimeSource) -> Callable[[], bytes]:
        """Fetches ``source``'s bytes: itself, or through the shared store once per interval for every worker."""
        fetch = url_fetcher(source.url, timeout_s=source.timeout_s)
        shared = self._shared
        if shared is None:
            return fetch

        def fetch_document() -> SharedDocument:
            return SharedDocument(body=fetch(), fetched_at=time.time(), ttl_s=source.interval.total_seconds())

        return lambda: shared.fetch_once(f"gtfs-rt:{source.url}", fetch_document).body

    def start(self) -> None:
        """Poll on a daemon thread until :meth:`stop`."""
        if self._thread is not None or not self._sources:
            return
        period = min(source.interval for source in self._sources).total_seconds()

        def loop() -> None:
            while not self._stop.is_set():
                self.poll_once(datetime.now(UTC))
                self._stop.wait(period)

        self._thread = threading.Thread(target=loop, name="gtfs-realtime-poller", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop polling (waits for the current round)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
