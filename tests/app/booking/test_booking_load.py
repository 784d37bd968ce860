"""The embedded default under load: SQLite (and PostgreSQL) with many concurrent writers on a busy machine.

The booking race runs 20 rounds of 50 riders grabbing one bike while CPU hogs keep the
machine busy; every round must have exactly one winner and 49 clean 409s. The lock tests
drive SQLite's write lock directly, with the retry's pause as the moment the other writer
lets go, so they assert what happens, not how fast.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from app.database import DatabaseBusy, configure_sqlite, retry_on_lock, take_write_lock
from app.extensions import db
from app.models import User
from tests.app.sandbox_trips import book, held, plan_shared
from tests.conftest_d.accounts import SignedIn
from tests.conftest_d.sandbox import SandboxServer

ROUNDS, RIDERS = 20, 50
FREE_BIKE = "51.3053,9.4753"


@pytest.fixture
def booking_app(make_app, registry) -> Flask:  # type: ignore[no-untyped-def]
    application: Flask = make_app(providers=registry)
    return application


def race(app: Flask, riders: list[SignedIn], itinerary_id: str) -> list[tuple[int, str | None, SignedIn]]:
    """Every rider books ``itinerary_id`` at once; (status, booking id, rider) per attempt."""
    start = threading.Barrier(len(riders))
    answers: list[tuple[int, str | None, SignedIn]] = []
    lock = threading.Lock()

    def attempt(rider: SignedIn) -> None:
        client = app.test_client()
        start.wait()
        response = book(client, rider, itinerary_id)
        with lock:
            answers.append((response.status_code, (response.get_json() or {}).get("id"), rider))

    threads = [threading.Thread(target=attempt, args=(rider,)) for rider in riders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return answers


def test_twenty_rounds_of_fifty_concurrent_bookings_have_one_winner_each_on_a_busy_machine(
    booking_app: Flask, sign_in: Callable[..., SignedIn], sandbox: SandboxServer, cpu_hog: int
) -> None:
    assert cpu_hog >= 2
    riders = [sign_in(booking_app) for _ in range(RIDERS)]
    planner = booking_app.test_client()
    totals: Counter[int] = Counter()
    for round_number in range(ROUNDS):
        itinerary = plan_shared(planner, origin=FREE_BIKE)
        answers = race(booking_app, riders, itinerary["id"])
        statuses = Counter(status for status, _, _ in answers)
        assert statuses == {201: 1, 409: RIDERS - 1}, (round_number, statuses)
        totals.update(statuses)
        assert len(held(sandbox)) == 1
        winner = next((booking_id, rider) for status, booking_id, rider in answers if status == 201)
        cancel = planner.post(f"/api/v1/bookings/{winner[0]}/cancel", headers=winner[1].headers)
        assert cancel.status_code == 200, cancel.get_json()
        assert held(sandbox) == set()
    assert totals == {201: ROUNDS, 409: ROUNDS * (RIDERS - 1)}
    print(f"\nbooking race: {ROUNDS * RIDERS} attempts, {totals[201]} x 201, {totals[409]} x 409, 0 x 5xx")


# SQLite's write lock ---------------------------------------------------------------------------


@pytest.fixture
def sqlite_file(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'lock.sqlite3'}"


def test_sqlite_connections_write_ahead_and_wait_for_locks(sqlite_file: str) -> None:
    engine = create_engine(sqlite_file)
    configure_sqlite(engine, busy_timeout_s=2.5)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 2500
    engine.dispose()


def test_the_app_database_runs_in_wal_mode(app: Flask) -> None:
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite only")
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def _holder(path: str) -> sqlite3.Connection:
    """Another process's writer: a raw connection holding SQLite's write lock."""
    holder = sqlite3.connect(path.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def _table(engine_url: str) -> None:
    setup = sqlite3.connect(engine_url.removeprefix("sqlite:///"))
    setup.execute("PRAGMA journal_mode = WAL")
    setup.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    setup.commit()
    setup.close()


def test_a_locked_write_is_retried_until_the_other_writer_lets_go(sqlite_file: str) -> None:
    _table(sqlite_file)
    engine = create_engine(sqlite_file)
    configure_sqlite(engine, busy_timeout_s=0.05)
    holder = _holder(sqlite_file)
    pauses: list[float] = []

    def other_writer_commits(seconds: float) -> None:
        pauses.append(seconds)
        holder.execute("COMMIT")

    with Session(engine) as session:
        session.execute(text("SELECT count(*) FROM t"))
        take_write_lock(session, sleep=other_writer_commits)
        session.execute(text("INSERT INTO t (v) VALUES ('mine')"))
        session.commit()
    assert len(pauses) == 1
    with engine.connect() as connection:
        assert connection.execute(text("SELECT v FROM t")).scalars().all() == ["mine"]
    holder.close()
    engine.dispose()


def test_a_lock_held_through_every_retry_is_a_typed_busy_error_with_nothing_written(sqlite_file: str) -> None:
    _table(sqlite_file)
    engine = create_engine(sqlite_file)
    configure_sqlite(engine, busy_timeout_s=0.01)
    holder = _holder(sqlite_file)
    with Session(engine) as session:
        session.execute(text("SELECT 1"))
        with pytest.raises(DatabaseBusy, match="locked by other writers"):
            take_write_lock(session, attempts=3, sleep=lambda _: None)
    holder.execute("ROLLBACK")
    holder.close()
    engine.dispose()


def test_retry_on_lock_runs_the_unit_of_work_again_after_a_rollback(sqlite_file: str) -> None:
    _table(sqlite_file)
    engine = create_engine(sqlite_file)
    configure_sqlite(engine, busy_timeout_s=0.01)
    holder = _holder(sqlite_file)
    runs: list[int] = []

    def work(session: Session) -> str:
        runs.append(1)
        session.execute(text("INSERT INTO t (v) VALUES ('unit')"))  # raw SQL: no flush, so the lock error shows here
        session.commit()
        return "done"

    with Session(engine) as session:
        result = retry_on_lock(session, lambda: work(session), sleep=lambda _: holder.execute("COMMIT"))
    assert (result, len(runs)) == ("done", 2)
    holder.close()
    engine.dispose()


def test_a_busy_database_answers_503_problem_json_not_500(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    def always_busy(*_args: object, **_kwargs: object) -> None:
        raise DatabaseBusy(4, 60.0)

    monkeypatch.setattr("app.database.take_write_lock", always_busy)
    client = app.test_client()
    response = client.post(
        "/api/v1/auth/register",
        json={
            "email": f"{uuid.uuid4().hex[:8]}@example.org",
            "password": "a long enough password 1",
            "displayName": "x",
        },
    )
    assert response.status_code == 503, response.get_json()
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.headers["Retry-After"]
    with app.app_context():
        assert db.session.query(User).count() == 0
