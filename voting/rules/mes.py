"""The Method of Equal Shares (MES) for participatory budgeting, with completion methods.

Sources: Peters & Skowron, "Proportionality and the Limits of Welfarism" (EC 2020) for the rule
(there called Rule X); Peters, Pierczyński & Skowron, "Proportional Participatory Budgeting with
Additive Utilities" (NeurIPS 2021) for PB with additive utilities and for completion by raising
the voters' budget; https://equalshares.net for the form used by Wieliczka, Świecie, Aarau and
Assen (cost utilities, Add1 completion, utilitarian top-up, comparison step).

How it works. The budget is split equally: each voter (each unit of ballot weight) gets
``budget / number_of_voters``, empty ballots included. A project can be bought if its supporters
together still have its cost; their share is set so that each pays in proportion to their
utility, ``rho x utility``, except voters who cannot afford that, who pay all they have left. Each
round buys the project with the smallest ``rho`` (with cost utilities: the smallest price per unit
of money, i.e. the largest "effective vote count" ``1 / rho``) and charges its supporters. The
rule stops when no project is affordable any more. Free projects with support are funded first.

Completion, because MES alone usually leaves money unspent (``completion=``):

``none``
    Plain MES.
``add1``
    Raise every voter's budget by ``increment`` (default one currency unit per voter, hence the
    name) and recount from scratch, again and again, and keep the last outcome that does not
    cost more than the real budget: the count stops *when the next step would overspend* (or
    when every supported project is funded). This is how the pabulib MES elections were
    counted: Wieliczka 2023 is only reproduced by this variant (the first exhaustive outcome, at
    301.84 per voter, funds projects 66 and 67; the official one, reached at 305.84, funds 46),
    and Assen 2024 and Świecie 2023 come out the same under both. Steps whose outcome is proven
    unchanged are skipped rather than recounted (see :func:`_add1` and :func:`_follow`); the
    result, including the per-step summary, is exactly that of recounting every step.
``add1-first-exhaustive``
    The same steps, but stop at the first outcome that is *exhaustive* (no further project
    fits in the money left): pabutools' ``voter_budget_increment``. Cheaper, and equal to
    ``add1`` unless raising the budget further reshuffles the projects, as in Wieliczka.
``utilitarian``
    Plain MES, then greedy by votes (points) among the remaining projects that still fit.
``add1-utilitarian``
    ``add1``, then the utilitarian top-up, so that the outcome is always exhaustive (the
    combination equalshares.net recommends when the money must be spent).

``comparison=True`` adds equalshares.net's comparison step (Wieliczka 2023): the completed MES
outcome is compared with the greedy outcome; if more voters prefer greedy (more of the money
going to projects they voted for) than prefer MES, greedy's outcome is used.

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
organised to make few, cheap calls (synthetic 100k x 200 city, Add1: 6.6 s before these, 4.0 s
after, measured interleaved): the voter classes are counted in an order where the supporters of
the most supported projects are contiguous runs, read and charged by slices (:class:`_Prepared`);
short inner products go to single-threaded BLAS (:data:`BLAS_DOT_MAX`); a price needs no mask
when the poorest supporter can pay it (:func:`_price`); projects whose supporters cannot reach
their cost even with the whole starting budget are left out of the count (:meth:`_Prepared.heap`).
None changes a decision: the same comparisons are made on the same quantities, up to the order
in which sums are added, which the tolerance covers.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import ItemsView, Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from voting.rules.pb import Instance, PBError, Profile, Result
from voting.rules.pb_arrays import ElectionArrays, default_utility, election_arrays, paused_gc
from voting.rules.pb_registry import pb_rule
from voting.rules.tiebreak import TieBreak, parse_tie_break

RELATIVE_EPS = 1e-9
CERTIFICATE_MARGIN = 1e-10
"""Add1's interval certificate asks every comparison it relies on to hold by this relative margin
on top of :data:`RELATIVE_EPS`: a hundred times the float error the module doc allows, a tenth
of the tie tolerance (see :func:`_follow`)."""
COMPLETIONS = ("none", "add1", "add1-first-exhaustive", "utilitarian", "add1-utilitarian")
MAX_ADD1_STEPS = 100_000
MAX_ADD1_BUDGET_IN_STEPS = 20_000
"""Add1 recounts once per step; typical runs need well under one step per unit of the initial
per-voter budget (Assen 2024: 844 steps from 1,190 EUR; Wieliczka 2023: 165 from 152 PLN). A
per-voter budget over 20,000 steps (Budapest 2022: 235,769 HUF per voter in steps of 1 HUF) is
refused up front with the advice to choose a larger increment, rather than counting for hours."""


Round = tuple[int, float, bool, dict[int, float]]


@dataclass
class _Run:
    """One pass of MES at a given per-voter budget."""

    budget_per_voter: Fraction
    selected: list[int] = field(default_factory=list)
    rounds: list[dict[str, Any]] = field(default_factory=list)
    eliminated: dict[int, dict[str, Any]] = field(default_factory=dict)
    budgets: np.ndarray | None = None  # per class, in the counting order of :class:`_Prepared`
    order: np.ndarray | None = None  # that order: budgets[p] belongs to original class order[p]
    # Per round: (project bought, its price rho, whether the round is *solid*: its supporters held
    # more than its cost, by the margin, so it is affordable and priced by the exact-price formula
    # at every larger budget,
    # the prices of the other projects priced that round). Add1's interval certificate reads the
    # first three (see :func:`_follow`); the prices only guide where it looks next.
    trace: list[Round] = field(default_factory=list)

    @property
    def class_budget(self) -> np.ndarray | None:
        """Money left per voter class, in the original class order (that of :class:`ElectionArrays`)."""
        if self.budgets is None or self.order is None:
            return self.budgets
        out = np.empty_like(self.budgets)
        out[self.order] = self.budgets
        return out


@dataclass
class _Supporters:
    """Per-project supporter data that no recount changes, prepared once for all Add1 steps.

    ``classes`` are positions in the *counting order* of the voter classes (see :class:`_Prepared`),
    sorted. When they form a few contiguous runs, ``runs`` lists them as ``(start, stop)`` and
    budgets are read and written by slices (a view for a single run) instead of fancy indexing:
    on the synthetic city a 57k-element gather costs ~100 us and the scatter ~130 us, a slice
    copy ~15 us and a view nothing.
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
class _Prepared:
    """The supporters of every project, in a *counting order* of the voter classes chosen for locality.

    Classes are renumbered (``order[p]`` is the original class at position ``p``) by sorting them
    on whether they support each of the :data:`LOCALITY_KEYS` most supported projects, most
    supported first, in reflected Gray-code order (each key XOR-ed with the keys before it): the
    supporters of the most supported project are then one contiguous run, the next ones a few
    runs (synthetic city: 1, 1, 2, 4, 8, 14, 21, 38 runs for the eight largest, 57k to 13k
    classes), so reading and charging them is a slice copy or a view (see :class:`_Supporters`).
    Only the position of a class changes, not its budget or any rule step; outside the count,
    budgets are reported in the original class order (:attr:`_Run.class_budget`).
    """

    supporters: dict[int, _Supporters]
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

    def items(self) -> ItemsView[int, _Supporters]:
        return self.supporters.items()

    def __getitem__(self, j: int) -> _Supporters:
        return self.supporters[j]


