"""LEXIMIN (and maximin) without column generation: solve the LP relaxation, then decompose it exactly.

Why this is correct (the certificate)
-------------------------------------
Write ``x_t`` for the expected number of type-``t`` people on the panel and ``p_t = x_t / n_t`` for
their selection probability. Every distribution over quota-satisfying panels has expected counts in
the *relaxation* R: ``0 <= x_t <= n_t``, ``sum x = k``, every quota ``l_v <= sum_{t has v} x_t <= u_v``
and at most one per household. So the set A of probability vectors any lottery can achieve lies in R.

1. ``relaxation_leximin`` computes the LEXIMIN point of R by the usual sequence of LPs: maximise the
   smallest probability ``z`` of the types not yet fixed; a type whose row has a positive dual weight
   cannot exceed ``z`` in any optimum of that LP (complementary slackness), so it is fixed at ``z``;
   repeat until every type is fixed. The result is the leximin-best vector ``L`` over R (it is unique,
   R being convex), hence at least as good, in the leximin order, as every vector in A.
2. ``decompose`` writes the relaxation's optimal counts ``x*`` as a convex combination of integer,
   quota-satisfying panels (Caratheodory-style peeling, below). If that succeeds, the resulting
   lottery achieves ``x*`` itself, so it lies in A *and* attains ``L``: it is LEXIMIN-optimal over
   all lotteries of panels. We check this explicitly rather than trusting the arithmetic: every panel
   is re-checked against the quotas, and every type's achieved probability must be at least its level
   in ``L`` minus ``CERTIFICATE_TOLERANCE``. Its minimum is then also the maximin optimum (``L``'s
   smallest entry bounds every lottery's minimum from above), which is why ``maximin`` uses it too.

The certificate is as exact as the LPs: the levels come from HiGHS duals (a type is fixed when its
dual weight exceeds ``LEXIMIN_DUAL_THRESHOLD``), exactly as in the column-generation route, and the
comparison allows ``CERTIFICATE_TOLERANCE``.

The decomposition can fail: with three or more categories the relaxation is not integral, and ``x*``
may lie outside the convex hull of the integer panels (or the peeling may walk into a face with no
integer panel). Then the caller falls back to the column-generation algorithms, seeded with the panels
found here, so results are correct on every instance; only the speed differs.

Peeling
-------
Keep a residual point ``y`` in R with remaining mass ``mu`` (initially ``x*`` and 1). Find an integer
panel ``v`` on the smallest face of R containing ``y`` (every quota tight at ``y`` stays tight), with
``v_t`` equal to ``y_t`` rounded down or up; then move ``y`` away from ``v`` (``y + theta (y - v)``)
as far as the box ``[floor y, ceil y]`` and the quotas allow, giving ``v`` the mass that this frees.
Each step makes a coordinate integral or a quota tight, so there are at most about (types + quota
rows) steps, i.e. panels. The rounding is a greedy pass plus a local repair in NumPy; only if that
fails is the HiGHS integer programme asked (same box and tight rows), and if *no* such rounding
exists, any integer panel on the face (no box). Everything is deterministic: the rounding's random
keys come from a generator with a fixed seed, and orderings are stable sorts over type indices.

National scale (pools of ``EARLY_STOP_MIN_TYPES`` types or more)
----------------------------------------------------------------
The peeling needs about one step per type, and its tail (faces with few integer points, integer
programmes) is the slow part: 1,400 steps and 10 minutes on a 3,000-respondent, 1,500-type pool.
On such pools each step first repairs the previous step's panel (it is still a rounding of the new
point except where the step stopped), the integer programme takes the first panel it finds in the
box, and the peeling stops once ``DECOMPOSITION_STOP_MASS`` of the mass is left. Then one LP over all
the panels found (``_close``) maximises ``z`` with every type's probability at least its level + ``z``:
the peeled masses are a feasible point of it, so it only improves on them. If ``z`` is within
``CERTIFICATE_TOLERANCE`` the certificate above holds unchanged; if it is within
``CLOSING_ACCEPTED_GAP`` of the bound the lottery is kept and the measured gap (the largest shortfall
of a type below its level) is reported; otherwise the rest is peeled exactly. A fast peeling that gets stuck
(a face with no integer panel in its box) keeps its panels and closes the leftover by randomised
roundings of the residual plus column generation over all panels (``_close_by_columns``), and that
lottery is published with its measured gap (``CLOSING_STUCK_GAP`` of the bound is the target; the
note says when it is missed). Every later fallback on these pools is bounded in time
(``EXACT_PEELING_SECONDS``, ``CLOSING_COLUMNS_SECONDS``) and ends with a measured gap, so the route
always finishes. On faces where most quota rows are tight (the national pools: 27 of 32 rows) the
greedy rounding and single swaps rarely find a panel, and the integer programme cost 0.1-1.7 s a step;
``_fill`` (greedy additions that overshoot no row, then ``_exchange``: at most two types out and two
in, found by hashing the types' tight-row memberships) finds one in a few milliseconds on most of
those steps. Progress reports the
probability every type already has from the panels placed: its minimum is a guaranteed minimum
(the remaining mass can go to any panel), and it rises to the bound.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import highspy
import numpy as np

from . import tolerances
from .columns import maximise_minimum
from .highs import INF, PanelOracle, RestrictedMaster, relaxation_model
from .model import Progress, ProgressCallback
from .pool import Pool

# Tolerances of the national-scale route (kept here, next to the argument that uses them; the
# report quotes them with the rest of ``tolerances``):
# progress is reported every PROGRESS_EVERY_STEPS peeling steps;
PROGRESS_EVERY_STEPS = 20
# a relaxation LP stage made infeasible by round-off in the fixed levels is solved again with them
# loosened by each of RELAXATION_RETRY_SLACKS in turn (well below CERTIFICATE_TOLERANCE);
RELAXATION_RETRY_SLACKS = (1e-9, 1e-8, 3e-8)
# a fast peeling that gets stuck can be retried from the start with FAST_RETRIES other rounding seeds
# before the exact peeling (0: on the one pool measured, 3,000 respondents seed 1, all three seeds
# got stuck at ~90% of the mass, so retries only cost time);
FAST_RETRIES = 0
# a step first repairs the last step's panel with at most WARM_START_MOVES additions/removals/swaps;
WARM_START_MOVES = 30
# then ``_fill`` completes it (greedy additions + exchanges); a rounding from scratch gets
# FILL_ATTEMPTS orders of additions before the integer programme is asked;
FILL_ATTEMPTS = 10
# the peeling stops once DECOMPOSITION_STOP_MASS of the mass is left, and one LP over the panels
# found places it (its tail is the slow part: faces with few integer points, integer programmes);
DECOMPOSITION_STOP_MASS = 1e-4
# only on pools with at least EARLY_STOP_MIN_TYPES types (a national pool of 1,000 respondents has
# ~840); smaller ones peel to the end as before, exactly (the LP's lottery can sit up to ~1e-6 off
# the levels of the larger groups, the peeling's ~1e-9), so their figures do not change;
EARLY_STOP_MIN_TYPES = 800
# that LP's lottery is accepted if no type is more than CLOSING_ACCEPTED_GAP * (the bound) below its
# relaxation level; the gap is then reported. Otherwise the rest is peeled exactly.
CLOSING_ACCEPTED_GAP = 1e-4
# a fast peeling stuck on a face without integer panels keeps its panels and is closed
# (``_close_by_columns``) with up to CLOSING_SEED_ROUNDINGS roundings of its residual (for at most
# CLOSING_ROUNDING_SECONDS of CPU) and column generation (at most CLOSING_COLUMNS_SECONDS of CPU);
CLOSING_SEED_ROUNDINGS = 800
CLOSING_ROUNDING_BATCH = 100  # the LP is solved after each batch; enough once within CLOSING_ACCEPTED_GAP
CLOSING_ROUNDING_SECONDS = 20.0
CLOSING_COLUMNS_SECONDS = 15.0
# each batch of roundings leans towards the types the LP leaves shortest: a type's rounding key is
# raised by up to CLOSING_DUAL_BIAS (its dual weight per member, scaled to the largest) against
# uniform noise in [0, 1] (3,000-respondent seed 2, 300 roundings: 0.9919 of the bound unbiased,
# 0.9941 with this bias);
CLOSING_DUAL_BIAS = 3.0
# and kept with its measured gap reported; the target is that no type ends more than
# CLOSING_STUCK_GAP * (the bound) below its relaxation level (so the minimum is at least 0.999 of
# the bound), and the closing note says when it is missed (the exact peeling is not restarted: on
# these pools it did not finish in minutes);
CLOSING_STUCK_GAP = 1e-3
# an exact peeling started after the fast one failed stops after EXACT_PEELING_SECONDS (large pools
# only), so that the route always ends, with a measured gap if not certified.
EXACT_PEELING_SECONDS = 60.0


@dataclass
class RelaxedLeximin:
    """The LEXIMIN point of the LP relaxation: an upper bound (leximin order) on every lottery."""

    counts: np.ndarray  # x*: expected count per type
    levels: np.ndarray  # the probability level each type was fixed at (its entry of L)
    stages: int


def relaxation_leximin(pool: Pool, progress: ProgressCallback | None = None, algorithm: str = "leximin") -> RelaxedLeximin | None:
    """LEXIMIN over the relaxation by the standard LP sequence (see module docstring); ``None`` if an LP fails.

    One HiGHS model is modified in place between stages (a fixed type's row loses its ``z`` term and
    gets the level as lower bound), so each stage warm-starts from the previous basis.
    """
    num_types = pool.num_types
    highs, first_type_row = relaxation_model(pool, np.arange(num_types), np.full(num_types, np.nan))
    levels = np.full(num_types, np.nan)
    stages = 0
    col_value = np.zeros(num_types + 1)
    first_value = 1.0
    while np.isnan(levels).any():
        stages += 1
        highs.run()
        for slack in RELAXATION_RETRY_SLACKS:
            if highs.getModelStatus() == highspy.HighsModelStatus.kOptimal:
                break
            # Round-off made the fixed levels jointly infeasible: loosen them a little and solve again
            # (the certificate still asks every type for its level minus CERTIFICATE_TOLERANCE).
            for t in np.flatnonzero(~np.isnan(levels)):
                highs.changeRowBounds(first_type_row + int(t), max(0.0, float(levels[t]) - slack), INF)
            highs.clearSolver()
            highs.run()
        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        solution = highs.getSolution()
        col_value = np.array(solution.col_value)
        value = float(col_value[num_types])
        duals = np.maximum(-np.array(solution.row_dual[first_type_row:]), 0.0)
        open_types = np.isnan(levels)
        total = duals[open_types].sum()
        if total > 0:
            duals = duals / total
        to_fix = np.flatnonzero(open_types & (duals > tolerances.LEXIMIN_DUAL_THRESHOLD))
        if len(to_fix) == 0:
            candidates = np.flatnonzero(open_types)
            to_fix = candidates[[int(np.argmax(duals[candidates]))]]
        levels[to_fix] = value
        if stages == 1:
            first_value = value  # the smallest level: the bound on every lottery's minimum
        for t in to_fix:
            highs.changeCoeff(first_type_row + int(t), num_types, 0.0)
            highs.changeRowBounds(first_type_row + int(t), max(0.0, value - tolerances.LEXIMIN_FIX_SLACK), INF)
        if progress is not None:
            # No lottery exists yet, so the guaranteed minimum is 0; the first stage's value bounds it.
            progress(
                Progress(
                    algorithm, stages, 0, 0.0, first_value, 0, f"LP relaxation, level {value:.6f}",
                    mass_placed=0.0, phase="relaxation",
                )
            )
    if stages == 0:
        highs.run()
        col_value = np.array(highs.getSolution().col_value)
    counts = np.clip(col_value[:num_types], 0.0, pool.type_sizes.astype(float))
    return RelaxedLeximin(counts, levels, stages)


@dataclass
class Constraints:
    """Panel rows as a dense 0/1 matrix: row 0 the panel size, then quotas, then households."""

    matrix: np.ndarray  # rows x types, int64
    lower: np.ndarray
    upper: np.ndarray
    rows_of_type: list[tuple[int, ...]] = field(default_factory=list)
    real: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # ``matrix`` as float64

    def __post_init__(self) -> None:
        self.real = self.matrix.astype(float)

    @classmethod
    def of(cls, pool: Pool) -> Constraints:
        incidence = pool.incidence()
        households = np.zeros((len(pool.households), pool.num_types), dtype=np.int64)
        for row, household in enumerate(pool.households):
            households[row, list(household)] = 1
        matrix = np.vstack([np.ones((1, pool.num_types), dtype=np.int64), incidence, households])
        lower = np.concatenate([[pool.size], pool.lower, np.zeros(len(pool.households), dtype=np.int64)])
        upper = np.concatenate([[pool.size], pool.upper, np.ones(len(pool.households), dtype=np.int64)])
        rows_of_type = [tuple(int(r) for r in np.flatnonzero(matrix[:, t])) for t in range(pool.num_types)]
        return cls(matrix, lower.astype(np.int64), upper.astype(np.int64), rows_of_type)

    def valid(self, counts: np.ndarray, sizes: np.ndarray) -> bool:
        """Exact integer check of a panel: every row and every type's bound."""
        sums = self.matrix @ counts
        return bool(
            np.all(counts >= 0) and np.all(counts <= sizes) and np.all(sums >= self.lower) and np.all(sums <= self.upper)
        )


