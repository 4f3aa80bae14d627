"""The counting kernel of the Method of Equal Shares: one count at a given budget per voter.

:func:`run_mes` is one pass of MES (see :mod:`voting.pb.mes` for the rule); :func:`prepare` lays
out, once for all the recounts of Add1, the supporters of every project in a *counting order* of
the voter classes chosen for locality (:class:`Prepared`, :class:`Supporters`); :func:`mes_price`
finds a project's price. No Django, no I/O; the rule and its explanation live in
:mod:`voting.pb.mes`, Add1's interval skipping in :mod:`voting.pb.mes_add1`.

Arithmetic. Budgets and prices are float64 and vectorised with NumPy: exact fractions would take
minutes on a city. Where exactness decides an outcome we use exact values (costs, the budget,
feasibility and exhaustiveness checks of Add1 are ``Fraction``) or a tolerance of
:data:`RELATIVE_EPS` (1e-9): two prices within that relative distance are a *tie* and go to the
tie-breaking, and a project whose supporters have within that tolerance of its cost is
affordable. Float64 carries ~16 significant digits; after a few hundred rounds the accumulated
error is below 1e-12 relative, so real differences of prices (which in real elections are many
orders of magnitude larger than 1e-9) are never confused, while exact ties that floats would split
by one ulp are recognised as ties, as exact arithmetic would. The conformance tests check this
against pabutools' exact (gmpy2) arithmetic.

Speed. Add1 makes about a thousand counts on a city, and most of a count's time is NumPy call
overhead on short supporter lists plus gathering and scattering the long ones, so a count is
organised to make few, cheap calls: the voter classes are counted in an order where the
supporters of the most supported projects are contiguous runs, read and charged by slices
(:class:`Prepared`); short inner products go to single-threaded BLAS (:data:`BLAS_DOT_MAX`); a
price needs no mask when the poorest supporter can pay it (:func:`mes_price`); projects whose
supporters cannot reach their cost even with the whole starting budget are left out of the count
(:meth:`Prepared.heap`). None changes a decision: the same comparisons are made on the same
quantities, up to the order in which sums are added, which the tolerance covers. The measurements
behind these choices are in ``docs/benchmarks/pb.md`` ("Where the MES kernel's time goes").
"""

from __future__ import annotations

import heapq
import math
from collections.abc import ItemsView, Iterable
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from .arrays import ElectionArrays, paused_gc

RELATIVE_EPS = 1e-9
CERTIFICATE_MARGIN = 1e-10
"""Add1's interval certificate asks every comparison it relies on to hold by this relative margin
on top of :data:`RELATIVE_EPS`: a hundred times the float error the module doc allows, a tenth
of the tie tolerance (see :func:`follow`)."""

TraceEntry = tuple[int, float, bool, dict[int, float]]
"""Per round of a count: (project bought, its price rho, whether the round is *solid*, the prices
of the other projects priced that round); see :attr:`MESRun.trace`."""


@dataclass(frozen=True)
class Purchase:
    """One round of an explained count, in the kernel's project indices (the rule turns it into
    a :class:`voting.pb.outcome.MESRound` with project ids)."""

    round: int
    project: int
    rho: float
    price_per_supporter: float | None
    supporters: float
    paying_all: float
    paid: float
    tied_with: list[int]


