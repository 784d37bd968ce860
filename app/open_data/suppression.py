"""k-anonymity for published count tables, with complementary suppression.

A published *line* is one total and the cells that add up to it (one month of one table:
rides per mode in 2026-10, say). Each cell carries who contributed to it, as pseudonymous
person keys that never leave this module. A cell is published only when

- at least ``k`` distinct people contributed to it, and
- no single person contributed more than ``dominance`` of its count (one resident's thirty
  rides are not made public by nine neighbours' one ride each).

Every other cell is suppressed (primary suppression). Then more cells are suppressed
(complementary suppression, smallest first) until the suppressed cells of the line, taken
together, pass the same two rules and there are at least two of them: the total minus the
published cells is then a figure about at least ``k`` people, and no suppressed cell can be
told apart from another. When the line as a whole has fewer than ``k`` people, the total and
every cell are suppressed (the same rules apply to the total).

Every cell belongs to exactly one line and lines share nothing but their total, so no sum
of published figures narrows a suppressed cell below the line's suppressed remainder (the
privacy tests check this with a linear-programming attacker).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

DEFAULT_K = 10
DEFAULT_DOMINANCE = 0.5

__all__ = [
    "DEFAULT_DOMINANCE",
    "DEFAULT_K",
    "LineCounts",
    "ProtectedLine",
    "protect_line",
]

LineCounts = Mapping[str, Counter[str]]
"""Category -> (person key -> number of records that person has in the cell)."""


@dataclass(frozen=True)
class ProtectedLine:
    """One line after suppression: true counts of what may be published, None where suppressed."""

    total: int | None
    cells: tuple[tuple[str, int | None], ...]
    """(category, count or None), in the order of the categories given."""

    @property
    def suppressed(self) -> frozenset[str]:
        """The suppressed categories."""
        return frozenset(category for category, value in self.cells if value is None)


def _passes(contributions: Counter[str], *, k: int, dominance: float) -> bool:
    count = sum(contributions.values())
    if len(contributions) < k or count < k:
        return False
    return max(contributions.values()) <= dominance * count


def _union(cells: LineCounts, categories: set[str]) -> Counter[str]:
    merged: Counter[str] = Counter()
    for category in categories:
        merged.update(cells[category])
    return merged


def protect_line(
    cells: LineCounts,
    categories: Sequence[str],
    *,
    k: int = DEFAULT_K,
    dominance: float = DEFAULT_DOMINANCE,
) -> ProtectedLine:
    """Suppress the cells of one line that would describe fewer than ``k`` people.

    Parameters
    ----------
    cells
        The contributions per category; a category of ``categories`` missing here is an
        empty cell (suppressed like any cell under ``k``, so that a cell going from 0 to 1
        between two exports shows nothing).
    categories
        Every category of the line, in publication order (the table's whole domain).
    k
        The least number of distinct people behind a published figure.
    dominance
        The largest share of a published cell one person may contribute.

    Returns
    -------
    ProtectedLine
        The total and the cells, None where suppressed.
    """
    if k < 2:
        msg = f"k must be at least 2, got {k}"
        raise ValueError(msg)
    if not 0 < dominance <= 1:
        msg = f"dominance must be in (0, 1], got {dominance}"
        raise ValueError(msg)
    full: dict[str, Counter[str]] = {category: Counter(cells.get(category, Counter())) for category in categories}
    unknown = set(cells) - set(categories)
    if unknown:
        msg = f"categories not in the line's domain: {sorted(unknown)}"
        raise ValueError(msg)
    line_total = _union(full, set(categories))
    if not _passes(line_total, k=k, dominance=dominance):
        return ProtectedLine(total=None, cells=tuple((category, None) for category in categories))
    suppressed = {category for category in categories if not _passes(full[category], k=k, dominance=dominance)}
    if suppressed:
        order = sorted(categories, key=lambda category: (sum(full[category].values()), categories.index(category)))
        while len(suppressed) < 2 or not _passes(_union(full, suppressed), k=k, dominance=dominance):
            # Terminates: all cells together are the line total, which passed above.
            suppressed.add(next(category for category in order if category not in suppressed))
    return ProtectedLine(
        total=sum(line_total.values()),
        cells=tuple(
            (category, None if category in suppressed else sum(full[category].values())) for category in categories
        ),
    )
