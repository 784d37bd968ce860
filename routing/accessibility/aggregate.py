"""From per-origin times to per-district indicators: weighted medians and shares over a threshold."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

__all__ = ["share_over", "weighted_mean", "weighted_median"]


def weighted_median(values: NDArray[np.float64], weights: NDArray[np.float64]) -> float:
    """The smallest value at which the cumulative weight (values sorted) reaches half the total.

    An order statistic (no interpolation): ``inf`` values (unreachable) sort last, so the
    median is ``inf`` when more than half the weight cannot reach. ``nan`` without weight.
    """
    total = float(weights.sum())
    if values.size == 0 or total <= 0:
        return math.nan
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    index = int(np.searchsorted(cumulative, total / 2, side="left"))
    return float(values[order][min(index, values.size - 1)])


def share_over(values: NDArray[np.float64], weights: NDArray[np.float64], threshold: float) -> float:
    """Share of the weight whose value is above ``threshold`` (``inf`` counts as above)."""
    total = float(weights.sum())
    if total <= 0:
        return math.nan
    return float(weights[values > threshold].sum() / total)


def weighted_mean(values: NDArray[np.float64], weights: NDArray[np.float64]) -> float:
    """The weighted mean (``nan`` without weight)."""
    total = float(weights.sum())
    if total <= 0:
        return math.nan
    return float((values * weights).sum() / total)
