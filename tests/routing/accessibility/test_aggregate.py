"""District aggregation against numpy's inverted-CDF percentile of the weight-expanded values."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from routing.accessibility.aggregate import share_over, weighted_mean, weighted_median

values_and_weights = st.lists(
    st.tuples(st.one_of(st.integers(0, 120).map(float), st.just(math.inf)), st.integers(1, 9)), min_size=1, max_size=40
)


@given(values_and_weights)
def test_weighted_median_is_the_median_of_the_expanded_population(pairs):
    values = np.array([v for v, _ in pairs])
    weights = np.array([w for _, w in pairs], dtype=np.float64)
    expanded = np.repeat(values, weights.astype(int))
    assert weighted_median(values, weights) == np.percentile(expanded, 50, method="inverted_cdf")


@given(values_and_weights, st.integers(0, 120))
def test_share_over_and_mean_count_each_resident_once(pairs, threshold):
    values = np.array([v for v, _ in pairs])
    weights = np.array([w for _, w in pairs], dtype=np.float64)
    expanded = np.repeat(values, weights.astype(int))
    assert math.isclose(share_over(values, weights, threshold), float((expanded > threshold).mean()))
    finite = np.isfinite(values)
    if finite.all():
        assert math.isclose(weighted_mean(values, weights), float(expanded.mean()), abs_tol=1e-9)


def test_no_weight_gives_no_figure():
    empty = np.zeros(0)
    assert math.isnan(weighted_median(empty, empty))
    assert math.isnan(share_over(np.array([1.0]), np.array([0.0]), 15))
    assert math.isnan(weighted_mean(np.array([1.0]), np.array([0.0])))
