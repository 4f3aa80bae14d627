"""Column generation shared by maximin and LEXIMIN (Flanigan et al., Nature 596, 2021, Methods).

The restricted LP picks a distribution over the panels found so far; its dual weights say which
people are worst off; the pricing integer programme finds the panel that serves those people best.
If that panel could not raise the minimum by more than ``MAXIMIN_GAP``, the LP is optimal over *all*
panels to within that gap, because the pricing value gives a valid upper bound on the optimum.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import tolerances
from .errors import InfeasibleQuotasError
from .highs import PanelOracle, RestrictedMaster, expected_count_optimum
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


def seed_panels(oracle: PanelOracle, target: np.ndarray, count: int) -> list[np.ndarray]:
    """Up to ``count`` distinct panels rounding the expected counts ``target`` (randomised rounding).

    Roundings of the relaxation's optimum are cheap small IPs, and mixtures of them come close to it,
    so fewer pricing rounds remain. The noise comes from a generator with a fixed seed, so runs are
    reproducible and independent of hash or set ordering.
    """
    rng = np.random.Generator(np.random.PCG64(tolerances.SEED_PANEL_RANDOM_SEED))
    panels: list[np.ndarray] = []
    keys: set[bytes] = set()
    for _ in range(count):
        counts = oracle.rounded_panel(target, rng.random(oracle.num_types))
        if counts is not None and counts.tobytes() not in keys:
            keys.add(counts.tobytes())
            panels.append(counts)
    return panels


def _price(
    oracle: PanelOracle,
    master: RestrictedMaster,
    duals: np.ndarray,
    sizes: np.ndarray,
    unfixed: np.ndarray,
    fixed_values: np.ndarray,
    value: float,
    *,
    exact: bool,
) -> tuple[float, float, np.ndarray] | None:
    """(reduced value of the best panel found, valid upper bound on the optimum, its counts) for ``duals``.

    The LP-relaxation rounding is tried first; with ``exact``, the exact IP runs if that finds no
    improving new panel, so a stop is always certified by the exact bound. Without, ``None`` then.
    """
    type_weights = np.zeros(oracle.num_types)
    type_weights[master.active_types] = duals / sizes
    fixed_term = float(np.dot(duals, np.where(unfixed, master.offsets, fixed_values)))
    result = oracle.quick_panel(type_weights)
    quick_improves = (
        result is not None
        and result[0] - fixed_term > value + tolerances.MAXIMIN_GAP
        and not master.has_panel(result[2])
    )
    if not quick_improves:
        if not exact:
            return None
        result = oracle.best_panel(type_weights)
    assert result is not None
    panel_value, bound, counts = result
    return panel_value - fixed_term, bound - fixed_term, counts


def maximise_minimum(
    master: RestrictedMaster,
    oracle: PanelOracle,
    *,
    algorithm: str,
    stage: int,
    progress: ProgressCallback | None = None,
    max_iterations: int = tolerances.MAX_ITERATIONS_PER_STAGE,
    known_upper_bound: float | None = None,
    report_offset: float = 0.0,
    gap: float = tolerances.MAXIMIN_GAP,
    deadline: float | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> StageResult:
    """Raise the minimum probability of the unfixed types until the duality gap closes.

    The upper bound ``max_P y.a_P - sum_fixed f_t y_t`` holds for any dual weights ``y >= 0`` summing
    to 1 over unfixed types, so we keep the best one seen and stop when it meets the LP value.

    The starting bound and stability centre come from the expected-count relaxation
    (``expected_count_optimum``), whose bound is typically already tight, so the work is raising the
    restricted LP to it. Each round prices several Wentges-smoothed duals (convex combinations of the
    current duals and the centre, ``DUAL_SMOOTHING``): the master LP is highly degenerate and its raw
    duals jump between extreme points, which makes plain column generation zig-zag through hundreds
    of rounds. Every panel that improves the current LP is added, so one (costly) LP solve gains
    several columns. Smoothed duals are still a valid ``y`` for the bound, and the raw duals are
    always priced exactly, so the stopping rule is unchanged.

    With ``known_upper_bound`` (and the master's ``offsets``, see ``RestrictedMaster.set_offsets``),
    the relaxation and its seed panels are skipped: the caller already has the bound and the panels.
    Progress then reports ``report_offset`` plus the value and the bound (with the relaxation's levels
    as offsets, ``min(levels) + z`` is a guaranteed minimum probability and ``min(levels)`` the bound).
    ``gap`` replaces ``MAXIMIN_GAP`` as the stopping gap, and the stage also stops once
    ``clock()`` (``time.perf_counter`` unless the caller counts CPU time) passes ``deadline`` (the
    caller then judges the value it reached).
    """
    sizes = master.sizes[master.active_types]
    unfixed = np.isnan(master.fixed)
    fixed_values = np.nan_to_num(master.fixed)
    best_upper = np.inf
    center: np.ndarray | None = None
    relaxation = None
    if known_upper_bound is not None:
        best_upper = known_upper_bound
    else:
        relaxation = expected_count_optimum(master.pool, master.active_types, master.fixed)
    if relaxation is not None:
        best_upper = relaxation.value + tolerances.RELAXATION_BOUND_SLACK
        if relaxation.duals[unfixed].sum() > 0:
            center = relaxation.duals / relaxation.duals[unfixed].sum()
        for counts in seed_panels(oracle, relaxation.counts, tolerances.SEED_PANELS):
            if not master.has_panel(counts):
                master.add_panel(counts)
    iterations = 0
    while True:
        value, duals, weights = master.solve()
        iterations += 1
        total = duals[unfixed].sum()
        if total > 0:
            duals = duals / total
        type_weights = np.zeros(oracle.num_types)
        type_weights[master.active_types] = duals / sizes
        fixed_term = float(np.dot(duals, np.where(unfixed, master.offsets, fixed_values)))
        new_panels: list[np.ndarray] = []
        new_keys: set[bytes] = set()
        for alpha in tolerances.DUAL_SMOOTHING if center is not None else (0.0,):
            price_duals = duals if alpha == 0.0 or center is None else alpha * center + (1 - alpha) * duals
            priced = _price(oracle, master, price_duals, sizes, unfixed, fixed_values, value, exact=alpha == 0.0)
            if priced is None:
                continue
            _, bound, counts = priced
            if bound < best_upper:
                best_upper, center = bound, price_duals
            if best_upper - value <= gap:
                break
            improves = float(np.dot(type_weights, counts)) - fixed_term > value + tolerances.MAXIMIN_GAP
            if improves and not master.has_panel(counts) and counts.tobytes() not in new_keys:
                new_keys.add(counts.tobytes())
                new_panels.append(counts)
        if progress is not None:
            progress(
                Progress(
                    algorithm, stage, iterations, value + report_offset, best_upper + report_offset,
                    len(master.panels), phase="column generation",
                )
            )
        if (
            best_upper - value <= gap
            or not new_panels
            or iterations >= max_iterations
            or (deadline is not None and clock() > deadline)
        ):
            return StageResult(value, best_upper, duals, weights, iterations)
        for counts in new_panels:
            master.add_panel(counts)
