"""Adapters found through entry points, instances from TOML, secrets from the environment, broken ones isolated."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner

from app.cli import main
from providers.errors import ProviderConfigError
from providers.registry import (
    ENTRY_POINT_GROUP,
    InstanceConfig,
    build_registry,
    discover_factories,
    load_provider_config,
    registry_from_file,
)
from tests.conftest_d.sandbox import SANDBOX_API_KEY, SandboxServer
from tests.paths import ROOT


def _toml(sandbox: SandboxServer) -> str:
    return f"""
[providers.demo-rad]
adapter = "tomp"
discovery_url = "{sandbox.url}/gbfs/2.3/demo-rad/gbfs.json"
tomp_url = "{sandbox.url}/tomp/demo-rad"
api_key_env = "SANDBOX_KEY"
[providers.demo-rad.perks.nvv-abo]
free_minutes = 30

[providers.demo-auto-feeds]
adapter = "gbfs"
discovery_url = "{sandbox.url}/gbfs/3.0/demo-auto/gbfs.json"

[providers.leaky]
adapter = "gbfs"
discovery_url = "{sandbox.url}/gbfs/2.3/demo-rad/gbfs.json"
token = "abc123"

[providers.typo]
adapter = "gbfs"
discovery_url = "{sandbox.url}/gbfs/2.3/demo-rad/gbfs.json"
timeout = 5

[providers.hovercraft]
adapter = "gbfs"
discovery_url = "{sandbox.url}/gbfs/2.3/demo-rad/gbfs.json"
form_factor = "hovercraft"
"""


def test_builtin_adapters_are_entry_points() -> None:
    factories, broken = discover_factories()
    assert {"gbfs", "tomp"} <= set(factories) and not broken


def test_config_file_builds_working_instances_and_reports_broken_ones(tmp_path: Path, sandbox: SandboxServer) -> None:
    path = tmp_path / "providers.toml"
    path.write_text(_toml(sandbox), encoding="utf-8")
    registry = registry_from_file(path, {"SANDBOX_KEY": SANDBOX_API_KEY})
    assert set(registry.providers) == {"demo-rad", "demo-auto-feeds"}
    assert "token looks like a secret" in registry.failures["leaky"]
    assert "unknown setting(s) timeout" in registry.failures["typo"]
    assert "form_factor must be one of bicycle" in registry.failures["hovercraft"]
    with pytest.raises(ProviderConfigError, match="leaky: token looks like a secret"):
        registry.get("leaky")
    assert registry.get("demo-auto-feeds").static_info().system.system_id == "demo-auto"
    missing_key = registry_from_file(path, {})
    assert "SANDBOX_KEY" in missing_key.failures["demo-rad"] and "demo-auto-feeds" in missing_key.providers


def test_a_third_party_adapter_is_validated_and_its_failures_isolated() -> None:
    class Incomplete:
        name = "half"
        capabilities = frozenset()

    def crashing(name: str, settings: Mapping[str, Any]) -> Any:
        raise RuntimeError("bug in the operator's package")

    def wrong_name(name: str, settings: Mapping[str, Any]) -> Any:
        from providers.builtin import gbfs_adapter

        return gbfs_adapter("someone-else", {"discovery_url": "http://127.0.0.1:9/gbfs.json"})

    factories = {
        "incomplete": lambda name, settings: Incomplete(),
        "crashing": crashing,
        "renamed": wrong_name,
    }
    instances = [InstanceConfig(n, n if n != "half" else "incomplete", {}) for n in ("half", "crashing", "renamed")]
    instances.append(InstanceConfig("ghost", "missing", {}))
    registry = build_registry(instances, factories, {}, broken_adapters={"missing": "entry point x:y cannot be loaded"})
    assert not registry.providers
    assert "lacks static_info, availability" in registry.failures["half"]
    assert "RuntimeError: bug in the operator's package" in registry.failures["crashing"]
    assert "named itself 'someone-else'" in registry.failures["renamed"]
    assert registry.failures["ghost"] == "entry point x:y cannot be loaded"


def test_entry_points_are_read_from_installed_metadata(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib.metadata import EntryPoint

    import providers.registry as registry_module

    points = [
        EntryPoint("sandbox-copy", "providers.builtin:tomp_adapter", ENTRY_POINT_GROUP),
        EntryPoint("broken", "no_such_module:factory", ENTRY_POINT_GROUP),
    ]
    monkeypatch.setattr(registry_module, "entry_points", lambda group: [p for p in points if p.group == group])
    factories, broken = discover_factories()
    assert list(factories) == ["sandbox-copy"]
    assert "no_such_module" in broken["broken"]


def test_unreadable_config_is_named(tmp_path: Path) -> None:
    path = tmp_path / "providers.toml"
    path.write_text("[providers.x]\nadapter = \n", encoding="utf-8")
    with pytest.raises(ProviderConfigError, match="cannot read the provider configuration"):
        load_provider_config(path)
    path.write_text("[providers.x]\nurl = 'http://x'\n", encoding="utf-8")
    with pytest.raises(ProviderConfigError, match=r"\[providers.x\] needs adapter"):
        load_provider_config(path)


def test_provider_check_command(tmp_path: Path, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "providers.toml"
    path.write_text(_toml(sandbox), encoding="utf-8")
    monkeypatch.setenv("SANDBOX_KEY", SANDBOX_API_KEY)
    passed = CliRunner().invoke(main, ["provider-check", "demo-rad", "--config", str(path)])
    assert passed.exit_code == 0, passed.output
    assert "PASS booking: cancel is idempotent" in passed.output and passed.output.rstrip().endswith("PASSED")
    broken = CliRunner().invoke(main, ["provider-check", "leaky", "--config", str(path)])
    assert broken.exit_code != 0 and "token looks like a secret" in broken.output


def test_sandbox_operator_command_serves_the_demo_fleet(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-c",
        "from app.cli import main; main()",
        "sandbox-operator",
        "--port",
        "0",
        "--fault",
        "error:/tomp/:1",
    ]
    env = {"MOBILITY_INSTANCE_PATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            assert "SYNTHETIC" in line and "demo-auto, demo-rad" in line
            url = line.split(" on ", 1)[1].split("/ ", 1)[0]
            index = requests.get(url + "/", timeout=10).json()
            assert index["systems"] == ["demo-auto", "demo-rad"]
            assert requests.get(url + "/tomp/demo-rad/operator/meta", timeout=10).status_code == 503  # the --fault
            assert requests.get(url + "/tomp/demo-rad/operator/meta", timeout=10).status_code == 200
        finally:
            process.terminate()


def test_the_demo_configuration_in_docs_builds() -> None:
    path = ROOT / "docs" / "providers-demo.toml"
    registry = build_registry(load_provider_config(path), discover_factories()[0], {})
    assert set(registry.providers) == {"demo-rad", "demo-auto", "demo-ast"} and not registry.failures
