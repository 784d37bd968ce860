"""The suppression rules of one line, checked cell by cell against the rules as the docs state them."""

from __future__ import annotations

import itertools
import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.open_data.suppression import protect_line

K = 10


def people(prefix: str, count: int, rides: int = 1) -> Counter[str]:
    return Counter({f"{prefix}{n}": rides for n in range(count)})


def test_cells_of_k_people_are_published_and_smaller_ones_suppressed_with_a_partner() -> None:
    cells = {"a": people("a", 12), "b": people("b", 15), "c": people("c", 3), "d": people("d", 20)}
    line = protect_line(cells, ["a", "b", "c", "d"], k=K)
    values = dict(line.cells)
    assert line.total == 50
    assert values["c"] is None
    # the smallest other cell goes with it: total minus the published cells covers >= k people
    assert values["a"] is None
    assert values["b"] == 15 and values["d"] == 20


def test_a_cell_of_one_persons_many_rides_is_suppressed() -> None:
    cells = {"a": people("x", 1, rides=40), "b": people("b", 50)}
    line = protect_line(cells, ["a", "b"], k=K)
    assert dict(line.cells) == {"a": None, "b": None}
    assert line.total == 90


def test_a_total_dominated_by_one_person_is_suppressed() -> None:
    line = protect_line({"a": people("x", 1, rides=40), "b": people("b", 30)}, ["a", "b"], k=K)
    assert line.total is None


def test_a_cell_dominated_by_one_person_is_suppressed_even_with_k_people() -> None:
    dominated = people("n", 10) + Counter({"heavy": 40})
    line = protect_line({"a": dominated, "b": people("b", 25), "c": people("c", 30)}, ["a", "b", "c"], k=K)
    assert dict(line.cells)["a"] is None
    assert sum(1 for _, value in line.cells if value is None) >= 2


def test_a_line_of_fewer_than_k_people_publishes_nothing() -> None:
    line = protect_line({"a": people("a", 4), "b": people("b", 5)}, ["a", "b"], k=K)
    assert line.total is None
    assert all(value is None for _, value in line.cells)


def test_empty_categories_are_suppressed_like_small_ones() -> None:
    line = protect_line({"a": people("a", 30)}, ["a", "b", "c"], k=K)
    assert dict(line.cells) == {"a": None, "b": None, "c": None}


def test_k_below_two_is_refused() -> None:
    with pytest.raises(ValueError, match="k must be at least 2"):
        protect_line({}, ["a"], k=1)


def _people_of(cells: dict[str, Counter[str]], categories: set[str]) -> Counter[str]:
    merged: Counter[str] = Counter()
    for category in categories:
        merged.update(cells[category])
    return merged


@settings(max_examples=200, deadline=None)
@given(
    sizes=st.lists(st.tuples(st.integers(0, 25), st.integers(1, 5)), min_size=1, max_size=8),
    heavy=st.integers(0, 60),
    k=st.integers(2, 12),
)
def test_every_line_meets_the_rules(sizes: list[tuple[int, int]], heavy: int, k: int) -> None:
    """Whatever the counts: published cells have >= k people and no dominant one; the suppressed rest too."""
    categories = [f"c{n}" for n in range(len(sizes))]
    cells = {category: people(category, size, rides) for category, (size, rides) in zip(categories, sizes, strict=True)}
    if heavy:
        cells[categories[0]]["heavy"] += heavy
    line = protect_line(cells, categories, k=k)
    everyone = _people_of(cells, set(categories))
    if line.total is None:
        assert len(everyone) < k or sum(everyone.values()) < k or max(everyone.values()) > 0.5 * sum(everyone.values())
        return
    assert line.total == sum(everyone.values())
    for category, value in line.cells:
        if value is not None:
            assert value == sum(cells[category].values())
            assert len(cells[category]) >= k
            assert max(cells[category].values()) <= 0.5 * value
    hidden = line.suppressed
    if hidden:
        assert len(hidden) >= 2
        rest = _people_of(cells, set(hidden))
        assert len(rest) >= k and max(rest.values()) <= 0.5 * sum(rest.values())


def test_adding_one_ride_to_a_small_cell_changes_no_published_figure_but_the_total() -> None:
    rng = random.Random(7)
    categories = [f"c{n}" for n in range(6)]
    cells = {category: people(category, rng.choice([2, 3, 14, 20, 31])) for category in categories}
    before = protect_line(cells, categories, k=K)
    for category in categories:
        if dict(before.cells)[category] is None:
            changed = {name: Counter(value) for name, value in cells.items()}
            changed[category]["newcomer"] += 1
            after = protect_line(changed, categories, k=K)
            published_before = {c: v for c, v in before.cells if v is not None}
            published_after = {c: v for c, v in after.cells if v is not None}
            assert {c: v for c, v in published_after.items() if c in published_before} == {
                c: v for c, v in published_before.items() if c in published_after
            }
            break
    else:  # pragma: no cover - the seed gives small cells
        pytest.fail("no suppressed cell to change")


def test_suppression_is_deterministic_whatever_the_order_of_records() -> None:
    categories = ["a", "b", "c", "d"]
    cells = {"a": people("a", 3), "b": people("b", 3), "c": people("c", 11), "d": people("d", 12)}
    lines = {protect_line(dict(order), categories, k=K) for order in itertools.permutations(cells.items())}
    assert len(lines) == 1