def _greedy_round(
    constraints: Constraints, fractional: np.ndarray, keys: np.ndarray, need_lo: np.ndarray, need_hi: np.ndarray
) -> np.ndarray | None:
    """Choose which ``fractional`` types round up so that each row's count of them is in [need_lo, need_hi].

    Greedy by ``keys`` (rows short of their minimum first, then the rest), then a local search over
    single additions, removals and swaps that lowers the total violation. ``None`` if that gets stuck;
    the caller then asks the integer programme.
    """
    rows_of_type = constraints.rows_of_type
    order = fractional[np.argsort(-keys, kind="stable")]
    count = [0] * len(need_lo)
    hi = need_hi.tolist()
    chosen: set[int] = set()

    def fits(t: int) -> bool:
        return all(count[r] < hi[r] for r in rows_of_type[t])

    def take(t: int) -> None:
        chosen.add(t)
        for r in rows_of_type[t]:
            count[r] += 1

    matrix = constraints.matrix
    for row in np.flatnonzero(need_lo[1:] > 0) + 1:
        for t in order[matrix[row, order] == 1].tolist():
            if count[row] >= need_lo[row]:
                break
            if t not in chosen and fits(t):
                take(t)
    for t in order.tolist():
        if count[0] >= hi[0]:
            break
        if t not in chosen and fits(t):
            take(t)
    counts = np.array(count)
    if np.all(counts >= need_lo):
        return np.array(sorted(chosen), dtype=np.int64)
    return _repair(constraints.real, fractional, np.array(sorted(chosen), dtype=np.int64), counts.astype(float), need_lo, need_hi)