@dataclass
class MESRun:
    """One pass of MES at a given per-voter budget."""

    budget_per_voter: Fraction
    selected: list[int] = field(default_factory=list)
    rounds: list[Purchase] = field(default_factory=list)
    eliminated: dict[int, int] = field(default_factory=dict)
    """Round in which each project was found unaffordable (explained counts only)."""
    budgets: np.ndarray | None = None  # per class, in the counting order of :class:`Prepared`
    order: np.ndarray | None = None  # that order: budgets[p] belongs to original class order[p]
    # Per round: (project bought, its price rho, whether the round is *solid*: its supporters held
    # more than its cost, by the margin, so it is affordable and priced by the exact-price formula
    # at every larger budget,
    # the prices of the other projects priced that round). Add1's interval certificate reads the
    # first three (see :func:`follow`); the prices only guide where it looks next.
    trace: list[TraceEntry] = field(default_factory=list)

    @property
    def class_budget(self) -> np.ndarray | None:
        """Money left per voter class, in the original class order (that of :class:`ElectionArrays`)."""
        if self.budgets is None or self.order is None:
            return self.budgets
        out = np.empty_like(self.budgets)
        out[self.order] = self.budgets
        return out


@dataclass
class Supporters:
    """Per-project supporter data that no recount changes, prepared once for all Add1 steps.

    ``classes`` are positions in the *counting order* of the voter classes (see :class:`Prepared`),
    sorted. When they form a few contiguous runs, ``runs`` lists them as ``(start, stop)`` and
    budgets are read and written by slices (a view for a single run) instead of fancy indexing,
    several times cheaper on long supporter lists (figures in ``docs/benchmarks/pb.md``).
    """

    classes: np.ndarray
    weights: np.ndarray
    utilities: np.ndarray
    total_utility: float
    uniform: float  # the common utility when all supporters have the same one (approval), else 0
    runs: list[tuple[int, int]] | None = None
    size: int = 0

    def gather(self, budgets: np.ndarray) -> np.ndarray:
        """The supporters' budgets; a *view* of ``budgets`` when they are one run (do not write)."""
        runs = self.runs
        if runs is None:
            return budgets.take(self.classes)  # take: ~20 % faster than fancy indexing
        if len(runs) == 1:
            start, stop = runs[0]
            return budgets[start:stop]
        return np.concatenate([budgets[start:stop] for start, stop in runs])

    def charge(self, budgets: np.ndarray, before: np.ndarray, due: float | np.ndarray) -> None:
        """Set the supporters' budgets to ``max(before - due, 0)``, ``before`` from :meth:`gather`.

        Each supporter pays ``min(b, due)`` and keeps ``max(b - min(b, due), 0)``, which in floats is
        bit for bit ``max(b - due, 0)``: ``b - due`` is exact in sign, and ``b - b`` is +0. One pass
        less. ``before`` is overwritten (with one run it is a view, so that updates ``budgets``).
        """
        runs = self.runs
        if runs is not None and len(runs) == 1:
            np.subtract(before, due, out=before)
            np.maximum(before, 0.0, out=before)
            return
        after = np.subtract(before, due, out=before)  # a copy of its own: gather() made it
        np.maximum(after, 0.0, out=after)
        if runs is None:
            budgets[self.classes] = after
            return
        offset = 0
        for start, stop in runs:
            end = offset + stop - start
            budgets[start:stop] = after[offset:end]
            offset = end