LOCALITY_KEYS = 16
"""How many of the most supported projects the counting order of the classes is sorted on."""
RUN_LENGTH = 500
"""A project's supporters are read by runs when they average at least this many classes per run
(a slice costs ~0.3 us of overhead, a gathered element ~2 ns)."""


BLAS_DOT_MAX = 8192
"""Longest vectors :func:`_dot` hands to BLAS. OpenBLAS computes ``ddot`` on one thread up to
10,000 elements and on all cores above; single-threaded it is the fastest inner product (835
elements, the typical supporter list of the synthetic city: 3 us against 8 us for NumPy's
multiply and sum, mostly call overhead), multithreaded on a busy 2-core machine it was measured
at 0.2-5 ms for 10k-57k elements against 20-60 us for multiply and sum."""


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """Inner product: BLAS on short vectors, NumPy's multiply and (pairwise) sum on long ones
    (see :data:`BLAS_DOT_MAX`). Either sums in its own order; the module's tolerance covers that."""
    if len(a) <= BLAS_DOT_MAX:
        return float(a.dot(b))
    return float(np.add.reduce(np.multiply(a, b)))


def _prepare(arrays: ElectionArrays) -> _Prepared:
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
    return np.lexsort(gray[::-1])  # lexsort's last key is the primary one


