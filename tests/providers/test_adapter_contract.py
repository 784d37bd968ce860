"""Adapters cannot break the saga: provider-check fails bad booking adapters, the registry checks settings."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import pytest

from providers.conformance import run_conformance
from providers.registry import InstanceConfig, build_registry, discover_factories
from tests.conftest_d.sandbox import SANDBOX_API_KEY, SandboxServer


class Delegating:
    """An adapter that forwards to a real one, with some methods replaced."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.capabilities = inner.capabilities

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self.inner, attribute)


def sandbox_adapter(sandbox: SandboxServer) -> Any:
    factories, broken = discover_factories()
    registry = build_registry(
        [InstanceConfig("demo-rad", "tomp", sandbox.settings("demo-rad"))],
        factories,
        {"SANDBOX_KEY": SANDBOX_API_KEY},
        broken_adapters=broken,
    )
    return registry.get("demo-rad")


def test_provider_check_fails_an_adapter_whose_reserve_returns_none(sandbox: SandboxServer) -> None:
    class NoneReserve(Delegating):
        def reserve(self, quote: Any, leg: Any, *, idempotency_key: str) -> Any:
            return None  # the worked example's mistake

    report = run_conformance(NoneReserve(sandbox_adapter(sandbox)))
    assert not report.passed
    failed = {result.name: result.detail for result in report.results if result.outcome == "fail"}
    assert "reserve returned NoneType, not a BookingStatus" in failed["booking: reserve"]


def test_provider_check_fails_a_booking_adapter_no_booking_check_could_run(sandbox: SandboxServer) -> None:
    from providers.model import Availability

    class NothingFree(Delegating):
        def availability(self) -> Availability:
            live = self.inner.availability()
            return Availability(as_of=live.as_of, stations={}, vehicles=())

    report = run_conformance(NothingFree(sandbox_adapter(sandbox)))
    assert not report.passed
    assert any(r.name == "booking" and r.outcome == "fail" and "no booking check" in r.detail for r in report.results)


def test_provider_check_still_passes_the_sandbox(sandbox: SandboxServer) -> None:
    report = run_conformance(sandbox_adapter(sandbox))
    assert report.passed, report.render()
    assert any(r.name == "booking: cancel is idempotent" and r.outcome == "pass" for r in report.results)


def _adapter_class(**methods: Any) -> type:
    def base(self: Any, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover - never called
        raise NotImplementedError

    names = ("static_info", "availability", "quote", "deep_link", "reserve", "confirm", "start", "end", "cancel")
    body: dict[str, Any] = {name: base for name in (*names, "status")}
    body.update(methods)
    body["name"], body["capabilities"] = "odd", frozenset()
    return type("OddAdapter", (), body)


def test_an_adapter_with_a_wrong_signature_is_refused_by_name() -> None:
    def reserve(self: Any, quote: Any, leg: Any) -> Any:  # no idempotency_key
        raise NotImplementedError

    def confirm(self: Any, booking_id: str, force: bool) -> Any:  # a required argument nobody passes
        raise NotImplementedError

    odd = _adapter_class(reserve=reserve, confirm=confirm)
    registry = build_registry([InstanceConfig("odd", "odd", {})], {"odd": lambda name, settings: odd()}, {})
    reason = registry.failures["odd"]
    assert reason.startswith("OddAdapter: ")
    assert "reserve" in reason and "lacks the keyword argument idempotency_key" in reason
    assert "confirm" in reason and "requires argument(s) the protocol never passes: force" in reason
    assert "odd" not in registry.providers


def test_an_adapter_with_matching_signatures_registers() -> None:
    ok = _adapter_class()  # (self, *args, **kwargs) accepts every call
    registry = build_registry([InstanceConfig("odd", "odd", {})], {"odd": lambda name, settings: ok()}, {})
    assert "odd" in registry.providers, registry.failures


def test_third_party_settings_are_checked_against_the_declared_schema(caplog: pytest.LogCaptureFixture) -> None:
    ok = _adapter_class()

    def factory(name: str, settings: Mapping[str, Any]) -> Any:
        return ok()

    factory.settings_schema = {"url": str, "timeout_s": (int, float)}  # type: ignore[attr-defined]

    def no_schema(name: str, settings: Mapping[str, Any]) -> Any:
        return ok()

    instances = [
        InstanceConfig("odd", "third", {"url": "https://x.example", "timeout_s": 3}),
        InstanceConfig("typo", "third", {"url": "https://x.example", "timeuot_s": 3}),
        InstanceConfig("wrong-type", "third", {"url": "https://x.example", "timeout_s": True}),
        InstanceConfig("undeclared", "plain", {"url": "https://x.example"}),
    ]
    with caplog.at_level(logging.ERROR, logger="providers.registry"):
        registry = build_registry(instances, {"third": factory, "plain": no_schema}, {})
    assert list(registry.providers) == ["odd"]
    assert "unknown setting(s) timeuot_s (known: timeout_s, url)" in registry.failures["typo"]
    assert "setting timeout_s must be int or float, got bool True" in registry.failures["wrong-type"]
    assert "declares no settings (settings_schema); refused: url" in registry.failures["undeclared"]
    named = [getattr(record, "provider", None) for record in caplog.records]
    assert sorted(named) == ["typo", "undeclared", "wrong-type"]  # each failure once, by instance