@dataclass
class Prepared:
    """The supporters of every project, in a *counting order* of the voter classes chosen for locality.

    Classes are renumbered (``order[p]`` is the original class at position ``p``) by sorting them
    on whether they support each of the :data:`LOCALITY_KEYS` most supported projects, most
    supported first, in reflected Gray-code order (each key XOR-ed with the keys before it): the
    supporters of the most supported project are then one contiguous run, the next ones a few
    runs (synthetic city: 1, 1, 2, 4, 8, 14, 21, 38 runs for the eight largest, 57k to 13k
    classes), so reading and charging them is a slice copy or a view (see :class:`Supporters`).
    Only the position of a class changes, not its budget or any rule step; outside the count,
    budgets are reported in the original class order (:attr:`MESRun.class_budget`).
    """

    supporters: dict[int, Supporters]
    order: np.ndarray
    inverse: np.ndarray  # inverse[c]: position of original class c in the counting order
    costs: list[float]  # arrays.costs as Python floats: scalar arithmetic on them is ~3x faster
    keys: list[tuple[float, int]]  # (cost / total utility, project): the first heap bound of each project
    reach: list[float]  # per project: the budget per voter below which its supporters surely lack its cost

    def heap(self, rank: list[int], budget_per_voter: float | None = None) -> list[tuple[float, int, int]]:
        """The candidates in a heap by (lower bound on rho, tie rank), as every count starts.

        With ``budget_per_voter``, projects that are unaffordable from the start are left out: their
        supporters' total weight times the budget is below the cost by the certificate margin, so
        the money they are found to have whenever they are looked at (it only shrinks in a count;
        the float sum errs by far less than the margin) is below both the rule's threshold and
        :func:`cost_floor` ``(cost, -1)``. Popping them would only drop them, so the count is the
        same; on the synthetic city this saves most of the gathers of hopeless projects.
        """
        if budget_per_voter is None:
            heap = [(key, rank[j], j) for key, j in self.keys]
        else:
            reach = self.reach
            heap = [(key, rank[j], j) for key, j in self.keys if reach[j] <= budget_per_voter]
        heapq.heapify(heap)
        return heap

    def items(self) -> ItemsView[int, Supporters]:
        return self.supporters.items()

    def __getitem__(self, j: int) -> Supporters:
        return self.supporters[j]


LOCALITY_KEYS = 16
"""How many of the most supported projects the counting order of the classes is sorted on."""
RUN_LENGTH = 500
"""A project's supporters are read by runs when they average at least this many classes per run
(a slice has a fixed overhead worth a few hundred gathered elements)."""


BLAS_DOT_MAX = 8192
"""Longest vectors :func:`dot` hands to BLAS. OpenBLAS computes ``ddot`` on one thread up to
10,000 elements and on all cores above; single-threaded it is the fastest inner product on the
short supporter lists that dominate a count, multithreaded on a busy machine it is far slower
than NumPy's multiply and sum (figures in ``docs/benchmarks/pb.md``)."""


def dot(a: np.ndarray, b: np.ndarray) -> float:
    """Inner product: BLAS on short vectors, NumPy's multiply and (pairwise) sum on long ones
    (see :data:`BLAS_DOT_MAX`). Either sums in its own order; the module's tolerance covers that."""
    if len(a) <= BLAS_DOT_MAX:
        return float(a.dot(b))
    return float(np.add.reduce(np.multiply(a, b)))


def prepare(arrays: ElectionArrays) -> Prepared:
    with paused_gc():
        return _prepare_supporters(arrays)


def _counting_order(arrays: ElectionArrays) -> np.ndarray:
    n = len(arrays.class_weight)
    sizes = np.diff(arrays.start)
    top = [int(j) for j in np.argsort(-sizes, kind="stable")[:LOCALITY_KEYS] if sizes[j] > 0]
    if not top or n == 0:
        return np.arange(n)
    support = np.zeros((len(top), n), dtype=np.int8)
    for row, j in enumerate(top):
        support[row, arrays.classes[arrays.supporters(j)]] = 1
    gray = np.bitwise_xor.accumulate(support, axis=0)
    order: np.ndarray = np.lexsort(gray[::-1])  # lexsort's last key is the primary one
    return order


def _runs(positions: np.ndarray) -> list[tuple[int, int]] | None:
    if len(positions) == 0:
        return None
    breaks = np.flatnonzero(np.diff(positions) != 1) + 1
    if len(positions) < RUN_LENGTH * (len(breaks) + 1):
        return None
    starts = np.concatenate(([0], breaks))
    stops = np.concatenate((breaks, [len(positions)]))
    return [(int(positions[a]), int(positions[b - 1]) + 1) for a, b in zip(starts, stops, strict=True)]