def _runs(positions: np.ndarray) -> list[tuple[int, int]] | None:
    if len(positions) == 0:
        return None
    breaks = np.flatnonzero(np.diff(positions) != 1) + 1
    if len(positions) < RUN_LENGTH * (len(breaks) + 1):
        return None
    starts = np.concatenate(([0], breaks))
    stops = np.concatenate((breaks, [len(positions)]))
    return [(int(positions[a]), int(positions[b - 1]) + 1) for a, b in zip(starts, stops, strict=True)]


def _prepare_supporters(arrays: ElectionArrays) -> _Prepared:
    order = _counting_order(arrays)
    inverse = np.empty(len(order), dtype=np.int64)
    inverse[order] = np.arange(len(order))
    class_weight = arrays.class_weight[order]
    prepared: dict[int, _Supporters] = {}
    for j in range(len(arrays.exact_costs)):
        part = arrays.supporters(j)
        if arrays.exact_costs[j] == 0 or part.stop == part.start:
            continue
        positions = inverse[arrays.classes[part]]
        sort = np.argsort(positions, kind="stable")
        classes = positions[sort]
        weights = class_weight[classes]
        utilities = arrays.utilities[part][sort]
        total = _dot(weights, utilities)
        if total > 0:
            first = float(utilities[0])
            uniform = first if bool(np.all(utilities == first)) else 0.0
            prepared[j] = _Supporters(classes, weights, utilities, total, uniform, _runs(classes), len(classes))
    costs = [float(c) for c in arrays.costs]
    keys = [(costs[j] / s.total_utility, j) for j, s in prepared.items()]
    margin = 1 + CERTIFICATE_MARGIN
    reach = [math.inf] * len(costs)
    for j, s in prepared.items():
        weight = float(np.add.reduce(s.weights))
        if weight > 0:
            reach[j] = cost_floor(costs[j], -1) / (weight * margin * margin)
    return _Prepared(prepared, order, inverse, costs, keys, reach)


def _price(cost: float, s: _Supporters, budgets: np.ndarray) -> tuple[float, int]:
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
        paid = _dot(weights, budgets[poor])
        used = float(np.add.reduce(weights)) * uniform if uniform else _dot(weights, s.utilities[poor])
        rest = s.total_utility - used
        if rest <= s.total_utility * RELATIVE_EPS:
            return float(limits.max()), len(limits)
        rho = (cost - paid) / rest
        poor |= limits < rho


def cost_floor(cost: float, side: int) -> float:
    """The affordability threshold ``cost (1 - eps)`` moved by the certificate margin: ``side=1``
    above it (surely affordable), ``-1`` below it (surely not), ``0`` the rule's own threshold."""
    return cost * (1 - RELATIVE_EPS) * (1 + side * CERTIFICATE_MARGIN)


def _run_mes(
    arrays: ElectionArrays,
    rank: list[int],
    budget_per_voter: Fraction,
    explain: bool,
    prepared: _Prepared | None = None,
) -> _Run:
    run = _Run(budget_per_voter)
    prepared = prepared if prepared is not None else _prepare(arrays)
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
            available = _dot(s.weights, budgets_j)
            if available < cost * (1 - RELATIVE_EPS):
                if explain:
                    left = _explained_sum(s.weights, budgets_j)
                    run.eliminated[j] = {"round": round_number, "supporters_budget_left": left}
                continue
            rho, poor = _price(cost, s, budgets_j)
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
                {
                    "round": round_number,
                    "project": chosen,
                    "rho": rho,
                    "effective_votes": 1 / rho,
                    "price_per_supporter": rho * s.uniform if s.uniform else None,
                    "supporters": float(weights.sum()),
                    "supporters_paying_all_they_had": float(
                        weights[payment < rho * s.utilities * (1 - RELATIVE_EPS)].sum()
                    ),
                    "paid": _explained_sum(weights, payment),
                    "tied_with": sorted(j for _, _, j, _ in tied if j != chosen),
                }
            )
    run.budgets, run.order = budgets, prepared.order
    return run


