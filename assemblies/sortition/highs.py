"""Thin wrappers around HiGHS (``highspy``): the panel integer programme and the restricted LP.

Both models are built once and then modified in place (objective for pricing, columns and row bounds
for the master), so HiGHS can warm-start the LP from the previous basis.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np

from . import tolerances
from .pool import Pool

INF = highspy.kHighsInf
MIP_UNLIMITED_SOLUTIONS = 2_147_483_647  # HiGHS's default for mip_max_improving_sols


def _quiet_highs() -> highspy.Highs:
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("random_seed", 0)
    highs.setOptionValue("threads", 1)
    return highs


def add_panel_rows(highs: highspy.Highs, pool: Pool) -> None:
    """Constrain the first ``pool.num_types`` columns (people per type) to a valid panel.

    One row for the panel size, one per category value for its quota, one per household
    (at most one member). The pricing IP and the expected-count LP share these rows, so
    both always describe the same set of panels.
    """
    num_types = pool.num_types
    all_types = np.arange(num_types, dtype=np.int32)
    highs.addRow(float(pool.size), float(pool.size), num_types, all_types, np.ones(num_types))
    incidence = pool.incidence()
    for value in range(len(pool.value_labels)):
        types = np.flatnonzero(incidence[value]).astype(np.int32)
        highs.addRow(float(pool.lower[value]), float(pool.upper[value]), len(types), types, np.ones(len(types)))
    for household in pool.households:
        types = np.array(household, dtype=np.int32)
        highs.addRow(-INF, 1.0, len(types), types, np.ones(len(types)))


class PanelOracle:
    """Integer programme over panels: one integer per type (how many of its members sit on the panel).

    Constraints: panel size, every quota, at most one per household. ``best_panel(weights)`` is the
    pricing step of column generation: the feasible panel maximising ``sum weights[t] * count[t]``.
    """

    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        highs = _quiet_highs()
        highs.setOptionValue("mip_rel_gap", tolerances.MIP_RELATIVE_GAP)
        highs.setOptionValue("mip_abs_gap", tolerances.MIP_ABSOLUTE_GAP)
        highs.setOptionValue("mip_feasibility_tolerance", tolerances.MIP_FEASIBILITY_TOLERANCE)
        highs.setOptionValue("time_limit", tolerances.MIP_TIME_LIMIT_SECONDS)
        num_types = pool.num_types
        sizes = pool.type_sizes.astype(float)
        highs.addVars(num_types, np.zeros(num_types), sizes)
        if num_types:
            highs.changeColsIntegrality(
                num_types, np.arange(num_types, dtype=np.int32), np.full(num_types, highspy.HighsVarType.kInteger)
            )
        highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
        add_panel_rows(highs, pool)
        lp = highs.getLp()
        self.row_lower = np.array(lp.row_lower_, dtype=float)
        self.row_upper = np.array(lp.row_upper_, dtype=float)
        self._row_bounds = (self.row_lower.copy(), self.row_upper.copy())
        self.highs = highs
        self.num_types = num_types
        self.sizes = sizes
        self.solves = 0
        relaxation = _quiet_highs()
        relaxation.setOptionValue("primal_feasibility_tolerance", tolerances.LP_PRIMAL_FEASIBILITY_TOLERANCE)
        relaxation.setOptionValue("dual_feasibility_tolerance", tolerances.LP_DUAL_FEASIBILITY_TOLERANCE)
        relaxation.setOptionValue("presolve", "off")
        relaxation.passModel(highs.getLp())
        relaxation.changeColsIntegrality(
            num_types, np.arange(num_types, dtype=np.int32), np.full(num_types, highspy.HighsVarType.kContinuous)
        )
        relaxation.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.relaxation = relaxation

    def best_panel(self, weights: np.ndarray) -> tuple[float, float, np.ndarray] | None:
        """(value, upper bound on the optimum, counts per type), or ``None`` if no panel is feasible."""
        self.highs.changeColsCost(self.num_types, np.arange(self.num_types, dtype=np.int32), np.asarray(weights, float))
        self.highs.run()
        self.solves += 1
        status = self.highs.getModelStatus()
        if status == highspy.HighsModelStatus.kInfeasible:
            return None
        info = self.highs.getInfo()
        if info.primal_solution_status != highspy.SolutionStatus.kSolutionStatusFeasible:
            if status in (highspy.HighsModelStatus.kTimeLimit, highspy.HighsModelStatus.kIterationLimit):
                raise RuntimeError("HiGHS found no panel within the time limit")
            return None
        counts = np.rint(np.array(self.highs.getSolution().col_value)).astype(np.int64)
        value = float(np.dot(weights, counts))
        dual_bound = float(info.mip_dual_bound)
        bound = max(value, dual_bound) if np.isfinite(dual_bound) else value
        return value, bound, counts


    def panel_within(
        self,
        lower: np.ndarray,
        upper: np.ndarray,
        row_lower: np.ndarray,
        row_upper: np.ndarray,
        weights: np.ndarray,
        first_found: bool = False,
    ) -> np.ndarray | None:
        """The best panel for ``weights`` with counts in [lower, upper] and the panel rows (size, quotas,
        households, in ``add_panel_rows`` order) narrowed to [row_lower, row_upper]; ``None`` if none.

        The decomposition (``certified``) uses this when its greedy rounding fails: bounds pin the
        panel to a box around the residual point and tight quotas to equality.
        """
        indices = np.arange(self.num_types, dtype=np.int32)
        self.highs.changeColsBounds(self.num_types, indices, np.asarray(lower, float), np.asarray(upper, float))
        self._set_row_bounds(np.asarray(row_lower, float), np.asarray(row_upper, float))
        # With ``first_found``, any panel in the box will do (the weights only vary which one), so
        # HiGHS stops at the first it finds.
        self.highs.setOptionValue("mip_max_improving_sols", 1 if first_found else MIP_UNLIMITED_SOLUTIONS)
        try:
            result = self.best_panel(weights)
        finally:
            self.highs.setOptionValue("mip_max_improving_sols", MIP_UNLIMITED_SOLUTIONS)
            self.highs.changeColsBounds(self.num_types, indices, np.zeros(self.num_types), self.sizes)
            self._set_row_bounds(self.row_lower, self.row_upper)
        return None if result is None else result[2]

    def _set_row_bounds(self, lower: np.ndarray, upper: np.ndarray) -> None:
        """Bound the panel rows (``add_panel_rows`` order), one call per row whose bounds change."""
        current_lower, current_upper = self._row_bounds
        for row in np.flatnonzero((lower != current_lower) | (upper != current_upper)):
            self.highs.changeRowBounds(int(row), float(lower[row]), float(upper[row]))
        self._row_bounds = (lower.copy(), upper.copy())

    def quick_panel(self, weights: np.ndarray) -> tuple[float, float, np.ndarray] | None:
        """A good panel fast, with an upper bound from the LP relaxation (used before ``best_panel``).

        The pricing LP relaxation has at most as many fractional variables as it has rows (quota
        rows plus one); we fix every variable the relaxation sets to an integer and let the integer
        programme round only the few fractional ones. Returns (value, LP bound, counts), or ``None``
        if that rounding is impossible.
        """
        indices = np.arange(self.num_types, dtype=np.int32)
        weights = np.asarray(weights, float)
        self.relaxation.changeColsCost(self.num_types, indices, weights)
        self.relaxation.run()
        if self.relaxation.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        relaxed = np.array(self.relaxation.getSolution().col_value)
        bound = float(self.relaxation.getInfo().objective_function_value)
        rounded = np.rint(relaxed)
        integral = np.abs(relaxed - rounded) <= tolerances.MIP_FEASIBILITY_TOLERANCE
        if integral.all():
            counts = rounded.astype(np.int64)
            return float(np.dot(weights, counts)), bound, counts
        lower = np.where(integral, rounded, np.floor(relaxed))
        upper = np.where(integral, rounded, np.ceil(relaxed))
        self.highs.changeColsBounds(self.num_types, indices, lower, upper)
        try:
            result = self.best_panel(weights)
        finally:
            self.highs.changeColsBounds(self.num_types, indices, np.zeros(self.num_types), self.sizes)
        if result is None:
            return None
        value, _, counts = result
        return value, bound, counts


    def rounded_panel(self, target: np.ndarray, noise: np.ndarray) -> np.ndarray | None:
        """A feasible panel whose counts are ``target`` rounded down or up, or ``None`` if none is.

        The objective ``frac(target) - noise`` with uniform ``noise`` rounds each type up with
        probability about its fractional part (randomised rounding) while the integer programme keeps
        every quota; only the fractional types are free, so the IP is small.
        """
        indices = np.arange(self.num_types, dtype=np.int32)
        lower = np.floor(target + tolerances.MIP_FEASIBILITY_TOLERANCE)
        upper = np.minimum(np.ceil(target - tolerances.MIP_FEASIBILITY_TOLERANCE), self.sizes)
        lower = np.minimum(lower, upper)
        self.highs.changeColsBounds(self.num_types, indices, lower, upper)
        try:
            result = self.best_panel(target - lower - noise)
        finally:
            self.highs.changeColsBounds(self.num_types, indices, np.zeros(self.num_types), self.sizes)
        return None if result is None else result[2]


class RestrictedMaster:
    """The maximin LP over the panels found so far, with some types' probabilities fixed (LEXIMIN).

        maximise z  subject to  sum_P q_P c_Pt / n_t >= z    for unfixed types t,
                                sum_P q_P c_Pt / n_t >= f_t  for fixed types t,
                                sum_P q_P = 1,  q >= 0.
    The duals of the type rows are the pricing weights; they sum to 1 over unfixed types. A new panel
    is a new column, so the primal simplex restarts from a primal feasible basis.
    """

    def __init__(self, pool: Pool, active_types: np.ndarray) -> None:
        highs = _quiet_highs()
        highs.setOptionValue("primal_feasibility_tolerance", tolerances.LP_PRIMAL_FEASIBILITY_TOLERANCE)
        highs.setOptionValue("dual_feasibility_tolerance", tolerances.LP_DUAL_FEASIBILITY_TOLERANCE)
        highs.setOptionValue("simplex_iteration_limit", tolerances.LP_ITERATION_LIMIT)
        highs.setOptionValue("presolve", "off")
        highs.setOptionValue("simplex_strategy", 4)  # primal simplex: new columns keep the basis primal feasible
        highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.pool = pool
        self.active_types = np.asarray(active_types, dtype=np.int64)
        self.row_of_type = {int(t): row for row, t in enumerate(self.active_types)}
        self.sizes = pool.type_sizes.astype(float)
        num_rows = len(self.active_types)
        highs.addVar(0.0, 1.0)  # z
        highs.changeColCost(0, 1.0)
        empty_index, empty_value = np.array([], dtype=np.int32), np.array([], dtype=float)
        for _ in range(num_rows):
            highs.addRow(0.0, INF, 0, empty_index, empty_value)
        highs.addRow(1.0, 1.0, 0, empty_index, empty_value)
        for row in range(num_rows):
            highs.changeCoeff(row, 0, -1.0)
        self.convexity_row = num_rows
        self.highs = highs
        self.panels: list[np.ndarray] = []
        self.panel_keys: set[bytes] = set()
        self.fixed = np.full(num_rows, np.nan)
        self.offsets = np.zeros(num_rows)

    def has_panel(self, counts: np.ndarray) -> bool:
        return counts.tobytes() in self.panel_keys

    def add_panel(self, counts: np.ndarray) -> None:
        rows = np.flatnonzero(counts[self.active_types] > 0)
        values = counts[self.active_types[rows]] / self.sizes[self.active_types[rows]]
        indices = np.array([*rows, self.convexity_row], dtype=np.int32)
        coefficients = np.array([*values, 1.0], dtype=float)
        self.highs.addCol(0.0, 0.0, INF, len(indices), indices, coefficients)
        self.panels.append(counts.copy())
        self.panel_keys.add(counts.tobytes())

    def fix(self, rows: np.ndarray, value: float) -> None:
        """Pin types (positions in ``active_types``) to probability >= ``value``; they leave the minimum."""
        for row in rows:
            self.highs.changeCoeff(int(row), 0, 0.0)
            self.highs.changeRowBounds(int(row), value, INF)
            self.fixed[row] = value

    def set_offsets(self, offsets: np.ndarray) -> None:
        """Make z the smallest ``probability - offset`` over unfixed types (z may then be negative).

        With the relaxation's LEXIMIN levels as offsets, z >= 0 means the panels attain those levels
        (``certified`` completes a stuck decomposition this way).
        """
        self.offsets = np.asarray(offsets, dtype=float).copy()
        self.highs.changeColBounds(0, -1.0, 1.0)
        for row in np.flatnonzero(np.isnan(self.fixed)):
            self.highs.changeRowBounds(int(row), float(self.offsets[row]), INF)

    def solve(self) -> tuple[float, np.ndarray, np.ndarray]:
        """(achieved minimum z, dual weights y per active type (>= 0), probability q per panel)."""
        self.highs.run()
        status = self.highs.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"restricted LP not solved: {self.highs.modelStatusToString(status)}")
        solution = self.highs.getSolution()
        duals = -np.array(solution.row_dual[: len(self.active_types)])
        col_values = np.array(solution.col_value)
        return float(col_values[0]), np.maximum(duals, 0.0), np.maximum(col_values[1:], 0.0)


@dataclass
class ExpectedCounts:
    """Optimum of the expected-count relaxation (see ``expected_count_optimum``)."""

    counts: np.ndarray  # expected count per type (all types)
    value: float  # the relaxation's minimum probability over unfixed types: an upper bound
    duals: np.ndarray  # dual weight per active type (>= 0), same scaling as ``RestrictedMaster``'s


def relaxation_model(pool: Pool, types: np.ndarray, fixed: np.ndarray) -> tuple[highspy.Highs, int]:
    """The LP relaxation of the panel polytope, set up to maximise the smallest open probability.

    Columns: one expected count per type (between 0 and the type's size), then ``z``, the objective.
    Rows: the panel-validity rows (:func:`add_panel_rows`), then one row per entry of ``types``:
    ``count / size - z >= 0`` if its ``fixed`` entry is NaN (open), else ``count / size >= fixed``.
    Returns the model and the index of the first type row, so callers can read those rows' duals
    or re-bound them between LEXIMIN stages.
    """
    highs = _quiet_highs()
    highs.setOptionValue("presolve", "off")
    highs.setOptionValue("primal_feasibility_tolerance", tolerances.LP_PRIMAL_FEASIBILITY_TOLERANCE)
    highs.setOptionValue("dual_feasibility_tolerance", tolerances.LP_DUAL_FEASIBILITY_TOLERANCE)
    num_types = pool.num_types
    sizes = pool.type_sizes.astype(float)
    highs.addVars(num_types, np.zeros(num_types), sizes)
    highs.addVar(0.0, 1.0)  # z, column num_types
    highs.changeColCost(num_types, 1.0)
    highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
    add_panel_rows(highs, pool)
    first_type_row = highs.getNumRow()
    for t, floor in zip(np.asarray(types, dtype=np.int64), fixed, strict=True):
        index = np.array([int(t), num_types], dtype=np.int32)
        if np.isnan(floor):
            highs.addRow(0.0, INF, 2, index, np.array([1.0 / sizes[t], -1.0]))
        else:
            highs.addRow(float(floor), INF, 2, index, np.array([1.0 / sizes[t], 0.0]))
    return highs, first_type_row


def expected_count_optimum(pool: Pool, active_types: np.ndarray, fixed: np.ndarray) -> ExpectedCounts | None:
    """Maximise the smallest ``count / size`` of unfixed types over the LP relaxation of the panel IP.

    Any distribution over panels has expected counts in the LP relaxation of the panel polytope
    (fixed types keeping probability >= ``fixed``), so the optimum is an upper bound on the stage's
    value, and on quota instances the integrality gap is typically nil (2000/200 synthetic: equal to
    1e-13). Its duals are near-optimal pricing weights: column generation stabilised around them
    converges in far fewer rounds than from the restricted LP's degenerate duals, and roundings of its
    counts are good first panels. Returns ``None`` if the LP fails.
    """
    num_types = pool.num_types
    highs, first_type_row = relaxation_model(pool, active_types, fixed)
    highs.run()
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    solution = highs.getSolution()
    col_value = np.array(solution.col_value)
    duals = np.maximum(-np.array(solution.row_dual[first_type_row:]), 0.0)
    return ExpectedCounts(col_value[:num_types], float(col_value[num_types]), duals)
