"""Optional calibrated noise on published counts, drawn with OpenDP's Laplace mechanism.

Turned on by the city (``MOBILITY_OPEN_DATA_EPSILON``). Each person's records in one line
are first capped at ``cap`` (:func:`cap_contributions`), so adding or removing one person
changes the line's cells by at most ``cap`` in all and its total by at most ``cap``: the
line's L1 sensitivity is ``2 * cap``. The noise scale is chosen so that OpenDP's own privacy
map of the measurement gives at most ``epsilon`` for that sensitivity; each published line
(one table, one month) spends ``epsilon`` once, because a published month is frozen and never
drawn again (:mod:`app.open_data.export`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import opendp.prelude as dp

__all__ = ["NoiseConfig", "cap_contributions", "noisy_counts"]


@dataclass(frozen=True)
class NoiseConfig:
    """Epsilon per published line and the per-person cap of records in a line."""

    epsilon: float
    cap: int = 10

    def __post_init__(self) -> None:
        if not self.epsilon > 0:
            msg = f"epsilon must be positive, got {self.epsilon}"
            raise ValueError(msg)
        if self.cap < 1:
            msg = f"cap must be at least 1, got {self.cap}"
            raise ValueError(msg)

    @property
    def sensitivity(self) -> int:
        """L1 sensitivity of one line (its cells plus its total) to one person."""
        return 2 * self.cap


def cap_contributions(cells: Mapping[str, Counter[str]], cap: int) -> dict[str, Counter[str]]:
    """Keep at most ``cap`` of each person's records in a line (the first cells in order keep theirs)."""
    left: Counter[str] = Counter()
    capped: dict[str, Counter[str]] = {}
    for category, contributions in cells.items():
        kept: Counter[str] = Counter()
        for person, count in contributions.items():
            take = min(count, cap - left[person])
            if take > 0:
                kept[person] = take
                left[person] += take
        capped[category] = kept
    return capped


def _measurement(config: NoiseConfig) -> dp.Measurement:
    dp.enable_features("contrib")
    scale = config.sensitivity / config.epsilon
    measurement = dp.m.make_laplace(dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int), scale=scale)
    spent = float(measurement.map(config.sensitivity))  # type: ignore[no-untyped-call]
    if spent > config.epsilon * (1 + 1e-9):
        msg = f"OpenDP maps sensitivity {config.sensitivity} at scale {scale} to epsilon {spent} > {config.epsilon}"
        raise ValueError(msg)
    return measurement


def noisy_counts(values: Sequence[int], config: NoiseConfig) -> list[int]:
    """The counts of one line with discrete Laplace noise, negative results shown as 0 (post-processing)."""
    if not values:
        return []
    released = _measurement(config)(list(values))
    return [max(0, int(value)) for value in released]