def _violation(counts: np.ndarray, need_lo: np.ndarray, need_hi: np.ndarray) -> int:
    return int(np.maximum(need_lo - counts, 0).sum() + np.maximum(counts - need_hi, 0).sum())


def _repair(
    matrix: np.ndarray,
    fractional: np.ndarray,
    selected: np.ndarray,
    counts: np.ndarray,
    need_lo: np.ndarray,
    need_hi: np.ndarray,
    max_moves: int | None = None,
) -> np.ndarray | None:
    """Local search: apply the addition, removal or swap that most reduces the total row violation.

    A move's effect splits by row: removing a type from row r changes r's violation by ``a_r``, adding
    one by ``b_r``, and a swap within the same row changes nothing, so all swaps are scored at once by
    one small integer matrix product. Only swaps that add to a row below its minimum or remove from a
    row above its maximum can help, which keeps the product small. Ties go to the lowest index.
    ``matrix`` is the constraint matrix in floating point (small integers, so every sum is exact).
    The products are ``einsum``, not ``@``: multithreaded BLAS on these small matrices thrashes on a
    busy machine (measured: 19 s of CPU against 1.4 s single-threaded on the 3,000-person pool).
    """
    for _ in range(4 * len(need_lo) + 20 if max_moves is None else max_moves):
        current = _violation(counts, need_lo, need_hi)
        if current == 0:
            return selected
        others = np.setdiff1d(fractional, selected, assume_unique=True)
        a = np.maximum(need_lo - counts + 1, 0) + np.maximum(counts - 1 - need_hi, 0)
        a -= np.maximum(need_lo - counts, 0) + np.maximum(counts - need_hi, 0)
        b = np.maximum(need_lo - counts - 1, 0) + np.maximum(counts + 1 - need_hi, 0)
        b -= np.maximum(need_lo - counts, 0) + np.maximum(counts - need_hi, 0)
        inside, outside = matrix[:, selected].T, matrix[:, others].T
        remove_delta = np.einsum("ij,j->i", inside, a)
        add_delta = np.einsum("ij,j->i", outside, b)
        moves: list[tuple[int, int, int]] = []  # (delta, out type or -1, in type or -1)
        if len(others):
            best = int(np.argmin(add_delta))
            moves.append((int(add_delta[best]), -1, int(others[best])))
        if len(selected):
            best = int(np.argmin(remove_delta))
            moves.append((int(remove_delta[best]), int(selected[best]), -1))
        short, over = need_lo > counts, counts > need_hi
        for out_rows, in_rows in ((None, short), (over, None)):
            out_mask = np.ones(len(selected), bool) if out_rows is None else (inside[:, out_rows] > 0).any(axis=1)
            in_mask = np.ones(len(others), bool) if in_rows is None else (outside[:, in_rows] > 0).any(axis=1)
            if not out_mask.any() or not in_mask.any():
                continue
            out_index, in_index = np.flatnonzero(out_mask), np.flatnonzero(in_mask)
            delta = remove_delta[out_index][:, None] + add_delta[in_index][None, :]
            delta -= np.einsum("ij,kj->ik", inside[out_index] * (a + b), outside[in_index])
            flat = int(np.argmin(delta))
            row, column = divmod(flat, delta.shape[1])
            moves.append((int(delta[row, column]), int(selected[out_index[row]]), int(others[in_index[column]])))
        delta, out_type, in_type = min(moves)
        if delta >= 0:
            return None
        if out_type >= 0:
            counts = counts - matrix[:, out_type]
            selected = selected[selected != out_type]
        if in_type >= 0:
            counts = counts + matrix[:, in_type]
            selected = np.sort(np.append(selected, in_type))
    return selected if _violation(counts, need_lo, need_hi) == 0 else None


