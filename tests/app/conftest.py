"""Fixtures the app tests of several packages share: the sandbox operators, the pass shop's clock."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from providers.registry import ProviderRegistry
from tests.app.sandbox_trips import sandbox_registry
from tests.app.tickets.pass_shop import TODAY
from tests.conftest_d.sandbox import SandboxServer


@pytest.fixture
def registry(sandbox: SandboxServer) -> ProviderRegistry:
    """The sandbox's bike and car sharing operators, every adapter built."""
    built = sandbox_registry(sandbox)
    assert not built.failures
    return built


@pytest.fixture
def sharing_client(make_app, registry: ProviderRegistry) -> FlaskClient:  # type: ignore[no-untyped-def]
    """A test client of an app that plans and books with the sandbox operators."""
    client: FlaskClient = make_app(providers=registry).test_client()
    return client


@pytest.fixture
def shop_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pass shop's clock stands at ``TODAY`` (November and December 2026 on sale)."""
    monkeypatch.setattr("app.api.passes.utc_now", lambda: TODAY)
