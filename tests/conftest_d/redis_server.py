"""The machine's Redis (127.0.0.1:6379 unless ``TEST_REDIS_URL`` says otherwise); tests skip cleanly without it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

__all__ = ["redis_prefix", "redis_url"]


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A Redis that answers, or the test is skipped."""
    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1.0).ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis at {url}: {exc}")
    return url


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test alone; its keys are deleted afterwards."""
    import redis

    prefix = f"test-{uuid.uuid4().hex[:12]}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
