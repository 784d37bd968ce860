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

Every instance is validated when it is built: its settings against the factory's
``settings_schema`` (``{name: type}``; unknown keys are refused by name, a factory
without a schema takes no settings), and the factory's result against the protocol:
every method present and callable the way the protocol calls it (its signature, as
pluggy checks hook implementations), under the configured name, with declared
capabilities. A broken instance is reported by name in
:attr:`ProviderRegistry.failures` and logged once; the others keep working.
"""

from __future__ import annotations

import inspect
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
SCHEMA_ATTRIBUTE = "settings_schema"
"""A factory's declared settings: ``{name: type or tuple of types}`` (after ``X_env`` resolution)."""


def _protocol_methods() -> tuple[str, ...]:
    """The methods of :class:`Provider`, read from the Protocol itself (never copied by hand)."""
    return tuple(
        name for name, member in vars(Provider).items() if not name.startswith("_") and inspect.isfunction(member)
    )


_METHODS = _protocol_methods()


def _signature_problem(method: str, implementation: object) -> str | None:
    """Why ``implementation`` cannot be called the way the protocol's ``method`` is (None: it can)."""
    spec = list(inspect.signature(getattr(Provider, method)).parameters.values())[1:]  # without self
    try:
        params = list(inspect.signature(implementation).parameters.values())  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None  # a builtin or C callable: nothing to compare
    kinds = inspect.Parameter
    var_positional = any(p.kind is kinds.VAR_POSITIONAL for p in params)
    var_keyword = any(p.kind is kinds.VAR_KEYWORD for p in params)
    positional = [p for p in params if p.kind in (kinds.POSITIONAL_ONLY, kinds.POSITIONAL_OR_KEYWORD)]
    by_name = {p.name: p for p in params if p.kind in (kinds.POSITIONAL_OR_KEYWORD, kinds.KEYWORD_ONLY)}
    problems = []
    spec_positional = [p for p in spec if p.kind in (kinds.POSITIONAL_ONLY, kinds.POSITIONAL_OR_KEYWORD)]
    if len(positional) < len(spec_positional) and not var_positional:
        problems.append(f"takes {len(positional)} positional argument(s), the protocol passes {len(spec_positional)}")
    for wanted in (p for p in spec if p.kind is kinds.KEYWORD_ONLY):
        if wanted.name not in by_name and not var_keyword:
            problems.append(f"lacks the keyword argument {wanted.name}")
    spec_names = {p.name for p in spec}
    extra = [
        p.name
        for index, p in enumerate(params)
        if p.default is inspect.Parameter.empty
        and p.kind not in (kinds.VAR_POSITIONAL, kinds.VAR_KEYWORD)
        and p.name not in spec_names
        and not (p.kind is not kinds.KEYWORD_ONLY and index < len(spec_positional))
    ]
    if extra:
        problems.append(f"requires argument(s) the protocol never passes: {', '.join(extra)}")
    if not problems:
        return None
    expected = str(inspect.signature(getattr(Provider, method))).replace("(self, ", "(").replace("(self)", "()")
    return f"{method}{inspect.signature(implementation)} does not match {method}{expected}: {'; '.join(problems)}"  # type: ignore[arg-type]


def validate_settings(name: str, factory: object, settings: Mapping[str, Any]) -> None:
    """Settings against the factory's declared schema; unknown keys and wrong types are refused by name.

    A factory without ``settings_schema`` takes no settings at all.

    Raises
    ------
    ProviderConfigError
        A key the schema does not know, or a value of another type.
    """
    schema = getattr(factory, SCHEMA_ATTRIBUTE, None)
    if schema is None:
        if settings:
            msg = f"the adapter declares no settings ({SCHEMA_ATTRIBUTE}); refused: {', '.join(sorted(settings))}"
            raise ProviderConfigError(name, msg)
        return
    if not isinstance(schema, Mapping):
        raise ProviderConfigError(name, f"the adapter's {SCHEMA_ATTRIBUTE} must map setting names to types")
    unknown = sorted(set(settings) - set(schema))
    if unknown:
        msg = f"unknown setting(s) {', '.join(unknown)} (known: {', '.join(sorted(schema)) or 'none'})"
        raise ProviderConfigError(name, msg)
    for key, value in settings.items():
        wanted = schema[key] if isinstance(schema[key], tuple) else (schema[key],)
        is_bool_for_number = isinstance(value, bool) and bool not in wanted and object not in wanted
        if is_bool_for_number or not isinstance(value, wanted):
            names = " or ".join(t.__name__ for t in wanted)
            raise ProviderConfigError(name, f"setting {key} must be {names}, got {type(value).__name__} {value!r}")


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
    mismatched = [problem for method in _METHODS if (problem := _signature_problem(method, getattr(candidate, method)))]
    if mismatched:
        raise ProviderConfigError(name, f"{type(candidate).__name__}: " + " | ".join(mismatched))
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
            validate_settings(instance.name, factory, settings)
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
