"""Can any panel meet the quotas? If not, say why and what the smallest fix is.

An officer cannot act on "solver status: infeasible". The diagnosis lists the simple contradictions
(a category whose minimums add up to more than the panel, a value with fewer respondents than its
minimum) and then solves an integer programme with slack on every min and max: the least total
relaxation (in seats) for which some panel exists. That names exactly the quotas to change and by how
much, including conflicts between categories that no single-category check can see.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import highspy
import numpy as np

from . import tolerances
from .errors import InfeasibleQuotasError, Relaxation
from .highs import INF, PanelOracle
from .model import Instance
from .pool import Pool, compile_pool


@dataclass(frozen=True)
class Diagnosis:
    """Why no panel meets the quotas, and the smallest relaxation that would let one."""

    panel_size: int
    seats_to_fill: int
    available: int
    problems: tuple[str, ...]
    relaxations: tuple[Relaxation, ...] = ()
    conflicting_categories: tuple[str, ...] = ()
    respondents: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def total_relaxation(self) -> int:
        return sum(r.old_min - r.new_min + r.new_max - r.old_max for r in self.relaxations)

    def __str__(self) -> str:
        lines = ["The quotas cannot all be met by any panel."]
        lines += [f"- {problem}" for problem in self.problems]
        if self.conflicting_categories:
            lines.append("Conflicting categories: " + ", ".join(self.conflicting_categories))
        if self.relaxations:
            lines.append(f"Smallest relaxation ({self.total_relaxation} seat(s) in total) that makes a panel possible:")
            for change in self.relaxations:
                lines.append(
                    f"- {change.category}/{change.value} ({change.respondents} respondents): "
                    f"min {change.old_min} -> {change.new_min}, max {change.old_max} -> {change.new_max}"
                )
        return "\n".join(lines)

    def as_dict(self) -> dict[str, object]:
        return {
            "panel_size": self.panel_size,
            "available": self.available,
            "problems": list(self.problems),
            "conflicting_categories": list(self.conflicting_categories),
            "relaxations": [change.__dict__ for change in self.relaxations],
            "respondents": self.respondents,
        }


def is_feasible(pool: Pool) -> bool:
    """True if at least one panel meets every quota (and the household rule)."""
    return PanelOracle(pool).best_panel(np.zeros(pool.num_types)) is not None


def check_quotas(instance: Instance) -> Diagnosis | None:
    """``None`` if the quotas can be met, else the diagnosis."""
    pool = compile_pool(instance)
    if pool.size >= 0 and np.all(pool.upper >= 0) and is_feasible(pool):
        return None
    return diagnose(pool)


def _simple_problems(pool: Pool, respondents: np.ndarray) -> list[str]:
    problems = []
    available = int(pool.type_sizes.sum())
    if pool.size > available:
        problems.append(f"{pool.size} seats to fill but only {available} people available")
    by_category: dict[str, list[int]] = {}
    for index, (category, _) in enumerate(pool.value_labels):
        by_category.setdefault(category, []).append(index)
    for category, indices in by_category.items():
        low = int(pool.original_lower[indices].sum())
        high = int(pool.original_upper[indices].sum())
        total = pool.size + len(pool.forced)
        if low > total:
            problems.append(f"the minimums of {category} add up to {low}, more than the panel size {total}")
        if high < total:
            problems.append(f"the maximums of {category} add up to {high}, less than the panel size {total}")
    for index, (category, value) in enumerate(pool.value_labels):
        if pool.upper[index] < 0:
            problems.append(f"{category}/{value}: max {pool.original_upper[index]} is below the people already selected")
        elif pool.lower[index] > respondents[index]:
            problems.append(
                f"{category}/{value}: min {pool.original_lower[index]} but only {int(respondents[index])} respondents"
                + (" left" if pool.forced or pool.removed else "")
            )
    return problems


def minimal_relaxation(pool: Pool) -> tuple[np.ndarray, np.ndarray] | None:
    """Least total slack (seats) on mins and maxes so that a panel exists: (min slack, max slack)."""
    num_types, num_values = pool.num_types, len(pool.value_labels)
    available = int(pool.type_sizes.sum())
    if pool.size > available or pool.size < 0:
        return None
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("mip_rel_gap", tolerances.MIP_RELATIVE_GAP)
    highs.setOptionValue("time_limit", tolerances.MIP_TIME_LIMIT_SECONDS)
    highs.addVars(num_types, np.zeros(num_types), pool.type_sizes.astype(float))
    highs.addVars(2 * num_values, np.zeros(2 * num_values), np.full(2 * num_values, INF))
    total = num_types + 2 * num_values
    highs.changeColsIntegrality(total, np.arange(total, dtype=np.int32), np.full(total, highspy.HighsVarType.kInteger))
    highs.changeColsCost(
        2 * num_values, np.arange(num_types, total, dtype=np.int32), np.ones(2 * num_values)
    )
    all_types = np.arange(num_types, dtype=np.int32)
    highs.addRow(float(pool.size), float(pool.size), num_types, all_types, np.ones(num_types))
    incidence = pool.incidence()
    for value in range(num_values):
        types = np.flatnonzero(incidence[value]).astype(np.int32)
        ones = np.ones(len(types))
        below, above = num_types + value, num_types + num_values + value
        highs.addRow(float(pool.lower[value]), INF, len(types) + 1, np.append(types, below), np.append(ones, 1.0))
        highs.addRow(-INF, float(pool.upper[value]), len(types) + 1, np.append(types, above), np.append(ones, -1.0))
    for household in pool.households:
        types = np.array(household, dtype=np.int32)
        highs.addRow(-INF, 1.0, len(types), types, np.ones(len(types)))
    highs.run()
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    values = np.rint(np.array(highs.getSolution().col_value)).astype(np.int64)
    return values[num_types : num_types + num_values], values[num_types + num_values :]


def diagnose(pool: Pool) -> Diagnosis:
    """Explain infeasible quotas: simple contradictions, respondents per value, minimal relaxation."""
    respondents = pool.respondents_per_value()
    problems = _simple_problems(pool, respondents)
    counts: dict[str, dict[str, int]] = {}
    for index, (category, value) in enumerate(pool.value_labels):
        counts.setdefault(category, {})[value] = int(respondents[index])
    relaxations: list[Relaxation] = []
    slack = minimal_relaxation(pool)
    if slack is not None:
        below, above = slack
        for index, (category, value) in enumerate(pool.value_labels):
            if below[index] or above[index]:
                old_min, old_max = int(pool.original_lower[index]), int(pool.original_upper[index])
                relaxations.append(
                    Relaxation(
                        category,
                        value,
                        old_min,
                        old_max,
                        max(0, old_min - int(below[index])),
                        old_max + int(above[index]),
                        int(respondents[index]),
                    )
                )
        if not problems and relaxations:
            problems.append("the quotas of different categories cannot be met together")
        if not relaxations and pool.households:
            problems.append("the household rule (one person per address) leaves too few people")
    conflicting = tuple(dict.fromkeys(change.category for change in relaxations))
    return Diagnosis(
        panel_size=pool.size + len(pool.forced),
        seats_to_fill=pool.size,
        available=int(pool.type_sizes.sum()),
        problems=tuple(problems),
        relaxations=tuple(relaxations),
        conflicting_categories=conflicting,
        respondents=counts,
    )


def require_feasible(instance: Instance) -> None:
    """Raise ``InfeasibleQuotasError`` with the diagnosis if no panel meets the quotas."""
    diagnosis = check_quotas(instance)
    if diagnosis is not None:
        raise InfeasibleQuotasError(diagnosis)
