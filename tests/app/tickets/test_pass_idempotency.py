"""Concurrent duplicates of one pass purchase (the same Idempotency-Key) all get the purchase's answer."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from app.extensions import db
from app.models import PassTicket
from tests.app.tickets.pass_shop import TODAY, buy, eligible
from tests.conftest_d.accounts import SignedIn


@pytest.fixture(autouse=True)
def shop_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("app.api.passes.utc_now", lambda: TODAY)


def _ten_at_once(app: Flask, buyer: SignedIn) -> list[tuple[int, dict[str, Any]]]:
    start = threading.Barrier(10)
    answers: list[tuple[int, dict[str, Any]]] = []
    lock = threading.Lock()

    def attempt() -> None:
        client = app.test_client()
        start.wait()
        response = buy(client, buyer, key="same-key-for-all-ten")
        with lock:
            answers.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=attempt) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def _assert_one_purchase(app: Flask, answers: list[tuple[int, dict[str, Any]]]) -> None:
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] * 9 + [201], [body for _, body in answers]
    assert len({(body["id"], body["status"], body["token"]) for _, body in answers}) == 1
    assert answers[0][1]["status"] == "active"
    with app.app_context():
        assert db.session.query(PassTicket).count() == 1


def test_ten_concurrent_purchases_with_one_key_answer_alike(app: Flask, sign_in: Callable[..., SignedIn]) -> None:
    buyer = eligible(app, app.test_client(), sign_in)
    _assert_one_purchase(app, _ten_at_once(app, buyer))


def test_duplicates_in_other_workers_replay_the_original(
    app: Flask, sign_in: Callable[..., SignedIn], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the in-process lock (as between gunicorn workers) the database settles the race."""
    monkeypatch.setattr("app.api.passes.one_at_a_time", lambda *scope: contextlib.nullcontext())
    buyer = eligible(app, app.test_client(), sign_in)
    _assert_one_purchase(app, _ten_at_once(app, buyer))