def _exchange(
    matrix: np.ndarray,
    fractional: np.ndarray,
    selected: np.ndarray,
    need_lo: np.ndarray,
    need_hi: np.ndarray,
    keys: np.ndarray,
) -> np.ndarray | None:
    """Repair ``selected`` exactly by taking out at most two types and putting in at most two others.

    On a face where most quota rows are tight (27 of 32 on the national pools), every row with
    ``need_lo == need_hi`` must be met exactly, and single additions, removals and swaps (``_repair``)
    rarely get there: after the step that made one type integral, the type that left must be replaced
    by types with the same values in every tight row. This searches those exchanges directly: for
    each set R of at most two selected types, the types B to add must have membership vectors (on the
    exact rows) summing to ``deficit + rows(R)``, and ``|B| = |R| + deficit in the size row``; pairs
    are found by hashing the vectors (a random linear code, so a pair is one lookup). The first
    exchange that also keeps the other rows in range wins; removals are tried in increasing ``keys``
    order and additions in decreasing order (``keys`` are positions in ``fractional``). ``None`` if
    no such exchange exists. Deterministic: the code weights come from a fixed-seed generator.
    """
    counts = matrix[:, selected].sum(axis=1)
    exact = np.flatnonzero(need_lo == need_hi)
    deficit = (need_lo - counts)[exact]
    size_deficit = int(need_lo[0] - counts[0])  # row 0 is the panel size, always exact
    if size_deficit < -2 or size_deficit > 2:
        return None
    others = np.setdiff1d(fractional, selected, assume_unique=True)
    key_of = dict(zip(fractional.tolist(), keys.tolist(), strict=True))
    others = others[np.argsort([-key_of[t] for t in others.tolist()], kind="stable")]
    removable = selected[np.argsort([key_of[t] for t in selected.tolist()], kind="stable")]
    weights = np.random.Generator(np.random.PCG64(len(exact))).integers(1, 2**62, size=len(exact), dtype=np.int64)
    sub = matrix[exact].astype(np.int64)
    with np.errstate(over="ignore"):
        code_of = weights @ sub  # one linear hash per type (wraps around; collisions are re-checked)
        other_codes = code_of[others]
        deficit_code = weights @ deficit.astype(np.int64)
    first_with_code: dict[int, int] = {}
    for position, code in enumerate(other_codes.tolist()):
        first_with_code.setdefault(code, position)

    def fits(out: tuple[int, ...], into: tuple[int, ...]) -> bool:
        new = counts - matrix[:, list(out)].sum(axis=1) + matrix[:, list(into)].sum(axis=1)
        return bool(np.all(new >= need_lo) and np.all(new <= need_hi))

    def result(out: tuple[int, ...], into: tuple[int, ...]) -> np.ndarray:
        kept = np.setdiff1d(selected, np.array(out, dtype=np.int64), assume_unique=True)
        return np.sort(np.concatenate([kept, np.array(into, dtype=np.int64)]))

    outs: list[tuple[int, ...]] = [()]
    outs += [(int(a),) for a in removable]
    outs += [(int(removable[i]), int(removable[j])) for i in range(len(removable)) for j in range(i + 1, len(removable))]
    for out in outs:
        count_in = len(out) + size_deficit
        if not 0 <= count_in <= 2:
            continue
        with np.errstate(over="ignore"):
            target = int(deficit_code + code_of[list(out)].sum(dtype=np.int64))
        if count_in == 0:
            if target == 0 and fits(out, ()):
                return result(out, ())
        elif count_in == 1:
            if target not in first_with_code:
                continue
            # Several types can share a code: the first that fits wins.
            for position in np.flatnonzero(other_codes == target).tolist():
                if fits(out, (int(others[position]),)):
                    return result(out, (int(others[position]),))
        else:
            with np.errstate(over="ignore"):
                rest = np.int64(target) - other_codes
            for first in np.flatnonzero(np.isin(rest, other_codes)).tolist():
                for second in np.flatnonzero(other_codes == rest[first]).tolist():
                    if second != first:
                        into = (int(others[first]), int(others[second]))
                        if fits(out, into):
                            return result(out, into)
                        break
    return None


def _fill(
    matrix: np.ndarray,
    fractional: np.ndarray,
    selected: np.ndarray,
    need_lo: np.ndarray,
    need_hi: np.ndarray,
    keys: np.ndarray,
    attempts: int = 3,
) -> np.ndarray | None:
    """Complete ``selected`` to a rounding: add types that fit, then finish with ``_exchange``.

    A peeling step often makes several coordinates integral at once (types at the same level with
    one member each reach 0 together), so the last panel lacks several types, not one. Types are
    added in decreasing ``keys`` order while the panel is more than two short, each only if it
    overshoots no row (exact rows: only rows still short); the last one or two (and any wrong early
    choice) are left to the exchange search. Retried ``attempts`` times with the order perturbed by
    a fixed-seed generator. ``None`` if every attempt fails.
    """
    rng = np.random.Generator(np.random.PCG64(len(fractional)))
    base = matrix[:, selected].sum(axis=1)
    for attempt in range(attempts):
        order_keys = keys if attempt == 0 else keys - rng.random(len(keys))
        position = np.argsort(-order_keys, kind="stable")
        in_selected = np.isin(fractional[position], selected)
        candidates = fractional[position][~in_selected]
        columns = matrix[:, candidates]
        counts = base.copy()
        chosen = list(selected.tolist())
        taken = np.zeros(len(candidates), dtype=bool)
        while need_lo[0] - counts[0] > 1:
            room = np.where(need_lo == need_hi, need_lo - counts, need_hi - counts)
            fits = ~taken & np.all(columns <= room[:, None], axis=0)
            if not fits.any():
                break
            first = int(np.argmax(fits))
            taken[first] = True
            chosen.append(int(candidates[first]))
            counts += columns[:, first]
        done = _exchange(matrix, fractional, np.sort(np.array(chosen, dtype=np.int64)), need_lo, need_hi, keys)
        if done is not None:
            return done
    return None


@dataclass
class Decomposition:
    panels: list[np.ndarray]
    masses: np.ndarray
    integer_program_calls: int
    steps: int
    remaining: float = 0.0  # mass not yet placed (the peeling stopped early at ``stop_mass``)
    residual: np.ndarray | None = None  # the residual point that mass would have gone to