def _explained_sum(weights: np.ndarray, values: np.ndarray) -> float:
    """Correctly rounded sum of products for the published explanation only.

    The count's own sums depend on summation order (class order, BLAS kernel of the machine), so
    they can differ in the last digit between machines; the figures we publish should not, and a
    round whose supporters paid exactly the cost should read as that cost.
    """
    return math.fsum(np.multiply(weights, values).tolist())


def _exact_cost(arrays: ElectionArrays, projects: Iterable[int]) -> Fraction:
    """What the projects cost together, exactly: Add1's overspending and exhaustiveness tests."""
    return sum((arrays.exact_costs[j] for j in projects), Fraction(0))


def _exhaustive(arrays: ElectionArrays, budget: Fraction, chosen: set[int], candidates: list[int]) -> bool:
    spent = _exact_cost(arrays, chosen)
    return all(j in chosen or spent + arrays.exact_costs[j] > budget for j in candidates)


def _follow(
    arrays: ElectionArrays,
    rank: list[int],
    budget_per_voter: Fraction,
    low: _Run,
    prepared: _Prepared,
) -> tuple[_Run | None, float]:
    """Recount at ``budget_per_voter`` buying the winners of ``low`` (a run at a lower budget
    ``b_lo``) in the same order, and certify that every budget between the two buys exactly them.

    Returns the run and 1.0 (its winners, prices, solid flags and final budgets are, bit for bit,
    those of :func:`_run_mes` at this budget: the same winners are priced and charged on the same
    budgets by the same operations), or ``None`` as soon as one condition of the certificate
    fails, with a guess of where in the interval it starts failing (:func:`_crossing`).

    Why the certificate is sound, with ``b_hi`` this budget, ``w_t`` and ``rho_t`` the winner and
    its price in round ``t`` at ``b_lo``, and all prices and budgets taken along the same winner
    sequence:

    1. *Monotonicity.* Every supporter's money left after each round is nondecreasing in the
       starting budget ``b``: by induction, if the money before round ``t`` grows with ``b``,
       the price of ``w_t`` (the least ``rho`` with ``sum w min(r, rho u) >= cost``) can only
       fall, and what is left, ``max(r - rho u, 0)``, can only grow. Hence, in every round, a
       project's supporters' money grows with ``b`` (affordability is monotone) and its price
       falls.
    2. *Round t is decided the same way at every b in [b_lo, b_hi].* The rule buys, among the
       affordable projects whose price is within ``1 + eps`` of the least price, the best in
       tie rank. Conditions checked: ``w_t``'s supporters held more than its cost at ``b_lo``
       (a *solid* round; so they do at every larger ``b``, out of the tolerance band described
       below) and its price ``rho_w(b) <= rho_t``; every other project still in the running
       is either unaffordable at ``b_hi`` (so at every smaller ``b``), or ranks before ``w_t``
       and costs ``rho_k(b_hi) > rho_t (1 + eps)`` (so ``rho_k(b) >= rho_k(b_hi) > rho_w(b)
       (1 + eps) >= least(b) (1 + eps)``: not tied, not cheapest), or ranks after ``w_t`` and
       costs ``rho_k(b_hi) (1 + eps) >= rho_t`` (so ``rho_w(b) <= rho_k(b) (1 + eps)`` for
       every such ``k``, and ``w_t`` is within the tolerance of the least price, in the tie,
       and no better-ranked project is). A project not looked at keeps a heap key that is a
       lower bound on its price (money only shrinks within a run), so a key above the limit
       certifies it. The winner is therefore ``w_t`` at every ``b``.
       One subtlety: a project whose supporters hold within the tolerance of its cost, but less
       than the cost, is affordable by the rule and priced at ``max(b_i / u_i)`` (everybody pays
       all), which is *not* monotone. If ``k`` was not surely affordable at ``b_lo`` (above its
       cost by the margin), some ``b`` in between may put it in that band; there its price is
       at least ``rho_k(b_hi) - eps cost / U_rich`` (``U_rich``: utility of the supporters who
       do not pay all at ``b_hi``; the band's shortfall ``eps cost`` must be met at a price at
       most that much lower), so that bound is compared instead.
    3. *The count stops at the same round.* After the last winner no project is affordable at
       ``b_hi``, so none is at any smaller ``b``.

    By induction over the rounds every ``b`` in the interval buys the winners of ``b_lo`` in the
    same order: the same outcome. Each inequality is required with a relative margin of
    :data:`CERTIFICATE_MARGIN` (and rounds where a price was computed with every supporter
    paying all they had, where the tolerance rather than the price decides, are not certified),
    so that float rounding, far below that margin, cannot flip a comparison that the exact
    argument relies on. A failed certificate only costs a recount: Add1 then steps.
    """
    run = _Run(budget_per_voter)
    budgets = np.full(len(arrays.class_weight), float(budget_per_voter))
    costs = prepared.costs
    heap = prepared.heap(rank, float(budget_per_voter))
    bought: set[int] = set()
    better_factor = (1 + RELATIVE_EPS) * (1 + CERTIFICATE_MARGIN)
    worse_factor = (1 + CERTIFICATE_MARGIN) / (1 + RELATIVE_EPS)
    for winner, rho_lo, solid, low_prices in low.trace:
        if not solid:
            return None, 0.0
        bought.add(winner)
        better = rho_lo * better_factor
        worse = rho_lo * worse_factor
        winner_rank = rank[winner]
        priced: list[tuple[float, int, int]] = []
        prices: dict[int, float] = {}
        while heap and heap[0][0] <= better:
            _, rank_k, k = heapq.heappop(heap)
            if k in bought:
                continue
            s = prepared[k]
            budgets_k = s.gather(budgets)
            cost = costs[k]
            available = _dot(s.weights, budgets_k)
            if available < cost_floor(cost, -1):
                continue  # unaffordable here, so in this and every later round at every b <= b_hi
            if available < cost_floor(cost, 1):
                return None, 0.5  # too close to the affordability threshold to certify
            rho_k, poor = _price(cost, s, budgets_k)
            if poor == s.size:
                return None, 0.5
            priced.append((rho_k, rank_k, k))
            if available >= cost * (1 + CERTIFICATE_MARGIN):
                prices[k] = rho_k
            # A lower bound on k's price at every b <= b_hi where the rule finds it affordable:
            # rho_k itself if k was surely affordable at b_lo, else allow for the tolerance band.
            bound = rho_k
            if k not in low_prices:
                bound -= RELATIVE_EPS * cost / _rich_utility(s, budgets_k, rho_k)
            if bound <= better if rank_k < winner_rank else bound < worse:
                return None, _crossing(low_prices.get(k), rho_k, better if rank_k < winner_rank else worse)
        for entry in priced:
            heapq.heappush(heap, entry)
        s = prepared[winner]
        before = s.gather(budgets)
        cost = costs[winner]
        available = _dot(s.weights, before)
        rho, poor = _price(cost, s, before)
        # Not needed by the proof (affordable at b_lo), but keeps this run equal to _run_mes's.
        if available < cost * (1 - RELATIVE_EPS) or poor == s.size:
            return None, 0.5
        s.charge(budgets, before, rho * s.uniform if s.uniform else rho * s.utilities)
        run.selected.append(winner)
        run.trace.append((winner, rho, available >= cost * (1 + CERTIFICATE_MARGIN), prices))
    low_budgets = low.budgets  # in the counting order, as ``budgets``
    for _, _, k in heap:  # nothing may be affordable after the last winner
        if k not in bought:
            s = prepared[k]
            available = _dot(s.weights, s.gather(budgets))
            threshold = cost_floor(costs[k], -1)
            if available >= threshold:
                before_ = _dot(s.weights, s.gather(low_budgets)) if low_budgets is not None else None
                return None, _crossing(before_, available, threshold)
    run.budgets, run.order = budgets, prepared.order
    return run, 1.0


