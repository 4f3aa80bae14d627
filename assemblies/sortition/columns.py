"""Column generation shared by maximin and LEXIMIN (Flanigan et al., Nature 596, 2021, Methods).

The restricted LP picks a distribution over the panels found so far; its dual weights say which
people are worst off; the pricing integer programme finds the panel that serves those people best.
If that panel could not raise the minimum by more than ``MAXIMIN_GAP``, the LP is optimal over *all*
panels to within that gap, because the pricing value gives a valid upper bound on the optimum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import tolerances
from .errors import InfeasibleQuotasError
from .highs import PanelOracle, RestrictedMaster
from .model import Progress, ProgressCallback
from .pool import Pool


@dataclass
class Cover:
    """Panels that together contain every type that can be on any feasible panel."""

    panels: list[np.ndarray]
    reachable: np.ndarray
    unreachable: np.ndarray


def cover_pool(pool: Pool, oracle: PanelOracle) -> Cover:
    """Find panels covering every reachable type, and certify which types no panel can contain.

    Each round maximises the number of not-yet-covered types on a panel; when the optimum is zero, the
    remaining types are in no feasible panel at all (their selection probability is necessarily 0).
    """
    from .feasibility import diagnose  # local import: feasibility imports this module's users

    sizes = pool.type_sizes.astype(float)
    first = None
    if pool.size >= 0 and np.all(pool.upper >= 0):
        first = oracle.best_panel(np.zeros(pool.num_types))
    if first is None:
        raise InfeasibleQuotasError(diagnose(pool))
    uncovered = np.ones(pool.num_types, dtype=bool)
    panels: list[np.ndarray] = []
    while uncovered.any():
        weights = np.where(uncovered, 1.0 / sizes, 0.0)
        result = oracle.best_panel(weights)
        assert result is not None
        value, _, counts = result
        if value <= 0.5 / sizes.max():
            break
        panels.append(counts)
        uncovered &= counts == 0
    if not panels:
        panels.append(first[2])
    reachable = np.flatnonzero(~uncovered)
    return Cover(panels, reachable, np.flatnonzero(uncovered))


@dataclass
class StageResult:
    value: float
    upper_bound: float
    duals: np.ndarray
    weights: np.ndarray
    iterations: int


def maximise_minimum(
    master: RestrictedMaster,
    oracle: PanelOracle,
    *,
    algorithm: str,
    stage: int,
    progress: ProgressCallback | None = None,
    max_iterations: int = tolerances.MAX_ITERATIONS_PER_STAGE,
) -> StageResult:
    """Raise the minimum probability of the unfixed types until the duality gap closes.

    The upper bound ``max_P y.a_P - sum_fixed f_t y_t`` holds for any dual weights ``y >= 0`` summing
    to 1 over unfixed types, so we keep the best one seen and stop when it meets the LP value.
    """
    sizes = master.sizes[master.active_types]
    unfixed = np.isnan(master.fixed)
    fixed_values = np.nan_to_num(master.fixed)
    best_upper = np.inf
    iterations = 0
    while True:
        value, duals, weights = master.solve()
        iterations += 1
        total = duals[unfixed].sum()
        if total > 0:
            duals = duals / total
        type_weights = np.zeros(oracle.num_types)
        type_weights[master.active_types] = duals / sizes
        fixed_term = float(np.dot(duals[~unfixed], fixed_values[~unfixed]))
        result = oracle.quick_panel(type_weights)
        quick_improves = (
            result is not None
            and result[0] - fixed_term > value + tolerances.MAXIMIN_GAP
            and not master.has_panel(result[2])
        )
        if not quick_improves:
            result = oracle.best_panel(type_weights)
        assert result is not None
        _, bound, counts = result
        best_upper = min(best_upper, bound - fixed_term)
        if progress is not None:
            progress(Progress(algorithm, stage, iterations, value, best_upper, len(master.panels)))
        if (
            best_upper - value <= tolerances.MAXIMIN_GAP
            or master.has_panel(counts)
            or iterations >= max_iterations
        ):
            return StageResult(value, best_upper, duals, weights, iterations)
        master.add_panel(counts)