def decompose(
    pool: Pool,
    target: np.ndarray,
    oracle: PanelOracle | None = None,
    progress: ProgressCallback | None = None,
    algorithm: str = "leximin",
    stage: int = 1,
    bound: float = 1.0,
    stop_mass: float = 0.0,
    fast: bool = False,
    seed: int = tolerances.DECOMPOSITION_RANDOM_SEED,
    deadline: float | None = None,
) -> tuple[Decomposition | None, list[np.ndarray], str]:
    """Write ``target`` (a point of the relaxation) as a lottery over valid panels (module docstring).

    Returns (the decomposition or ``None`` if it got stuck, every valid panel found on the way, why it
    got stuck or ""); the panels are useful seeds for column generation either way.
    """
    sizes = pool.type_sizes
    constraints = Constraints.of(pool)
    matrix, row_lo, row_hi = constraints.matrix, constraints.lower, constraints.upper
    rng = np.random.Generator(np.random.PCG64(seed))
    snap = tolerances.DECOMPOSITION_SNAP
    y = np.clip(np.asarray(target, dtype=float), 0.0, sizes)
    mu = 1.0
    panels: list[np.ndarray] = []
    masses: list[float] = []
    index_of: dict[bytes, int] = {}
    ip_calls = 0
    previous_up: np.ndarray | None = None
    placed = np.zeros(pool.num_types)  # probability each type has from the panels so far
    clock = time.perf_counter()
    max_steps = tolerances.DECOMPOSITION_STEP_FACTOR * (pool.num_types + len(row_lo)) + 10
    for step in range(max_steps):
        if deadline is not None and time.perf_counter() > deadline:
            return _stuck(f"time limit at step {step}", panels, masses, ip_calls, step, mu, y, fast)
        if mu <= stop_mass and panels:
            return Decomposition(panels, np.array(masses), ip_calls, step, mu, y), panels, ""
        if mu <= tolerances.DECOMPOSITION_MASS_FLOOR and panels:
            # What is left changes no probability by more than mu: give it to the last panel.
            masses[-1] += mu
            return Decomposition(panels, np.array(masses), ip_calls, step), panels, ""
        rounded = np.rint(y)
        near = np.abs(y - rounded) <= snap
        y = np.where(near, rounded, y)
        fractional = np.flatnonzero(~near)
        if len(fractional) == 0:
            panel = rounded.astype(np.int64)
            if not constraints.valid(panel, sizes):
                return _stuck("final point is not a valid panel", panels, masses, ip_calls, step, mu, y, fast)
            _record(panels, masses, index_of, panel, mu)
            return Decomposition(panels, np.array(masses), ip_calls, step + 1), panels, ""
        floor = np.floor(y)
        sums = matrix @ y
        base = matrix @ floor
        tight_lo = sums <= row_lo + tolerances.DECOMPOSITION_ROW_TOLERANCE
        tight_hi = sums >= row_hi - tolerances.DECOMPOSITION_ROW_TOLERANCE
        tight = tight_lo | tight_hi
        y, sums = _project(matrix, y, sums, fractional, tight, np.where(tight_lo, row_lo, row_hi), floor)
        fractional_sum = np.rint(sums - base).astype(np.int64)
        need_lo = np.where(tight, fractional_sum, row_lo - base.astype(np.int64))
        need_hi = np.where(tight, fractional_sum, row_hi - base.astype(np.int64))
        keys = y[fractional] - floor[fractional] - rng.random(len(fractional))
        up = None
        if previous_up is not None and fast:
            # The last panel is still a rounding of y except where y just became integral or a row
            # just became tight (that is what stopped the step), so a few swaps usually repair it.
            start = np.intersect1d(previous_up, fractional, assume_unique=True)
            real = constraints.real
            up = _repair(real, fractional, start, real[:, start].sum(axis=1), need_lo, need_hi, WARM_START_MOVES)
            if up is None:
                up = _fill(matrix, fractional, start, need_lo, need_hi, keys)
        if up is None:
            up = _greedy_round(constraints, fractional, keys, need_lo, need_hi)
        if up is None and fast:
            up = _fill(matrix, fractional, np.zeros(0, dtype=np.int64), need_lo, need_hi, keys, FILL_ATTEMPTS)
        previous_up = up
        boxed = True
        if up is not None:
            panel = floor.astype(np.int64)
            panel[up] += 1
        else:
            if oracle is None:
                oracle = PanelOracle(pool)
            ip_calls += 1
            row_bounds = (np.where(tight, np.rint(sums), row_lo), np.where(tight, np.rint(sums), row_hi))
            weights = np.zeros(pool.num_types)
            weights[fractional] = keys
            panel = oracle.panel_within(floor, np.ceil(y), *row_bounds, weights, first_found=fast)
            if panel is None:
                boxed = False
                ip_calls += 1
                at_bound = near & ((rounded == 0) | (rounded == sizes))
                lower = np.where(at_bound, rounded, 0.0)
                upper = np.where(at_bound, rounded, sizes.astype(float))
                panel = oracle.panel_within(lower, upper, *row_bounds, weights, first_found=fast)
            if panel is None:
                return _stuck(f"no integer panel on the face at step {step}", panels, masses, ip_calls, step, mu, y, fast)
        if not constraints.valid(panel, sizes):
            return _stuck(f"rounding produced an invalid panel at step {step}", panels, masses, ip_calls, step, mu, y, fast)
        if up is None and boxed:
            previous_up = fractional[panel[fractional] > floor[fractional]]
        direction = y - panel
        box_lo = floor if boxed else np.zeros(len(y))
        box_hi = np.ceil(y) if boxed else sizes.astype(float)
        theta = _ratio(y, direction, box_lo, box_hi)
        row_direction = matrix @ direction
        free_rows = ~tight
        theta = min(theta, _ratio(sums[free_rows], row_direction[free_rows], row_lo[free_rows], row_hi[free_rows]))
        if not np.isfinite(theta) or theta < 0:
            return _stuck(f"no step possible at step {step}", panels, masses, ip_calls, step, mu, y, fast)
        mass = mu * theta / (1.0 + theta)
        _record(panels, masses, index_of, panel, mass)
        placed += mass * panel / sizes
        mu -= mass
        y = y + theta * direction
        if progress is not None and step % PROGRESS_EVERY_STEPS == 0:
            progress(_peeling_progress(algorithm, stage, step, placed, bound, len(panels), mu, stop_mass, clock))
    return _stuck(f"no convergence in {max_steps} steps", panels, masses, ip_calls, step, mu, y, fast)


