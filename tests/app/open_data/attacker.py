"""An attacker who knows every published figure and solves for the suppressed ones (linear programming).

Written from the published file format alone (usage.json as the schema describes it), not from
the suppression code: every line says total = sum of its cells, the four ride tables share one
population per month (so their totals are equal), counts are non-negative. For each unknown the
attacker computes the smallest and largest value consistent with all of that.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import linprog

RIDE_TABLES = ("rides_by_mode", "rides_by_origin_district", "rides_by_destination_district", "rides_by_hour_band")


@dataclass(frozen=True)
class Bounds:
    """What the attacker can say about one suppressed figure."""

    table: str
    month: str
    category: str
    low: float
    high: float


def attack(document: dict[str, Any], *, known: dict[tuple[str, str, str], int] | None = None) -> list[Bounds]:
    """Bounds on every suppressed cell and total of ``document``.

    ``known`` adds side knowledge: (table, month, category) -> value the attacker knows exactly
    (for instance their own rides, or a neighbour's).
    """
    known = known or {}
    results: list[Bounds] = []
    for month in document["months"]:
        variables: dict[tuple[str, str], int] = {}
        rows: list[tuple[dict[int, float], float]] = []

        def unknown(table: str, category: str, variables: dict[tuple[str, str], int] = variables) -> int:
            return variables.setdefault((table, category), len(variables))

        total_terms: dict[str, tuple[dict[int, float], float]] = {}
        for table in document["tables"]:
            line = next(line for line in table["lines"] if line["month"] == month)
            name = table["name"]
            coefficients: dict[int, float] = {}
            constant = 0.0
            for category, value in line["cells"].items():
                if value is None:
                    coefficients[unknown(name, category)] = 1.0
                else:
                    constant += value
            # sum(unknown cells) - total = -published cells
            if line["total"] is None:
                coefficients[unknown(name, "_T")] = -1.0
                rows.append((coefficients, -constant))
            else:
                rows.append((coefficients, line["total"] - constant))
            if line["total"] is None:
                total_terms[name] = ({variables[(name, "_T")]: 1.0}, 0.0)
            else:
                total_terms[name] = ({}, float(line["total"]))
        rides = [total_terms[name] for name in RIDE_TABLES if name in total_terms]
        for (left, left_value), (right, right_value) in itertools.pairwise(rides):
            coefficients = dict(left)
            for index, weight in right.items():
                coefficients[index] = coefficients.get(index, 0.0) - weight
            rows.append((coefficients, right_value - left_value))
        for (table, category), index in variables.items():
            if (table, month, category) in known:
                rows.append(({index: 1.0}, float(known[(table, month, category)])))
        if not variables:
            continue
        size = len(variables)
        equality = np.zeros((len(rows), size))
        target = np.zeros(len(rows))
        for row, (coefficients, value) in enumerate(rows):
            for index, weight in coefficients.items():
                equality[row, index] = weight
            target[row] = value
        for (table, category), index in variables.items():
            objective = np.zeros(size)
            objective[index] = 1.0
            low = linprog(objective, A_eq=equality, b_eq=target, bounds=[(0, None)] * size, method="highs")
            high = linprog(-objective, A_eq=equality, b_eq=target, bounds=[(0, None)] * size, method="highs")
            assert low.status == 0, f"published figures are inconsistent for {month}: {low.message}"
            top = float("inf") if high.status == 3 else -high.fun  # status 3: unbounded
            results.append(Bounds(table, month, category, float(low.fun), top))
    return results
