"""HTTP for adapters: timeouts, retries with exponential backoff, conditional GETs, typed errors.

One :class:`HttpClient` per adapter instance wraps a :class:`requests.Session`. Every
failure leaves as a :class:`~providers.errors.ProviderError` subclass naming the
provider and URL; ``requests`` exceptions never escape.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from providers.errors import FeedError, ProviderUnavailable

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


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
    ) -> None:
        self.provider = provider
        self.settings = settings
        self._session = session or requests.Session()
        self._session.headers.setdefault("User-Agent", settings.user_agent)
        self._sleep = sleep

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        body: Any = None,
        retry: bool = True,
    ) -> requests.Response:
        """Send one request, retrying transient failures; any response < 500 (and not 429) is returned.

        ``retry=False`` for requests that are not idempotent and carry no idempotency key.
        """
        attempts = 1 + (self.settings.retries if retry else 0)
        problem = ""
        for attempt in range(attempts):
            if attempt:
                self._sleep(self.settings.backoff_s * 2 ** (attempt - 1))
            try:
                response = self._session.request(
                    method,
                    url,
                    headers=headers,
                    json=body,
                    timeout=self.settings.timeout_s,
                    stream=True,
                )
                _read_bounded(response, self.provider, f"{method} {url}", self.settings.max_body_bytes)
            except requests.Timeout:
                problem = f"no answer within {self.settings.timeout_s:g} s"
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
        raise ProviderUnavailable(self.provider, f"{method} {url}: {problem} after {attempts} attempt(s)")

    def get_json(self, url: str, feed: str, *, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        """GET a JSON document, conditionally when validators from the last fetch are given."""
        headers = {"Accept": "application/json"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        response = self.request("GET", url, headers=headers)
        if response.status_code == 304:
            return Fetched(None, etag, last_modified)
        if response.status_code != 200:
            raise ProviderUnavailable(self.provider, f"GET {url}: HTTP {response.status_code}")
        return Fetched(
            decode_json(response, self.provider, feed),
            response.headers.get("ETag"),
            response.headers.get("Last-Modified"),
        )


def _read_bounded(response: requests.Response, provider: str, what: str, limit: int) -> None:
    """Read a streamed body into ``response.content``, refusing one above ``limit`` bytes.

    Raises
    ------
    FeedError
        The body (by ``Content-Length`` or as it arrives) is larger than the limit.
    """
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        response.close()
        raise FeedError(provider, what, "", f"the answer is {declared} bytes; the limit is {limit}")
    body = bytearray()
    for chunk in response.iter_content(chunk_size=1 << 16):
        body += chunk
        if len(body) > limit:
            response.close()
            raise FeedError(provider, what, "", f"the answer is larger than {limit} bytes; refused")
    response._content = bytes(body)  # keeps the streamed body readable as .content / .json()


def decode_json(response: requests.Response, provider: str, feed: str) -> Any:
    """The JSON body, or :class:`FeedError` saying it is not JSON."""
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FeedError(provider, feed, "", f"the body is not valid JSON ({exc})") from exc