def _peeling_progress(
    algorithm: str, stage: int, step: int, placed: np.ndarray, bound: float, panels: int, mu: float, stop_mass: float,
    clock: float,
) -> Progress:
    """What the peeling has achieved: ``placed.min()`` is guaranteed (give the rest to any panel).

    The undecomposed mass falls roughly geometrically with the steps, so the time left to reach
    ``stop_mass`` (or ``DECOMPOSITION_MASS_FLOOR``) is estimated from the rate of ``log(mass)`` so far.
    """
    elapsed = time.perf_counter() - clock
    target = max(stop_mass, tolerances.DECOMPOSITION_MASS_FLOOR)
    seconds_left = None
    if 0.0 < mu < 0.9 and elapsed > 0:
        seconds_left = max(0.0, elapsed * (math.log(target) / math.log(mu) - 1.0))
    return Progress(
        algorithm, stage, step, float(placed.min()), bound, panels, f"decomposing, {1 - mu:.1%} of the mass placed",
        mass_placed=1.0 - mu, seconds_left=seconds_left, phase="decomposition",
    )


def _stuck(
    reason: str,
    panels: list[np.ndarray],
    masses: list[float],
    ip_calls: int,
    step: int,
    mu: float,
    y: np.ndarray,
    partial: bool,
) -> tuple[Decomposition | None, list[np.ndarray], str]:
    """The peeling cannot go on from ``y``: nothing (the caller falls back), or with ``partial`` what
    it placed so far plus the residual, for the caller to close or to peel again another way."""
    if partial and panels and 0.0 < mu < 1.0:
        return Decomposition(panels, np.array(masses), ip_calls, step, mu, y.copy()), panels, reason
    return None, panels, reason


