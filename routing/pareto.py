"""Pareto sets: keep what nothing else beats in every criterion (smaller is better)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def non_dominated(items: Sequence[T], key: Callable[[T], tuple[float, ...]]) -> list[T]:
    """The items no other item dominates (at least as good in every criterion of ``key``, better in one).

    Items with equal keys all stay; order is kept.
    """
    keys = [key(item) for item in items]
    return [
        item
        for i, item in enumerate(items)
        if not any(other != keys[i] and all(a <= b for a, b in zip(other, keys[i], strict=True)) for other in keys)
    ]