def _rich_utility(s: _Supporters, budgets: np.ndarray, rho: float) -> float:
    """Utility of the supporters who pay ``rho x utility`` rather than all they have."""
    limits = budgets / s.uniform if s.uniform else budgets / s.utilities
    rich = limits >= rho
    if s.uniform:
        return float(np.sum(s.weights[rich])) * s.uniform
    return _dot(s.weights[rich], s.utilities[rich])


def _crossing(low: float | None, high: float, limit: float) -> float:
    """Where, as a fraction of the interval, a quantity going from ``low`` to ``high`` crosses
    ``limit`` if it moves linearly (prices and money left are piecewise linear in the budget per
    voter); 0.5 when the low end is unknown. Only a guess for the next certificate to try."""
    if low is None or low == high:
        return 0.5
    return min(max((low - limit) / (low - high), 0.0), 1.0)


_ADD1_SKIPPING = True
"""Add1 skips the steps an interval certificate proves unchanged; ``False`` recounts every step
(kept for the tests that compare the two)."""


def _add1(
    arrays: ElectionArrays,
    rank: list[int],
    budget: Fraction,
    base: Fraction,
    step: Fraction,
    candidates: list[int],
    completion: str,
    explain: bool,
) -> tuple[_Run, list[dict[str, Any]], int]:
    """Raise the per-voter budget by ``step`` until the next outcome would overspend (see module doc).

    Step ``k`` counts at ``base + k * step`` per voter. The semantics are those of recounting at
    every step: stop at the first kept outcome that funds every candidate or (for
    ``add1-first-exhaustive``) is exhaustive, or whose next step overspends; keep that outcome
    and its budget. Most steps change nothing (synthetic 100k x 200: 1,502 steps, 127 changes of
    the winner sequence, 56 of the outcome), so instead of recounting each, the count gallops:
    from step ``k`` it tries to certify that every step up to ``k + jump`` buys the same projects
    in the same order (:func:`_follow`, one recount at ``k + jump``); on success it moves there
    and doubles the jump; on failure it retries just before where the failing comparison is predicted to cross
    (linear in the budget), and when that is under two steps it recounts step ``k + 1`` as the
    plain loop does, trying no certificate for 1, 2, 4, ... steps while they keep failing (so a
    file where every step changes the outcome pays a few failed certificates, not one per step).
    Within a certified interval every step has the same outcome, hence the same cost, the same
    exhaustiveness, and is kept; so the first step at which the loop would stop lies at an
    interval's end or on a recounted step, and the kept outcome and budget per voter are exactly
    those of the step-by-step loop. The returned steps list one entry per step, as that loop
    would (entries inside a certified interval repeat the interval's outcome); the third value
    is the number of recounts actually made. Only the kept run is explained round by round.
    """
    if base / step > MAX_ADD1_BUDGET_IN_STEPS:
        raise PBError(
            f"Add1 from {float(base):,.2f} per voter in steps of {float(step):g} would need up to "
            f"{int(base / step):,} recounts; pass a larger increment (e.g. {_round_step(base)})"
        )
    prepared = _prepare(arrays)
    run = _run_mes(arrays, rank, base, False, prepared)
    recounts = 1
    steps: list[dict[str, Any]] = []
    first_exhaustive = completion == "add1-first-exhaustive"
    number = 0
    jump = 8  # how many steps the next certificate tries to cover
    wait, patience = 0, 1  # plain steps before the next try; doubles while certificates keep failing
    ceiling = MAX_ADD1_STEPS + 1  # a target whose certificate failed since the last recount
    followed = False  # whether ``run`` came from a certificate rather than _run_mes
    run_cost = _exact_cost(arrays, run.selected)
    while True:
        chosen = set(run.selected)
        if len(chosen) == len(candidates):
            break
        if first_exhaustive and _exhaustive(arrays, budget, chosen, candidates):
            break
        target = min(number + jump, ceiling - 1, MAX_ADD1_STEPS)
        if _ADD1_SKIPPING and not wait and target - number >= 2 and run_cost <= budget:
            certified, fraction = _follow(arrays, rank, base + target * step, run, prepared)
            recounts += 1
            if certified is not None:
                for skipped in range(number + 1, target + 1):
                    steps.append(_step_entry(skipped, base + skipped * step, run.selected, run_cost, budget))
                number, run, followed = target, certified, True
                jump, patience = 2 * jump, 1
                continue
            # Aim just before where the failed comparison would cross if it moved linearly; if that
            # is less than two steps away, recount step by step for a while.
            ceiling = target
            jump = int(fraction * (target - number))
            if jump >= 2:
                continue
            jump, wait, patience = 2, patience, 2 * patience
        number += 1
        if number > MAX_ADD1_STEPS:
            raise PBError(f"Add1 did not settle within {MAX_ADD1_STEPS:,} steps; use a larger increment")
        attempt = _run_mes(arrays, rank, base + number * step, False, prepared)
        recounts += 1
        cost = _exact_cost(arrays, attempt.selected)
        steps.append(_step_entry(number, attempt.budget_per_voter, attempt.selected, cost, budget))
        if cost > budget:
            break
        run, run_cost, followed = attempt, cost, False
        ceiling, wait = MAX_ADD1_STEPS + 1, max(wait - 1, 0)
    if explain or followed:  # recount the kept budget once (with the round-by-round story)
        run = _run_mes(arrays, rank, run.budget_per_voter, explain, prepared)
        recounts += 1
    return run, steps, recounts


