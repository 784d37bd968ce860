"""Factories of the built-in adapters, registered as entry points ``gbfs``, ``tomp`` and ``ondemand`` in pyproject.toml.

Settings every adapter reads (all optional except the URLs):

``discovery_url``  GBFS ``gbfs.json`` (2.x or 3.0)
``language``       2.x discovery language block
``timeout_s``      seconds per HTTP request (default 5)
``retries``        extra attempts on timeouts, connection errors, 429 and 5xx (default 2)
``backoff_s``      first pause between attempts, doubling (default 0.25)
``max_stale_s``    how long past its ttl a feed's last good copy is served, marked stale (default 300)
``perks``          table of pass id -> ``{free_minutes, base_discount_cents}``
``form_factor``    what a system without ``vehicle_types.json`` rents (default: by the operator's kind)
``return_constraint``  how such a system's vehicles go back (``roundtrip_station``, ...)
``tomp_url``       (tomp) base URL of the TOMP endpoints
``api_key``        (tomp) from ``api_key_env``; sent as ``Authorization: Bearer``
``maas_id``        (tomp) our MaaS id (default ``kassel-mobility``)
``ondemand_url``   (ondemand) base URL of the dispatcher's endpoints
``routes``         (ondemand) region route ids of the flex trips it dispatches (``["demo:AST90"]``)
``operator``       (ondemand) the operator's name shown to riders
``timezone``       (ondemand) the operator's time zone (default Europe/Berlin)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from providers.errors import ProviderConfigError
from providers.gbfs.adapter import GbfsProvider, GbfsSettings
from providers.gbfs.pricing import Perk
from providers.http import HttpClient, HttpSettings
from providers.model import FormFactor
from providers.ondemand.adapter import OnDemandProvider, OnDemandSettings
from providers.tomp.adapter import TompProvider, TompSettings

GBFS_KEYS = frozenset(
    {
        "discovery_url",
        "language",
        "timeout_s",
        "retries",
        "backoff_s",
        "max_stale_s",
        "perks",
        "form_factor",
        "return_constraint",
    }
)
TOMP_KEYS = GBFS_KEYS | {"tomp_url", "api_key", "maas_id"}
HTTP_KEYS = frozenset({"timeout_s", "retries", "backoff_s"})
ONDEMAND_KEYS = HTTP_KEYS | {"ondemand_url", "routes", "operator", "timezone", "api_key"}
RETURN_CONSTRAINTS = ("free_floating", "roundtrip_station", "any_station", "hybrid")


class _Settings:
    """Typed reads of one instance's settings; every problem names the instance and key."""

    def __init__(self, name: str, settings: Mapping[str, Any], known: frozenset[str]) -> None:
        unknown = set(settings) - known
        if unknown:
            msg = f"unknown setting(s) {', '.join(sorted(unknown))} (known: {', '.join(sorted(known))})"
            raise ProviderConfigError(name, msg)
        self.name = name
        self.settings = settings

    def url(self, key: str) -> str:
        value = self.settings.get(key)
        if not isinstance(value, str) or not value.startswith(("http://", "https://")):
            raise ProviderConfigError(self.name, f"{key} must be an http(s) URL, got {value!r}")
        return value

    def number(self, key: str, default: float, *, low: float, high: float) -> float:
        value = self.settings.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            raise ProviderConfigError(self.name, f"{key} must be a number in {low:g}..{high:g}, got {value!r}")
        return float(value)

    def text(self, key: str, default: str | None) -> str | None:
        value = self.settings.get(key, default)
        if value is not None and not isinstance(value, str):
            raise ProviderConfigError(self.name, f"{key} must be a string, got {value!r}")
        return value

    def choice(self, key: str, default: str | None, choices: list[str]) -> str | None:
        value = self.text(key, default)
        if value is not None and value not in choices:
            raise ProviderConfigError(self.name, f"{key} must be one of {', '.join(choices)}, got {value!r}")
        return value

    def perks(self) -> dict[str, Perk]:
        raw = self.settings.get("perks", {})
        if not isinstance(raw, dict):
            raise ProviderConfigError(self.name, "perks must be a table of pass id -> {free_minutes, ...}")
        perks = {}
        for pass_id, table in raw.items():
            if not isinstance(table, dict) or set(table) - {"free_minutes", "base_discount_cents"}:
                msg = f"perks.{pass_id} takes free_minutes and base_discount_cents only"
                raise ProviderConfigError(self.name, msg)
            here = _Settings(self.name, table, frozenset({"free_minutes", "base_discount_cents"}))
            perks[pass_id] = Perk(
                free_minutes=here.number("free_minutes", 0, low=0, high=24 * 60),
                base_discount_cents=int(here.number("base_discount_cents", 0, low=0, high=100_000)),
            )
        return perks

    def http(self) -> HttpSettings:
        return HttpSettings(
            timeout_s=self.number("timeout_s", 5.0, low=0.1, high=120),
            retries=int(self.number("retries", 2, low=0, high=10)),
            backoff_s=self.number("backoff_s", 0.25, low=0, high=60),
        )


