"""Shared state through the machine's Redis and PostgreSQL: one fetch per TTL, one leader."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from app.leadership import FileLease, Leadership, PostgresLease, RedisLease
from app.shared_state import RedisSharedFetch, redis_client
from routing.shared_fetch import SharedDocument


def _counting_fetch(calls: list[float], *, ttl_s: float, pause_s: float = 0.2) -> object:
    def fetch() -> SharedDocument:
        calls.append(time.time())
        time.sleep(pause_s)  # the fetch is slow: everybody else arrives while it runs
        return SharedDocument(body=b'{"n": %d}' % len(calls), fetched_at=time.time(), ttl_s=ttl_s)

    return fetch


def test_sixteen_callers_in_two_processes_fetch_once_per_ttl(redis_url: str, redis_prefix: str) -> None:
    """Two stores (as two hosts would have) on one Redis; 16 threads ask at once: one fetch, one body."""
    hosts = [RedisSharedFetch(redis_client(redis_url), prefix=redis_prefix) for _ in range(2)]
    calls: list[float] = []
    fetch = _counting_fetch(calls, ttl_s=1.5)
    bodies: list[bytes] = []
    start = threading.Barrier(16)

    def ask(host: RedisSharedFetch) -> None:
        start.wait()
        bodies.append(host.fetch_once("gbfs:demo:station_status", fetch).body)  # type: ignore[arg-type]

    threads = [threading.Thread(target=ask, args=(hosts[i % 2],)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert bodies == [b'{"n": 1}'] * 16
    time.sleep(1.6)  # past the TTL: the next caller fetches again, once
    assert hosts[1].fetch_once("gbfs:demo:station_status", fetch).body == b'{"n": 2}'  # type: ignore[arg-type]
    assert hosts[0].fetch_once("gbfs:demo:station_status", fetch).body == b'{"n": 2}'  # type: ignore[arg-type]
    assert len(calls) == 2


def test_a_failed_fetch_stores_nothing_and_reaches_its_caller(redis_url: str, redis_prefix: str) -> None:
    shared = RedisSharedFetch(redis_client(redis_url), prefix=redis_prefix)

    def broken() -> SharedDocument:
        raise OSError("operator down")

    with pytest.raises(OSError, match="operator down"):
        shared.fetch_once("gtfs-rt:x", broken)
    calls: list[float] = []
    assert shared.fetch_once("gtfs-rt:x", _counting_fetch(calls, ttl_s=5, pause_s=0)).body == b'{"n": 1}'  # type: ignore[arg-type]


def test_redis_down_means_fetching_here(redis_prefix: str) -> None:
    shared = RedisSharedFetch(redis_client("redis://127.0.0.1:1/0"), prefix=redis_prefix)
    calls: list[float] = []
    assert shared.fetch_once("k", _counting_fetch(calls, ttl_s=5, pause_s=0)).body == b'{"n": 1}'  # type: ignore[arg-type]


def test_one_redis_leader_until_it_steps_down_or_its_lease_ends(redis_url: str, redis_prefix: str) -> None:
    key = f"{redis_prefix}:leader:reconciler"
    first = Leadership("reconciler", RedisLease(redis_client(redis_url), key, lease_s=0.5))
    second = Leadership("reconciler", RedisLease(redis_client(redis_url), key, lease_s=0.5))
    assert first.try_lead()
    assert not second.try_lead()
    assert first.try_lead()  # renewing
    first.release()
    assert second.try_lead()
    time.sleep(0.7)  # the leader crashed (no renewal): the lease ends
    assert first.try_lead()
    assert not second.try_lead()


def test_one_file_leader_on_one_host(tmp_path: Path) -> None:
    first, second = (Leadership("reconciler", FileLease(tmp_path / "reconciler.lock")) for _ in range(2))
    assert first.try_lead()
    assert not second.try_lead()
    first.release()
    assert second.try_lead()
    second.release()


def test_one_postgres_leader_freed_when_its_connection_ends(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("advisory locks are PostgreSQL's")
    engines = [create_engine(database_url) for _ in range(2)]
    first, second = (PostgresLease(engine, "test:reconciler") for engine in engines)
    try:
        assert first.try_hold()
        assert not second.try_hold()
        assert first.try_hold()
        first.release()
        assert second.try_hold()
        assert second._connection is not None
        second._connection.invalidate()
        deadline = time.monotonic() + 10  # the server ends the session as soon as it sees the socket close
        while not first.try_hold():
            assert time.monotonic() < deadline, "the dead leader's lock was not freed"
            time.sleep(0.05)
    finally:
        first.release()
        for engine in engines:
            engine.dispose()