def _step_entry(
    number: int, budget_per_voter: Fraction, selected: list[int], cost: Fraction, budget: Fraction
) -> dict[str, Any]:
    """One line of ``details["add1_steps"]``: the outcome counted (or certified) at one step."""
    return {
        "step": number,
        "budget_per_voter": float(budget_per_voter),
        "selected": len(selected),
        "total_cost": cost,
        "kept": cost <= budget,
    }


def _round_step(base: Fraction) -> int:
    """A power of ten giving about a thousand steps over the initial per-voter budget."""
    return 10 ** max(0, len(str(int(base))) - 3)


def _utilitarian_top_up(
    instance: Instance, scores: list, rank: list[int], chosen: list[int], spent: Fraction
) -> list[int]:
    """Greedy by score among projects not chosen yet, skipping those that do not fit."""
    added: list[int] = []
    taken = set(chosen)
    for j in sorted(range(len(instance.projects)), key=lambda i: (-scores[i], rank[i])):
        if j in taken or scores[j] <= 0:
            continue
        cost = instance.projects[j].cost
        if spent + cost <= instance.budget:
            added.append(j)
            spent += cost
    return added


@pb_rule("equalshares", "Method of Equal Shares", "Peters & Skowron 2020; Peters, Pierczyński & Skowron 2021")
def method_of_equal_shares(
    instance: Instance,
    profile: Profile,
    *,
    completion: str = "add1",
    utility: str | None = None,
    increment: Any = 1,
    comparison: bool = False,
    tie_break: str | TieBreak | None = None,
    explain: bool = True,
) -> Result:
    """Method of Equal Shares with a completion method (see the module docstring for the rule).

    ``utility`` defaults to cost utilities for approval ballots (the MES used by cities) and to
    the points for cumulative, scoring and ordinal ballots. ``increment`` is the Add1 step per
    voter. ``explain=False`` skips building the per-round story (used by benchmarks).
    """
    if completion not in COMPLETIONS:
        raise PBError(f"unknown completion {completion!r} (choose from {', '.join(COMPLETIONS)})")
    tie = parse_tie_break(tie_break)
    utility = utility or default_utility(profile)
    arrays = election_arrays(instance, profile, utility)
    rank = tie.rank(instance)
    budget = instance.budget
    base = budget / arrays.total_weight
    try:
        step = Fraction(increment) if isinstance(increment, Fraction | int) else Fraction(str(increment).strip())
    except (ValueError, ZeroDivisionError):
        raise PBError(f"the Add1 increment is not a number: {increment!r}") from None
    if step <= 0:
        raise PBError("the Add1 increment must be positive")

    free = sorted(
        (j for j, p in enumerate(instance.projects) if p.cost == 0 and arrays.support[j] > 0), key=lambda j: rank[j]
    )
    candidates = [j for j, p in enumerate(instance.projects) if p.cost > 0 and arrays.utilities[arrays.supporters(j)].size]

    steps: list[dict[str, Any]] = []
    recounts = 0
    if completion in ("add1", "add1-first-exhaustive", "add1-utilitarian"):
        run, steps, recounts = _add1(arrays, rank, budget, base, step, candidates, completion, explain)
    else:
        run = _run_mes(arrays, rank, base, explain)

    order = free + run.selected
    completed_by: dict[int, str] = {j: "equal shares" for j in order}
    spent = sum((instance.projects[j].cost for j in order), Fraction(0))
    scores = arrays.scores
    if completion in ("utilitarian", "add1-utilitarian"):
        for j in _utilitarian_top_up(instance, scores, rank, order, spent):
            order.append(j)
            completed_by[j] = "utilitarian completion"
            spent += instance.projects[j].cost

    details: dict[str, Any] = {
        "utility": utility,
        "completion": completion,
        "tie_break": tie.describe(),
        "voters": arrays.total_weight,
        "initial_budget_per_voter": float(base),
        "final_budget_per_voter": float(run.budget_per_voter),
        "add1_steps": steps,
        "tolerance": RELATIVE_EPS,
    }
    if completion.startswith("add1"):
        details["add1_recounts"] = recounts  # recounts made; fewer than the steps when some were skipped
    outcome_rule = "equalshares" if completion == "none" else f"equalshares/{completion}"
    if comparison:
        outcome_rule += "-comparison"
        order, spent, details["comparison"] = _comparison_step(instance, profile, rank, scores, order, spent)

    ids = [instance.projects[j].id for j in order]
    rounds = []
    for entry in run.rounds:
        entry = dict(entry)
        entry["project"] = instance.projects[entry["project"]].id
        entry["tied_with"] = [instance.projects[j].id for j in entry["tied_with"]]
        entry["cost"] = arrays.exact_costs[instance.position[entry["project"]]]
        rounds.append(entry)
    projects = _explain_projects(instance, arrays, run, order, completed_by, scores)
    return Result(outcome_rule, "Method of Equal Shares", ids, spent, budget, rounds, projects, details)


