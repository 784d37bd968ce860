"""Shared state through the machine's Redis and PostgreSQL: one fetch per TTL, one leader."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from app.leadership import FileLease, Leadership, PostgresLease, RedisLease, TokenLease
from app.shared_state import LocalTokenLocks, RedisSharedFetch, RedisTokenLocks, TokenLocks, redis_client
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


# Token locks: compare-and-act, the same contract in Redis and in one process ---------------------


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["local", "redis"])
def token_locks(request: pytest.FixtureRequest) -> tuple[TokenLocks, Callable[[float], None]]:
    """Both implementations, with a way to let ``seconds`` pass (a fake clock locally, sleeping in Redis)."""
    if request.param == "local":
        clock = _Clock()

        def advance(seconds: float) -> None:
            clock.now += seconds

        return LocalTokenLocks(clock), advance
    url = request.getfixturevalue("redis_url")
    return RedisTokenLocks(redis_client(url)), time.sleep


def test_a_token_lock_is_released_and_renewed_only_by_its_holder(
    token_locks: tuple[TokenLocks, Callable[[float], None]],
) -> None:
    locks, _ = token_locks
    key = f"test-{uuid.uuid4().hex[:12]}:lock:k"
    assert locks.take(key, "a", lease_ms=5000)
    assert not locks.take(key, "b", lease_ms=5000)
    assert not locks.release_if_ours(key, "b")
    assert not locks.renew_if_ours(key, "b", lease_ms=5000)
    assert locks.renew_if_ours(key, "a", lease_ms=5000)
    assert locks.release_if_ours(key, "a")
    assert not locks.release_if_ours(key, "a")  # released once
    assert locks.take(key, "b", lease_ms=5000)
    locks.release_if_ours(key, "b")


def test_a_holder_whose_lease_ended_never_frees_or_extends_the_next_holders_lock(
    token_locks: tuple[TokenLocks, Callable[[float], None]],
) -> None:
    locks, wait = token_locks
    key = f"test-{uuid.uuid4().hex[:12]}:lock:k"
    assert locks.take(key, "slow", lease_ms=200)
    wait(0.3)  # the slow holder's lease ends while it still works
    assert not locks.renew_if_ours(key, "slow", lease_ms=5000)
    assert locks.take(key, "next", lease_ms=5000)
    assert not locks.release_if_ours(key, "slow")  # a plain DEL here would free the next holder's lock
    assert not locks.renew_if_ours(key, "slow", lease_ms=5000)
    assert not locks.take(key, "third", lease_ms=5000)
    assert locks.release_if_ours(key, "next")


def test_a_lease_on_local_token_locks_is_one_leader_among_threads() -> None:
    clock = _Clock()
    locks = LocalTokenLocks(clock)
    first, second = (Leadership("reconciler", TokenLease(locks, "leader:reconciler", lease_s=1.0)) for _ in range(2))
    assert first.try_lead()
    assert not second.try_lead()
    clock.now += 0.9
    assert first.try_lead()  # renewed for another second
    clock.now += 0.9
    assert not second.try_lead()
    clock.now += 1.1  # the leader stopped renewing
    assert second.try_lead()
    assert not first.try_lead()
    second.release()
    assert first.try_lead()
