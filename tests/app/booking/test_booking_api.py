"""The booking API when an adapter breaks the interface (502 naming it) and when the time budget runs out (202)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask

from app.booking.saga import BookingSaga
from app.extensions import db
from providers.registry import InstanceConfig, ProviderRegistry, build_registry, discover_factories
from tests.app.sandbox_trips import book, held, plan_shared
from tests.conftest_d.accounts import SignedIn
from tests.conftest_d.sandbox import SANDBOX_API_KEY, SandboxServer


def sandbox_registry(sandbox: SandboxServer) -> ProviderRegistry:
    factories, broken = discover_factories()
    instances = [InstanceConfig("demo-rad", "tomp", sandbox.settings("demo-rad"))]
    return build_registry(instances, factories, {"SANDBOX_KEY": SANDBOX_API_KEY}, broken_adapters=broken)


class NoneReserve:
    """The docs' worked example: reserve returns None."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.name, self.capabilities = inner, inner.name, inner.capabilities

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self.inner, attribute)

    def reserve(self, quote: Any, leg: Any, *, idempotency_key: str) -> Any:
        return None


def test_a_reserve_returning_none_is_a_502_naming_the_provider_and_nothing_is_left_held(
    make_app,  # type: ignore[no-untyped-def]
    sign_in: Callable[..., SignedIn],
    sandbox: SandboxServer,
) -> None:
    registry = sandbox_registry(sandbox)
    registry.providers["demo-rad"] = NoneReserve(registry.providers["demo-rad"])  # type: ignore[assignment]
    app: Flask = make_app(providers=registry)
    client = app.test_client()
    anna = sign_in(app)
    answer = book(client, anna, plan_shared(client)["id"])
    assert answer.status_code == 502 and answer.mimetype == "application/problem+json"
    problem = answer.get_json()
    assert problem["provider"] == "demo-rad" and "demo-rad" in problem["title"]
    assert "reserve returned NoneType" in problem["detail"]
    assert problem["booking"]["state"] == "failed" and problem["booking"]["payment"] is None
    assert held(sandbox) == set()


def test_a_spent_budget_answers_202_pending_and_the_reconciler_finishes_it(
    make_app,  # type: ignore[no-untyped-def]
    sign_in: Callable[..., SignedIn],
    sandbox: SandboxServer,
) -> None:
    # A booking budget spent before the saga's first step.
    app: Flask = make_app(providers=sandbox_registry(sandbox), booking_budget_seconds=1e-6)
    client = app.test_client()
    anna = sign_in(app)
    answer = book(client, anna, plan_shared(client)["id"])
    assert answer.status_code == 202
    body = answer.get_json()
    assert body["state"] == "pending" and answer.headers["Location"] == body["statusUrl"]
    assert body["statusUrl"].endswith(f"/bookings/{body['id']}")
    assert client.get(body["statusUrl"], headers=anna.headers).get_json()["state"] == "pending"
    with app.app_context():
        saga = BookingSaga(
            db.session,
            app.extensions["mobility.providers"],
            app.extensions["mobility.payments"],
            app.config["SECRET_KEY"],
        )
        assert saga.reconcile(older_than=timedelta(0)) == [body["id"]]
    final = client.get(body["statusUrl"], headers=anna.headers).get_json()
    assert final["state"] == "confirmed" and final["payment"]["state"] == "authorised"
    assert len(held(sandbox)) == 1


def test_an_operator_not_answering_an_end_gives_202_and_the_reconciler_ends_the_ride(
    make_app,  # type: ignore[no-untyped-def]
    sign_in: Callable[..., SignedIn],
    sandbox: SandboxServer,
) -> None:
    from providers.sandbox.faults import Fault, FaultKind

    app: Flask = make_app(providers=sandbox_registry(sandbox))
    client = app.test_client()
    anna = sign_in(app)
    booking = book(client, anna, plan_shared(client)["id"]).get_json()
    path = f"/api/v1/bookings/{booking['id']}/legs/{booking['legs'][0]['position']}"
    assert client.post(f"{path}/start", headers=anna.headers).status_code == 200
    sandbox.faults.replace([Fault(FaultKind.ERROR, path="/events", status=503)])
    answer = client.post(f"{path}/end", headers=anna.headers)
    assert answer.status_code == 202  # not "failed": the outcome is not known yet
    assert answer.get_json()["state"] == "in_use" and answer.headers["Location"].endswith(booking["id"])
    sandbox.faults.replace([])
    with app.app_context():
        saga = BookingSaga(
            db.session,
            app.extensions["mobility.providers"],
            app.extensions["mobility.payments"],
            app.config["SECRET_KEY"],
        )
        assert saga.reconcile(older_than=timedelta(0)) == [booking["id"]]
    final = client.get(f"/api/v1/bookings/{booking['id']}", headers=anna.headers).get_json()
    assert final["state"] == "completed" and final["payment"]["state"] == "captured"
    assert held(sandbox) == set()
