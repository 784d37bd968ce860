"""HTTP for adapters: total-time limits, retries with exponential backoff, conditional GETs, typed errors.

One :class:`HttpClient` per adapter instance wraps a :class:`requests.Session`. Every
failure leaves as a :class:`~providers.errors.ProviderError` subclass naming the
provider and URL; ``requests`` exceptions never escape.

Time is limited per call, not per socket read: ``timeout_s`` bounds one attempt from
connecting to the last byte of the body (a server trickling one byte a second cannot
stretch it), and a *deadline* (a :func:`time.monotonic` instant) bounds the whole call
with its retries. The deadline is given per call or, for adapters that cannot pass it
through the provider interface, set for a block of code with :func:`call_deadline`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import requests

from providers.errors import FeedError, ProviderUnavailable

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
READ_CHUNK_BYTES = 64 * 1024
MIN_ATTEMPT_S = 0.05
"""An attempt with less time than this left is not started."""

_deadline: ContextVar[float | None] = ContextVar("provider_call_deadline", default=None)


@contextlib.contextmanager
def call_deadline(deadline: float | None) -> Iterator[None]:
    """Limit every provider HTTP call made in this block (this thread or task) to finish by ``deadline``.

    Parameters
    ----------
    deadline
        A :func:`time.monotonic` instant; ``None`` lifts an outer limit for the block.
    """
    token = _deadline.set(deadline)
    try:
        yield
    finally:
        _deadline.reset(token)


def current_deadline() -> float | None:
    """The deadline set by the innermost :func:`call_deadline` block (``None``: none)."""
    return _deadline.get()


class _Overdue(Exception):
    """The body did not arrive completely in the attempt's time."""


@dataclass(frozen=True)
class HttpSettings:
    """Network behaviour of one adapter instance (from its configuration)."""

    timeout_s: float = 5.0
    retries: int = 2  # extra attempts after the first, for timeouts, connection errors and 429/5xx
    backoff_s: float = 0.25  # first pause; doubles each retry
    user_agent: str = "kassel-mobility (+https://github.com/kassel-mobility)"
    max_body_bytes: int = 64 << 20  # a larger answer is refused while it streams in, never held whole


@dataclass(frozen=True)
class Fetched:
    """A JSON document (``None`` when the server answered 304 Not Modified) and its validators."""

    document: Any
    etag: str | None
    last_modified: str | None


class HttpClient:
    """Requests with the instance's timeouts and retry policy."""

    def __init__(
        self,
        provider: str,
        settings: HttpSettings,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.provider = provider
        self.settings = settings
        self._session = session or requests.Session()
        self._session.headers.setdefault("User-Agent", settings.user_agent)
        self._sleep = sleep
        self._clock = clock

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        body: Any = None,
        retry: bool = True,
        deadline: float | None = None,
    ) -> requests.Response:
        """Send one request, retrying transient failures; any response < 500 (and not 429) is returned.

        ``retry=False`` for requests that are not idempotent and carry no idempotency key.
        The returned response's body has been read completely within the time limits.

        Parameters
        ----------
        deadline
            A :func:`time.monotonic` instant by which the call, retries included, is over;
            ``None``: the enclosing :func:`call_deadline`, if any.

        Raises
        ------
        ProviderUnavailable
            No usable answer in time (the message says how long was allowed).
        """
        limit = deadline if deadline is not None else _deadline.get()
        attempts = 1 + (self.settings.retries if retry else 0)
        problem = ""
        tried = 0
        for attempt in range(attempts):
            if attempt:
                pause = self.settings.backoff_s * 2 ** (attempt - 1)
                if limit is not None and self._clock() + pause + MIN_ATTEMPT_S > limit:
                    break
                self._sleep(pause)
            now = self._clock()
            allowed = self.settings.timeout_s if limit is None else min(self.settings.timeout_s, limit - now)
            if allowed < MIN_ATTEMPT_S:
                problem = problem or "the request's time budget was used up before the call"
                break
            tried += 1
            try:
                response = self._session.request(
                    method,
                    url,
                    headers=headers,
                    json=body,
                    timeout=allowed,
                    stream=True,
                )
                _read_body(
                    response,
                    now + allowed,
                    self._clock,
                    limit=self.settings.max_body_bytes,
                    provider=self.provider,
                    what=f"{method} {url}",
                )
            except (requests.Timeout, _Overdue):
                problem = f"no answer within {allowed:g} s"
            except requests.RequestException as exc:
                problem = f"cannot connect ({type(exc).__name__})"
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response
                problem = f"HTTP {response.status_code}"
            log.info(
                "provider request failed",
                extra={"provider": self.provider, "url": url, "problem": problem, "attempt": attempt + 1},
            )
        raise ProviderUnavailable(self.provider, f"{method} {url}: {problem} after {tried} attempt(s)")

    def get_json(
        self,
        url: str,
        feed: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        deadline: float | None = None,
    ) -> Fetched:
        """GET a JSON document, conditionally when validators from the last fetch are given.

        ``deadline`` limits the call as in :meth:`request`.
        """
        headers = {"Accept": "application/json"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        response = self.request("GET", url, headers=headers, deadline=deadline)
        if response.status_code == 304:
            return Fetched(None, etag, last_modified)
        if response.status_code != 200:
            raise ProviderUnavailable(self.provider, f"GET {url}: HTTP {response.status_code}")
        return Fetched(
            decode_json(response, self.provider, feed),
            response.headers.get("ETag"),
            response.headers.get("Last-Modified"),
        )


def _read_body(
    response: requests.Response,
    until: float,
    clock: Callable[[], float],
    *,
    limit: int,
    provider: str,
    what: str,
) -> None:
    """Read the streamed body into ``response`` (so ``.content`` works), giving up at ``until``.

    Each socket read is bounded by the timeout the request was sent with; between reads
    the clock is checked, so a server sending a byte at a time is cut off at ``until``.
    A body above ``limit`` bytes (by ``Content-Length`` or as it arrives) is refused before
    more of it is held in memory.

    Raises
    ------
    FeedError
        The body is larger than ``limit``.
    """
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        response.close()
        raise FeedError(provider, what, "", f"the answer is {declared} bytes; the limit is {limit}")
    if response._content_consumed:  # a response hook (they run first) has read the body already
        if len(response.content) > limit:
            raise FeedError(provider, what, "", f"the answer is larger than {limit} bytes; refused")
        return
    chunks: list[bytes] = []
    size = 0
    try:
        while True:
            if clock() > until:
                raise _Overdue
            chunk = response.raw.read1(READ_CHUNK_BYTES, decode_content=True)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                raise FeedError(provider, what, "", f"the answer is larger than {limit} bytes; refused")
            chunks.append(chunk)
    except (_Overdue, FeedError):
        response.close()
        raise
    except Exception as exc:  # urllib3's read errors (timeouts, resets) as requests' own
        response.close()
        if "timed out" in str(exc).lower() or "timeout" in type(exc).__name__.lower():
            raise requests.Timeout(str(exc)) from exc
        raise requests.ConnectionError(str(exc)) from exc
    response._content = b"".join(chunks)
    response._content_consumed = True
    response.close()


def decode_json(response: requests.Response, provider: str, feed: str) -> Any:
    """The JSON body, or :class:`FeedError` saying it is not JSON."""
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FeedError(provider, feed, "", f"the body is not valid JSON ({exc})") from exc