def _project(
    matrix: np.ndarray,
    y: np.ndarray,
    sums: np.ndarray,
    fractional: np.ndarray,
    tight: np.ndarray,
    bound: np.ndarray,
    floor: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Put ``y`` back exactly on its tight rows (least-squares move of its fractional coordinates).

    Each step rescales the residual by 1/(remaining mass), which multiplies any round-off in the
    tight rows by the same factor; after hundreds of steps that would break the rounding targets.
    The correction is of round-off size, so it moves the decomposition's total by no more than that.
    """
    rows = np.flatnonzero(tight)
    error = sums[rows] - bound[rows]
    if len(rows) == 0 or not np.any(error):
        return y, sums
    block = matrix[np.ix_(rows, fractional)].astype(float)
    correction = block.T @ np.linalg.lstsq(block @ block.T, error, rcond=None)[0]
    y = y.copy()
    y[fractional] = np.clip(y[fractional] - correction, floor[fractional], floor[fractional] + 1)
    return y, matrix @ y


def _ratio(values: np.ndarray, direction: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
    """Largest theta >= 0 with lower <= values + theta * direction <= upper (inf if unbounded)."""
    theta = np.inf
    increasing = direction > 1e-15
    if increasing.any():
        theta = min(theta, float(np.min((upper[increasing] - values[increasing]) / direction[increasing])))
    decreasing = direction < -1e-15
    if decreasing.any():
        theta = min(theta, float(np.min((lower[decreasing] - values[decreasing]) / direction[decreasing])))
    return max(theta, 0.0)


def _record(panels: list[np.ndarray], masses: list[float], index_of: dict[bytes, int], panel: np.ndarray, mass: float) -> None:
    key = panel.tobytes()
    if key in index_of:
        masses[index_of[key]] += mass
    else:
        index_of[key] = len(panels)
        panels.append(panel.copy())
        masses.append(mass)


@dataclass
class Certified:
    """A lottery over panels certified LEXIMIN-optimal by the relaxation (module docstring)."""

    panels: list[np.ndarray]
    masses: np.ndarray
    levels: np.ndarray
    stages: int
    steps: int
    integer_program_calls: int
    completion_iterations: int = 0
    gap: float = 0.0  # largest shortfall of a type below its relaxation level (0: exactly LEXIMIN)
    closing: str = ""  # how the last of the mass was placed, if the peeling stopped early


@dataclass
class Attempt:
    """The certified lottery, or why there is none plus the panels found (seeds for the fallback)."""

    certified: Certified | None
    panels: list[np.ndarray]
    failure: str = ""


def certified_leximin(
    pool: Pool,
    oracle: PanelOracle | None = None,
    progress: ProgressCallback | None = None,
    algorithm: str = "leximin",
    stop_mass: float | None = None,
    fast: bool | None = None,
) -> Attempt:
    """The relaxation's LEXIMIN point decomposed into panels, if the certificate holds.

    ``stop_mass``: stop peeling once this much mass is left and close with one LP (``_close``);
    by default ``DECOMPOSITION_STOP_MASS`` on pools of at least ``EARLY_STOP_MIN_TYPES`` types and
    0 (peel to the end, exact) on smaller ones, where the tail is cheap. On those large pools the
    peeling also repairs the previous step's panel first and takes the first panel the integer
    programme finds (``decompose``'s ``fast``); smaller pools keep the exact route unchanged.
    """
    if fast is None:
        fast = pool.num_types >= EARLY_STOP_MIN_TYPES
    if stop_mass is None:
        stop_mass = DECOMPOSITION_STOP_MASS if fast else 0.0
    if pool.num_types == 0 or pool.size <= 0:
        return Attempt(None, [], "no open seats")
    relaxed = relaxation_leximin(pool, progress, algorithm)
    if relaxed is None:
        return Attempt(None, [], "the relaxation LP was not solved")
    bound = float(np.min(relaxed.levels))
    decomposition, found, failure = decompose(
        pool, relaxed.counts, oracle, progress, algorithm, relaxed.stages, bound, stop_mass=stop_mass, fast=fast
    )
    for retry in range(1, FAST_RETRIES + 1):
        if not (fast and failure):
            break
        # The fast peeling walked into a face without integer panels; another rounding seed takes
        # another path (the first panel and every greedy fallback differ).
        first_failure = failure
        decomposition, again, failure = decompose(
            pool, relaxed.counts, oracle, progress, algorithm, relaxed.stages, bound, stop_mass=stop_mass,
            fast=True, seed=tolerances.DECOMPOSITION_RANDOM_SEED + retry,
        )
        found = [*found, *again]
        failure = f"{first_failure}; retry {retry}: {failure}" if failure else ""
    completion_iterations = 0
    closing = ""
    closing_gap = CLOSING_ACCEPTED_GAP
    if fast and failure and decomposition is not None and decomposition.residual is not None:
        # Stuck on a face without integer panels: keep what was placed and close the rest by column
        # generation over the panels found (``_close_by_columns``), aimed at the relaxation's levels.
        oracle = oracle or PanelOracle(pool)
        closed_columns = _close_by_columns(
            pool, oracle, relaxed.levels, decomposition, progress, algorithm, relaxed.stages, bound
        )
        if closed_columns is not None:
            panels, masses, completion_iterations, shortfall = closed_columns
            # Published with its measured gap whatever it is: starting the peeling again the exact
            # way never finished in useful time on these pools (minutes, 84% of the mass after 400 s).
            closing_gap = math.inf
            steps, ip_calls = decomposition.steps, decomposition.integer_program_calls
            closing = (
                f"peeling stuck with {decomposition.remaining:.1e} of the mass left ({failure}); roundings "
                f"of the leftover and column generation ({completion_iterations} iterations) over the "
                f"{len(decomposition.panels)} panels placed closed it"
            )
            if shortfall > CLOSING_STUCK_GAP * bound:
                closing += f", short of the {CLOSING_STUCK_GAP:.0e} x bound target"
            found = panels
            failure = ""
            decomposition = None
    if fast and failure:
        # Still stuck: start again the exact way (fresh greedy roundings, best panels from the
        # integer programme), still stopping early.
        first_failure = failure
        decomposition, again, failure = decompose(
            pool, relaxed.counts, oracle, progress, algorithm, relaxed.stages, bound, stop_mass=stop_mass,
            deadline=time.perf_counter() + EXACT_PEELING_SECONDS,
        )
        found = [*found, *again]
        failure = f"{first_failure}; exact peeling: {failure}" if failure else ""
    if decomposition is not None and decomposition.remaining > 0 and decomposition.residual is not None:
        placed = sum(m * p for p, m in zip(decomposition.panels, decomposition.masses, strict=True)) / pool.type_sizes
        guaranteed = float(np.min(placed))
        closed = _close(pool, decomposition.panels, relaxed.levels, progress, algorithm, relaxed.stages, bound, guaranteed, 1.0 - decomposition.remaining)
        if closed is not None:
            panels, masses = decomposition.panels, closed
            steps, ip_calls = decomposition.steps, decomposition.integer_program_calls
            closing = (
                f"peeling stopped with {decomposition.remaining:.1e} of the mass left; one LP over the "
                f"{len(panels)} panels found placed it"
            )
        else:
            # The closing LP missed the levels by more than accepted (or the fast peeling got stuck
            # early): peel the rest with the exact route. The residual is a point of the relaxation,
            # so its own decomposition, scaled by the mass left, completes the first one.
            tail, tail_found, failure = decompose(
                pool, decomposition.residual, oracle, progress, algorithm, relaxed.stages, bound,
                deadline=time.perf_counter() + EXACT_PEELING_SECONDS if fast else None,
            )
            found = [*found, *tail_found]
            if tail is None:
                decomposition = None
            else:
                remaining = decomposition.remaining
                decomposition = Decomposition(
                    [*decomposition.panels, *tail.panels],
                    np.concatenate([decomposition.masses, remaining * tail.masses]),
                    decomposition.integer_program_calls + tail.integer_program_calls,
                    decomposition.steps + tail.steps,
                )
    if closing:
        pass
    elif decomposition is not None:
        panels, masses = decomposition.panels, np.maximum(decomposition.masses, 0.0)
        steps, ip_calls = decomposition.steps, decomposition.integer_program_calls
    elif found:
        # Peeling walked into a face without integer panels; let column generation finish the job
        # from the panels found, aiming straight at the relaxation's levels (one stage, not one per level).
        completed = _complete(
            pool, oracle or PanelOracle(pool), relaxed.levels, found, progress, algorithm, relaxed.stages,
            deadline=time.perf_counter() + CLOSING_COLUMNS_SECONDS if fast else None,
        )
        if completed is None:
            return Attempt(None, found, failure + "; completing it by column generation did not reach the levels")
        steps, ip_calls = len(found), 0
        panels, masses, completion_iterations = completed
        found = panels
        if fast:
            # Bounded in time on large pools: published with its measured gap rather than handed to
            # the stage-by-stage column generation, which would take far longer.
            closing_gap = math.inf
            closing = f"{failure}; column generation from the {len(found)} panels found closed it"
    else:
        return Attempt(None, found, failure)
    masses = masses / masses.sum()
    achieved = sum(mass * panel for panel, mass in zip(panels, masses, strict=True)) / pool.type_sizes
    shortfall = float(np.max(relaxed.levels - achieved))
    accepted = tolerances.CERTIFICATE_TOLERANCE if not closing else max(tolerances.CERTIFICATE_TOLERANCE, closing_gap * bound)
    if shortfall > accepted:
        return Attempt(None, found, f"the lottery misses a relaxation level by {shortfall:.2e}")
    gap = max(0.0, shortfall) if shortfall > tolerances.CERTIFICATE_TOLERANCE else 0.0
    if progress is not None:
        progress(
            Progress(
                algorithm, relaxed.stages, steps, float(achieved.min()), bound, len(panels),
                "certified" if gap == 0.0 else f"within {gap:.1e} of every relaxation level",
                mass_placed=1.0, seconds_left=0.0, phase="done",
            )
        )
    certified = Certified(
        panels, masses, relaxed.levels, relaxed.stages, steps, ip_calls, completion_iterations, gap=gap, closing=closing
    )
    return Attempt(certified, found)


def _close(
    pool: Pool,
    panels: list[np.ndarray],
    levels: np.ndarray,
    progress: ProgressCallback | None,
    algorithm: str,
    stage: int,
    bound: float,
    guaranteed: float,
    mass_placed: float,
) -> np.ndarray | None:
    """One LP over the peeled panels: weights maximising ``z`` with every probability >= its level + z.

    The peeled masses are one feasible point of this LP (with ``z`` at least minus the mass left),
    so the LP can only do better; it usually places the last sliver of mass to within 1e-6 of the
    levels or exactly. ``None`` if the LP fails or leaves a type more than ``CLOSING_ACCEPTED_GAP``
    (relative to the bound) below its level; the caller then peels the rest exactly.
    """
    if progress is not None:
        progress(
            Progress(
                algorithm, stage, 0, guaranteed, bound, len(panels), "closing: one LP over the panels found",
                mass_placed=mass_placed, phase="closing",
            )
        )
    master = RestrictedMaster(pool, np.arange(pool.num_types))
    for counts in panels:
        if not master.has_panel(counts):
            master.add_panel(counts)
    master.set_offsets(levels)
    try:
        value, _, weights = master.solve()
    except RuntimeError:
        return None
    if value < -max(tolerances.CERTIFICATE_TOLERANCE, CLOSING_ACCEPTED_GAP * bound) or weights.sum() <= 0:
        return None
    by_key = {counts.tobytes(): weight for counts, weight in zip(master.panels, weights, strict=True)}
    return np.array([by_key[counts.tobytes()] for counts in panels])


def _close_by_columns(
    pool: Pool,
    oracle: PanelOracle,
    levels: np.ndarray,
    partial: Decomposition,
    progress: ProgressCallback | None,
    algorithm: str,
    stage: int,
    bound: float,
) -> tuple[list[np.ndarray], np.ndarray, int, float] | None:
    """Close a stuck peeling without starting again: (panels, weights, iterations, shortfall) or ``None``.

    The panels placed stay; the residual point (the mass left, on a face of the relaxation with no
    integer panel in its box) is approached by up to ``CLOSING_SEED_ROUNDINGS`` randomised roundings of
    it (small integer programmes, at most ``CLOSING_ROUNDING_SECONDS``, in batches of
    ``CLOSING_ROUNDING_BATCH`` until the LP below is within ``CLOSING_ACCEPTED_GAP``), then the restricted LP
    ``max z: every type's probability >= its level + z`` over all these panels, extended by column
    generation (HiGHS integer programme on its duals) until ``z`` >= -``CLOSING_ACCEPTED_GAP`` x bound
    or ``CLOSING_COLUMNS_SECONDS``. The LP is free to re-weight every panel, not only the leftover mass.
    Measured on the 3,000-respondent seed-1 pool (stuck with 1.2% of the mass left): the panels placed
    alone reach z = -3.0e-5, with 300 roundings -4.9e-6, with 700 -3.6e-6; column generation after
    that is slow (degenerate LP, +2e-7 a minute). ``None`` only if an LP fails; the caller reports the
    shortfall (-z) as the measured gap (and says so when it is above ``CLOSING_STUCK_GAP`` x bound).
    """
    placed = sum(m * p for p, m in zip(partial.panels, partial.masses, strict=True)) / pool.type_sizes
    assert partial.residual is not None
    if progress is not None:
        progress(
            Progress(
                algorithm, stage, 0, float(np.min(placed)), bound, len(partial.panels),
                "closing: roundings of the leftover and column generation", mass_placed=1.0 - partial.remaining,
                phase="closing",
            )
        )
    master = RestrictedMaster(pool, np.arange(pool.num_types))
    for counts in partial.panels:
        if not master.has_panel(counts):
            master.add_panel(counts)
    master.set_offsets(levels)
    target = max(tolerances.CERTIFICATE_TOLERANCE, CLOSING_ACCEPTED_GAP * bound)
    rng = np.random.Generator(np.random.PCG64(tolerances.SEED_PANEL_RANDOM_SEED))
    # CPU seconds, not wall: on a busy machine a wall-clock budget bought a quarter of the roundings.
    stop = time.process_time() + CLOSING_ROUNDING_SECONDS
    try:
        _, duals, _ = master.solve()
    except RuntimeError:
        return None
    for batch in range(0, CLOSING_SEED_ROUNDINGS, CLOSING_ROUNDING_BATCH):
        if time.process_time() > stop:
            break
        # Lean the roundings towards the types the LP leaves shortest (its dual weights per member).
        bias = duals / pool.type_sizes
        bias = CLOSING_DUAL_BIAS * bias / bias.max() if bias.max() > 0 else bias
        for _ in range(CLOSING_ROUNDING_BATCH):
            rounded = oracle.rounded_panel(partial.residual, rng.random(pool.num_types) - bias)
            if rounded is not None and not master.has_panel(rounded):
                master.add_panel(rounded)
        try:
            value, duals, _ = master.solve()
        except RuntimeError:
            return None
        if progress is not None:
            progress(
                Progress(
                    algorithm, stage, batch, float(np.min(levels)) + value, bound, len(master.panels),
                    f"closing: {batch + CLOSING_ROUNDING_BATCH} roundings of the leftover",
                    mass_placed=1.0 - partial.remaining, phase="closing",
                )
            )
        if value >= -target:
            break
    try:
        result = maximise_minimum(
            master,
            oracle,
            algorithm=algorithm,
            stage=stage,
            progress=progress,
            max_iterations=tolerances.COMPLETION_MAX_ITERATIONS,
            known_upper_bound=tolerances.RELAXATION_BOUND_SLACK,
            report_offset=float(np.min(levels)),
            gap=target,
            deadline=time.process_time() + CLOSING_COLUMNS_SECONDS,
            clock=time.process_time,
        )
    except RuntimeError:
        return None
    shortfall = max(0.0, -result.value)
    return master.panels, np.maximum(result.weights, 0.0), result.iterations, shortfall


def _complete(
    pool: Pool,
    oracle: PanelOracle,
    levels: np.ndarray,
    panels: list[np.ndarray],
    progress: ProgressCallback | None,
    algorithm: str,
    stage: int,
    deadline: float | None = None,
) -> tuple[list[np.ndarray], np.ndarray, int] | None:
    """Column generation for ``max z: every type's probability >= its level + z`` from ``panels``.

    z <= 0 always (the levels' expected counts already sum to the panel size), so the relaxation
    bound is 0 and the stage stops as soon as z >= -MAXIMIN_GAP; a lower optimum means the integer
    panels cannot attain the relaxation's levels (``None``, the caller falls back). With a
    ``deadline`` (large pools) it stops then and returns what it reached, whatever the gap: the
    caller publishes that gap.
    """
    master = RestrictedMaster(pool, np.arange(pool.num_types))
    for counts in panels:
        if not master.has_panel(counts):
            master.add_panel(counts)
    master.set_offsets(levels)
    stage_result = maximise_minimum(
        master,
        oracle,
        algorithm=algorithm,
        stage=stage,
        progress=progress,
        max_iterations=tolerances.COMPLETION_MAX_ITERATIONS,
        known_upper_bound=tolerances.RELAXATION_BOUND_SLACK,
        report_offset=float(np.min(levels)),
        deadline=deadline,
    )
    if stage_result.value < -tolerances.CERTIFICATE_TOLERANCE and deadline is None:
        return None
    return master.panels, np.maximum(stage_result.weights, 0.0), stage_result.iterations
