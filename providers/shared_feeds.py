"""Adapters that can fetch their feeds through a store shared by every worker and host."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from routing.shared_fetch import SharedFetch

__all__ = ["SharesFeeds", "share_feeds"]


@runtime_checkable
class SharesFeeds(Protocol):
    """An adapter whose polled feeds (GBFS, say) can be fetched once for all its users."""

    def share_feeds(self, shared: SharedFetch) -> None:
        """Fetch the adapter's feeds through ``shared`` from now on."""
        ...


def share_feeds(providers: Mapping[str, object], shared: SharedFetch) -> list[str]:
    """Let every adapter in ``providers`` that can share its feeds do so; their names."""
    names = []
    for name, provider in sorted(providers.items()):
        if isinstance(provider, SharesFeeds):
            provider.share_feeds(shared)
            names.append(name)
    return names