def _prepare_supporters(arrays: ElectionArrays) -> Prepared:
    order = _counting_order(arrays)
    inverse = np.empty(len(order), dtype=np.int64)
    inverse[order] = np.arange(len(order))
    class_weight = arrays.class_weight[order]
    prepared: dict[int, Supporters] = {}
    for j in range(len(arrays.exact_costs)):
        part = arrays.supporters(j)
        if arrays.exact_costs[j] == 0 or part.stop == part.start:
            continue
        positions = inverse[arrays.classes[part]]
        sort = np.argsort(positions, kind="stable")
        classes = positions[sort]
        weights = class_weight[classes]
        utilities = arrays.utilities[part][sort]
        total = dot(weights, utilities)
        if total > 0:
            first = float(utilities[0])
            uniform = first if bool(np.all(utilities == first)) else 0.0
            prepared[j] = Supporters(classes, weights, utilities, total, uniform, _runs(classes), len(classes))
    costs = [float(c) for c in arrays.costs]
    keys = [(costs[j] / s.total_utility, j) for j, s in prepared.items()]
    margin = 1 + CERTIFICATE_MARGIN
    reach = [math.inf] * len(costs)
    for j, s in prepared.items():
        weight = float(np.add.reduce(s.weights))
        if weight > 0:
            reach[j] = cost_floor(costs[j], -1) / (weight * margin * margin)
    return Prepared(prepared, order, inverse, costs, keys, reach)


def mes_price(cost: float, s: Supporters, budgets: np.ndarray) -> tuple[float, int]:
    """Smallest ``rho`` with ``sum(w * min(b, rho * u)) >= cost``; also how many classes pay all they have.

    Fixed-point iteration instead of a sort: start from the equal split ``rho = cost / U``; the
    supporters who cannot pay ``rho * u`` pay all they have, the others share the rest in
    proportion to utility, which raises ``rho``; repeat until nobody new runs out. ``rho`` only
    grows and the set of supporters paying all only grows, so this ends in at most as many
    passes as there are distinct budget levels (two or three on real data), each pass a few
    vectorised sums. Equal limits need no ordering, which a sort-based search would.

    With a uniform utility ``u`` the first test, "does anybody have ``b / u < rho``", is decided
    on the least budget alone, bit for bit: correctly rounded division by ``u > 0`` is monotone,
    so ``min(b) / u`` is the least of the ``b / u``. Most prices end there, without building the
    limits and the mask.
    """
    rho = cost / s.total_utility
    uniform = s.uniform
    if uniform:
        if float(budgets.min()) / uniform >= rho:
            return rho, 0
        limits = budgets / uniform
    else:
        limits = budgets / s.utilities
        if float(limits.min()) >= rho:  # nobody has b / u < rho
            return rho, 0
    poor = limits < rho
    count = 0
    while True:
        new_count = int(np.count_nonzero(poor))
        if new_count == count:
            return rho, count
        count = new_count
        weights = s.weights[poor]
        paid = dot(weights, budgets[poor])
        used = float(np.add.reduce(weights)) * uniform if uniform else dot(weights, s.utilities[poor])
        rest = s.total_utility - used
        if rest <= s.total_utility * RELATIVE_EPS:
            return float(limits.max()), len(limits)
        rho = (cost - paid) / rest
        poor |= limits < rho


def cost_floor(cost: float, side: int) -> float:
    """The affordability threshold ``cost (1 - eps)`` moved by the certificate margin: ``side=1``
    above it (surely affordable), ``-1`` below it (surely not), ``0`` the rule's own threshold."""
    return cost * (1 - RELATIVE_EPS) * (1 + side * CERTIFICATE_MARGIN)