def _explain_projects(
    instance: Instance, arrays: ElectionArrays, run: _Run, order: list[int], completed_by: dict[int, str], scores: list
) -> dict[str, dict[str, Any]]:
    """What each project got and, for each rejected one, what it needed and what its supporters had left."""
    chosen = set(order)
    out: dict[str, dict[str, Any]] = {}
    budgets = run.class_budget if run.class_budget is not None else np.zeros(0)
    for j, project in enumerate(instance.projects):
        entry: dict[str, Any] = {"cost": project.cost, "supporters": arrays.support[j], "score": scores[j]}
        if j in chosen:
            entry["status"] = "selected"
            entry["reason"] = f"funded by {completed_by.get(j, 'the comparison step')}"
        else:
            entry["status"] = "rejected"
            part = arrays.supporters(j)
            left = _explained_sum(arrays.class_weight[arrays.classes[part]], budgets[arrays.classes[part]])
            entry["supporters_budget_left"] = left
            entry["needed"] = project.cost
            if arrays.support[j] == 0:
                entry["reason"] = "nobody voted for it"
            else:
                entry["reason"] = (
                    f"its supporters had {left:.2f} left, it costs {float(project.cost):.2f}"
                    if left < float(project.cost)
                    else "did not fit in the money left after completion"
                )
            if j in run.eliminated:
                entry["unaffordable_from_round"] = run.eliminated[j]["round"]
        out[project.id] = entry
    return out


