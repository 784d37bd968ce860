"""Find adapters through entry points, build the configured instances, keep the ones that work.

Adapters are factories registered in the entry-point group ``kassel_mobility.providers``::

    [project.entry-points."kassel_mobility.providers"]
    gbfs = "providers.builtin:gbfs_adapter"

A factory is called as ``factory(instance_name, settings)`` with the instance's table
from the configuration file (credentials already resolved) and returns a
:class:`~providers.interface.Provider`. The file (TOML, ``MOBILITY_PROVIDER_CONFIG``)
lists instances::

    [providers.nextbike-kassel]
    adapter = "gbfs"
    discovery_url = "https://gbfs.nextbike.net/maps/gbfs/v2/nextbike_dk/gbfs.json"

Secrets never stand in the file: a setting ``X_env = "VARIABLE"`` is replaced by
``X`` with the value of the environment variable, and literal settings whose names
look like secrets (``api_key``, ``token``, ``password``, ``secret``) are refused.

Every instance is validated when it is built (the factory must return an object that
satisfies the protocol, under the configured name, with declared capabilities). A
broken instance is reported by name in :attr:`ProviderRegistry.failures` and logged;
the others keep working.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from providers.errors import ProviderConfigError, ProviderError
from providers.interface import Provider
from providers.model import Capability

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "kassel_mobility.providers"
SECRET_WORDS = ("api_key", "apikey", "token", "password", "secret")
Factory = Callable[[str, Mapping[str, Any]], Provider]
_METHODS = (
    "static_info",
    "availability",
    "quote",
    "deep_link",
    "reserve",
    "confirm",
    "start",
    "end",
    "cancel",
    "status",
)


@dataclass(frozen=True)
class InstanceConfig:
    """One ``[providers.NAME]`` table."""

    name: str
    adapter: str
    settings: Mapping[str, Any]


@dataclass
class ProviderRegistry:
    """The working provider instances by name, and why the others are missing."""

    providers: dict[str, Provider] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> Provider:
        """The instance called ``name``.

        Raises
        ------
        ProviderConfigError
            No such instance, or it failed to build (the reason is in the message).
        """
        if name in self.providers:
            return self.providers[name]
        reason = self.failures.get(name, f"not configured (configured: {', '.join(sorted(self.providers)) or 'none'})")
        raise ProviderConfigError(name, reason)


def load_provider_config(path: Path) -> list[InstanceConfig]:
    """The instances listed in a TOML provider configuration file.

    Raises
    ------
    ProviderConfigError
        The file is unreadable, not TOML, or an instance lacks ``adapter``.
    """
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProviderConfigError(str(path), f"cannot read the provider configuration: {exc}") from exc
    tables = document.get("providers", {})
    if not isinstance(tables, dict):
        raise ProviderConfigError(str(path), "[providers] must be a table of instances")
    instances = []
    for name, table in tables.items():
        if not isinstance(table, dict) or not isinstance(table.get("adapter"), str):
            raise ProviderConfigError(name, f'{path}: [providers.{name}] needs adapter = "..."')
        settings = {key: value for key, value in table.items() if key != "adapter"}
        instances.append(InstanceConfig(name=name, adapter=table["adapter"], settings=settings))
    return instances


def resolve_credentials(instance: InstanceConfig, environ: Mapping[str, str]) -> dict[str, Any]:
    """Settings with every ``X_env`` replaced by ``X`` from the environment; literal secrets refused."""
    resolved: dict[str, Any] = {}
    for key, value in instance.settings.items():
        if key.endswith("_env"):
            if not isinstance(value, str) or value not in environ:
                msg = f"{key} names the environment variable {value!r}, which is not set"
                raise ProviderConfigError(instance.name, msg)
            resolved[key.removesuffix("_env")] = environ[value]
        elif isinstance(value, str) and any(word in key.lower() for word in SECRET_WORDS):
            msg = f'{key} looks like a secret; put it in the environment and set {key}_env = "VARIABLE" instead'
            raise ProviderConfigError(instance.name, msg)
        else:
            resolved[key] = value
    return resolved


def discover_factories() -> tuple[dict[str, Factory], dict[str, str]]:
    """Adapter factories by name from installed packages, and entry points that failed to load."""
    factories: dict[str, Factory] = {}
    broken: dict[str, str] = {}
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            factories[entry_point.name] = entry_point.load()
        except Exception as exc:
            broken[entry_point.name] = f"entry point {entry_point.value} cannot be loaded: {type(exc).__name__}: {exc}"
    return factories, broken


def validate_provider(name: str, candidate: object) -> Provider:
    """``candidate`` if it is a usable :class:`Provider` called ``name``, else :class:`ProviderConfigError`."""
    if not isinstance(candidate, Provider):
        missing = [attr for attr in ("name", "capabilities", *_METHODS) if not hasattr(candidate, attr)]
        msg = f"the adapter returned {type(candidate).__name__}, which lacks {', '.join(missing)}"
        raise ProviderConfigError(name, msg)
    if candidate.name != name:
        msg = f"the adapter named itself {candidate.name!r}, not the configured {name!r}"
        raise ProviderConfigError(name, msg)
    capabilities = candidate.capabilities
    if not isinstance(capabilities, frozenset) or not all(isinstance(c, Capability) for c in capabilities):
        raise ProviderConfigError(name, "capabilities must be a frozenset of providers.model.Capability")
    not_callable = [method for method in _METHODS if not callable(getattr(candidate, method))]
    if not_callable:
        raise ProviderConfigError(name, f"not callable: {', '.join(not_callable)}")
    return candidate


def build_registry(
    instances: list[InstanceConfig],
    factories: Mapping[str, Factory],
    environ: Mapping[str, str],
    *,
    broken_adapters: Mapping[str, str] | None = None,
) -> ProviderRegistry:
    """Build and validate every instance; failures are recorded by instance name, never raised."""
    registry = ProviderRegistry()
    for instance in instances:
        try:
            factory = factories.get(instance.adapter)
            if factory is None:
                reason = (broken_adapters or {}).get(instance.adapter) or (
                    f"unknown adapter {instance.adapter!r} (installed: {', '.join(sorted(factories)) or 'none'})"
                )
                raise ProviderConfigError(instance.name, reason)
            settings = resolve_credentials(instance, environ)
            try:
                candidate = factory(instance.name, settings)
            except ProviderError:
                raise
            except Exception as exc:
                msg = f"adapter {instance.adapter!r} failed to start: {type(exc).__name__}: {exc}"
                raise ProviderConfigError(instance.name, msg) from exc
            registry.providers[instance.name] = validate_provider(instance.name, candidate)
        except ProviderError as exc:
            registry.failures[instance.name] = exc.reason
            log.error("provider instance not available", extra={"provider": instance.name, "problem": exc.reason})
    return registry


def registry_from_file(path: Path, environ: Mapping[str, str]) -> ProviderRegistry:
    """Discover adapters, read ``path`` and build the registry."""
    factories, broken = discover_factories()
    return build_registry(load_provider_config(path), factories, environ, broken_adapters=broken)