def run_mes(
    arrays: ElectionArrays,
    rank: list[int],
    budget_per_voter: Fraction,
    explain: bool,
    prepared: Prepared | None = None,
) -> MESRun:
    run = MESRun(budget_per_voter)
    prepared = prepared if prepared is not None else prepare(arrays)
    budgets = np.full(len(arrays.class_weight), float(budget_per_voter))
    costs = prepared.costs
    # Candidates in a heap by (lower bound on rho, tie rank): each round pops them in the order a
    # full sort would list them and stops at the first whose bound exceeds the best price found,
    # so rounds see exactly the projects a sorted scan would, without re-sorting every round.
    # (Explained counts keep the hopeless projects, to say in which round each was eliminated.)
    heap = prepared.heap(rank, None if explain else float(budget_per_voter))
    round_number = 0
    while heap:
        round_number += 1
        best = math.inf
        evaluated: list[tuple[float, int, int]] = []
        gathered: dict[int, np.ndarray] = {}
        affordable: dict[int, float] = {}
        while heap and heap[0][0] <= best * (1 + RELATIVE_EPS):
            _, _, j = heapq.heappop(heap)
            s = prepared[j]
            budgets_j = s.gather(budgets)
            cost = costs[j]
            available = dot(s.weights, budgets_j)
            if available < cost * (1 - RELATIVE_EPS):
                if explain:
                    run.eliminated[j] = round_number
                continue
            rho, poor = mes_price(cost, s, budgets_j)
            evaluated.append((rho, j, poor))
            affordable[j] = available
            gathered[j] = budgets_j
            if rho < best:
                best = rho
        if not evaluated:
            break
        least = min(rho for rho, _, _ in evaluated)
        tied = [(rank[j], rho, j, poor) for rho, j, poor in evaluated if rho <= least * (1 + RELATIVE_EPS)]
        _, rho, chosen, poor = min(tied)
        for rho_j, j, _ in evaluated:  # the others go back with their price as the new bound
            if j != chosen:
                heapq.heappush(heap, (rho_j, rank[j], j))
        s = prepared[chosen]
        before = gathered[chosen]  # no budget changed since it was priced this round
        # rho * uniform is, bit for bit, each element of rho * utilities when they are all equal
        due = rho * s.uniform if s.uniform else rho * s.utilities
        payment = np.minimum(before, due) if explain else None  # before charge(), which may update it
        s.charge(budgets, before, due)
        run.selected.append(chosen)
        solid = affordable[chosen] >= costs[chosen] * (1 + CERTIFICATE_MARGIN) and poor < s.size
        # The prices of projects surely affordable (above their cost) at this budget.
        margin = 1 + CERTIFICATE_MARGIN
        prices = {j: rho_j for rho_j, j, _ in evaluated if affordable[j] >= costs[j] * margin}
        run.trace.append((chosen, rho, solid, prices))
        if payment is not None:
            weights = s.weights
            run.rounds.append(
                Purchase(
                    round_number,
                    chosen,
                    rho,
                    rho * s.uniform if s.uniform else None,
                    float(weights.sum()),
                    float(weights[payment < rho * s.utilities * (1 - RELATIVE_EPS)].sum()),
                    explained_sum(weights, payment),
                    sorted(j for _, _, j, _ in tied if j != chosen),
                )
            )
    run.budgets, run.order = budgets, prepared.order
    return run


def explained_sum(weights: np.ndarray, values: np.ndarray) -> float:
    """Correctly rounded sum of products for the published explanation only.

    The count's own sums depend on summation order (class order, BLAS kernel of the machine), so
    they can differ in the last digit between machines; the figures we publish should not, and a
    round whose supporters paid exactly the cost should read as that cost.
    """
    return math.fsum(np.multiply(weights, values).tolist())


def exact_cost(arrays: ElectionArrays, projects: Iterable[int]) -> Fraction:
    """What the projects cost together, exactly: Add1's overspending and exhaustiveness tests."""
    return sum((arrays.exact_costs[j] for j in projects), Fraction(0))


def exhaustive(arrays: ElectionArrays, budget: Fraction, chosen: set[int], candidates: list[int]) -> bool:
    spent = exact_cost(arrays, chosen)
    return all(j in chosen or spent + arrays.exact_costs[j] > budget for j in candidates)