def _comparison_step(
    instance: Instance, profile: Profile, rank: list[int], scores: list, order: list[int], spent: Fraction
) -> tuple[list[int], Fraction, dict[str, Any]]:
    """equalshares.net comparison: keep MES unless more voters prefer the greedy outcome.

    A voter prefers the outcome that spends more money on projects they voted for.
    """
    greedy_order = _utilitarian_top_up(instance, scores, rank, [], Fraction(0))
    mes_set, greedy_set = set(order), set(greedy_order)
    cost = [p.cost for p in instance.projects]
    prefer_mes = prefer_greedy = 0
    for ballot in profile.ballots:
        named = [instance.position[p] for p in ballot.projects]
        mes_money = sum((cost[j] for j in named if j in mes_set), Fraction(0))
        greedy_money = sum((cost[j] for j in named if j in greedy_set), Fraction(0))
        if mes_money > greedy_money:
            prefer_mes += ballot.weight
        elif greedy_money > mes_money:
            prefer_greedy += ballot.weight
    summary = {"prefer_equal_shares": prefer_mes, "prefer_greedy": prefer_greedy}
    if prefer_greedy > prefer_mes:
        summary["winner"] = "greedy"
        return greedy_order, sum((cost[j] for j in greedy_order), Fraction(0)), summary
    summary["winner"] = "equal shares"
    return order, spent, summary