def _form_factor(value: str | None) -> FormFactor | None:
    return None if value is None else FormFactor(value)


def _gbfs(name: str, reader: _Settings) -> GbfsProvider:
    return GbfsProvider(
        name,
        GbfsSettings(
            discovery_url=reader.url("discovery_url"),
            language=reader.text("language", "") or "",
            max_stale_s=reader.number("max_stale_s", 300.0, low=0, high=86_400),
            http=reader.http(),
            perks=reader.perks(),
            form_factor=_form_factor(reader.choice("form_factor", None, [f.value for f in FormFactor])),
            return_constraint=reader.choice("return_constraint", None, list(RETURN_CONSTRAINTS)),
        ),
    )


def gbfs_adapter(name: str, settings: Mapping[str, Any]) -> GbfsProvider:
    """A GBFS-only operator (availability, prices, deep links)."""
    return _gbfs(name, _Settings(name, settings, GBFS_KEYS))


def tomp_adapter(name: str, settings: Mapping[str, Any]) -> TompProvider:
    """A bookable operator: GBFS for availability, TOMP-API for booking."""
    reader = _Settings(name, settings, TOMP_KEYS)
    tomp = TompSettings(
        tomp_url=reader.url("tomp_url"),
        api_key=reader.text("api_key", None),
        maas_id=reader.text("maas_id", "kassel-mobility") or "kassel-mobility",
    )
    return TompProvider(name, _gbfs(name, reader), tomp, HttpClient(name, reader.http()))


def ondemand_adapter(name: str, settings: Mapping[str, Any]) -> OnDemandProvider:
    """An on-demand dispatcher (AST, Rufbus) that books flex legs."""
    reader = _Settings(name, settings, ONDEMAND_KEYS)
    routes = settings.get("routes")
    if not isinstance(routes, list) or not routes or not all(isinstance(route, str) for route in routes):
        raise ProviderConfigError(name, "routes must be a non-empty list of route ids (<feed>:<route_id>)")
    return OnDemandProvider(
        name,
        OnDemandSettings(
            ondemand_url=reader.url("ondemand_url"),
            routes=tuple(routes),
            operator=reader.text("operator", "") or "",
            timezone=reader.text("timezone", "Europe/Berlin") or "Europe/Berlin",
            api_key=reader.text("api_key", None),
        ),
        HttpClient(name, reader.http()),
    )


gbfs_adapter.settings_schema = dict.fromkeys(GBFS_KEYS, object)  # type: ignore[attr-defined]  # _Settings checks types
tomp_adapter.settings_schema = dict.fromkeys(TOMP_KEYS, object)  # type: ignore[attr-defined]
ondemand_adapter.settings_schema = dict.fromkeys(ONDEMAND_KEYS, object)  # type: ignore[attr-defined]
