"""Add1 completion of MES, and the interval certificate that lets it skip unchanged steps.

Add1 raises every voter's budget step by step and recounts (see :mod:`voting.pb.mes`);
:func:`add1_completion` gives exactly the outcome of recounting at every step, but skips the runs
of steps that :func:`follow` proves unchanged (its docstring has the argument). No Django, no I/O.
"""

from __future__ import annotations

import heapq
from fractions import Fraction
from typing import Any

import numpy as np

from .arrays import ElectionArrays
from .mes_kernel import (
    CERTIFICATE_MARGIN,
    RELATIVE_EPS,
    MESRun,
    Prepared,
    Supporters,
    cost_floor,
    dot,
    exact_cost,
    exhaustive,
    mes_price,
    prepare,
    run_mes,
)
from .types import PBError

MAX_ADD1_STEPS = 100_000
MAX_ADD1_BUDGET_IN_STEPS = 20_000
"""Add1 recounts once per step; typical runs need well under one step per unit of the initial
per-voter budget (Assen 2024: 844 steps from 1,190 EUR; Wieliczka 2023: 165 from 152 PLN). A
per-voter budget over 20,000 steps (Budapest 2022: 235,769 HUF per voter in steps of 1 HUF) is
refused up front with the advice to choose a larger increment, rather than counting for hours."""


def follow(
    arrays: ElectionArrays,
    rank: list[int],
    budget_per_voter: Fraction,
    low: MESRun,
    prepared: Prepared,
) -> tuple[MESRun | None, float]:
    """Recount at ``budget_per_voter`` buying the winners of ``low`` (a run at a lower budget
    ``b_lo``) in the same order, and certify that every budget between the two buys exactly them.

    Returns the run and 1.0 (its winners, prices, solid flags and final budgets are, bit for bit,
    those of :func:`run_mes` at this budget: the same winners are priced and charged on the same
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
    run = MESRun(budget_per_voter)
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
            available = dot(s.weights, budgets_k)
            if available < cost_floor(cost, -1):
                continue  # unaffordable here, so in this and every later round at every b <= b_hi
            if available < cost_floor(cost, 1):
                return None, 0.5  # too close to the affordability threshold to certify
            rho_k, poor = mes_price(cost, s, budgets_k)
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
        available = dot(s.weights, before)
        rho, poor = mes_price(cost, s, before)
        # Not needed by the proof (affordable at b_lo), but keeps this run equal to run_mes's.
        if available < cost * (1 - RELATIVE_EPS) or poor == s.size:
            return None, 0.5
        s.charge(budgets, before, rho * s.uniform if s.uniform else rho * s.utilities)
        run.selected.append(winner)
        run.trace.append((winner, rho, available >= cost * (1 + CERTIFICATE_MARGIN), prices))
    low_budgets = low.budgets  # in the counting order, as ``budgets``
    for _, _, k in heap:  # nothing may be affordable after the last winner
        if k not in bought:
            s = prepared[k]
            available = dot(s.weights, s.gather(budgets))
            threshold = cost_floor(costs[k], -1)
            if available >= threshold:
                before_ = dot(s.weights, s.gather(low_budgets)) if low_budgets is not None else None
                return None, _crossing(before_, available, threshold)
    run.budgets, run.order = budgets, prepared.order
    return run, 1.0


def _rich_utility(s: Supporters, budgets: np.ndarray, rho: float) -> float:
    """Utility of the supporters who pay ``rho x utility`` rather than all they have."""
    limits = budgets / s.uniform if s.uniform else budgets / s.utilities
    rich = limits >= rho
    if s.uniform:
        return float(np.sum(s.weights[rich])) * s.uniform
    return dot(s.weights[rich], s.utilities[rich])


def _crossing(low: float | None, high: float, limit: float) -> float:
    """Where, as a fraction of the interval, a quantity going from ``low`` to ``high`` crosses
    ``limit`` if it moves linearly (prices and money left are piecewise linear in the budget per
    voter); 0.5 when the low end is unknown. Only a guess for the next certificate to try."""
    if low is None or low == high:
        return 0.5
    return min(max((low - limit) / (low - high), 0.0), 1.0)


ADD1_SKIPPING = True
"""Add1 skips the steps an interval certificate proves unchanged; ``False`` recounts every step
(kept for the tests that compare the two)."""


def add1_completion(
    arrays: ElectionArrays,
    rank: list[int],
    budget: Fraction,
    base: Fraction,
    step: Fraction,
    candidates: list[int],
    completion: str,
    explain: bool,
) -> tuple[MESRun, list[dict[str, Any]], int]:
    """Raise the per-voter budget by ``step`` until the next outcome would overspend (see module doc).

    Step ``k`` counts at ``base + k * step`` per voter. The semantics are those of recounting at
    every step: stop at the first kept outcome that funds every candidate or (for
    ``add1-first-exhaustive``) is exhaustive, or whose next step overspends; keep that outcome
    and its budget. Most steps change nothing (synthetic 100k x 200: 1,502 steps, 127 changes of
    the winner sequence, 56 of the outcome), so instead of recounting each, the count gallops:
    from step ``k`` it tries to certify that every step up to ``k + jump`` buys the same projects
    in the same order (:func:`follow`, one recount at ``k + jump``); on success it moves there
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
    prepared = prepare(arrays)
    run = run_mes(arrays, rank, base, False, prepared)
    recounts = 1
    steps: list[dict[str, Any]] = []
    first_exhaustive = completion == "add1-first-exhaustive"
    number = 0
    jump = 8  # how many steps the next certificate tries to cover
    wait, patience = 0, 1  # plain steps before the next try; doubles while certificates keep failing
    ceiling = MAX_ADD1_STEPS + 1  # a target whose certificate failed since the last recount
    followed = False  # whether ``run`` came from a certificate rather than run_mes
    run_cost = exact_cost(arrays, run.selected)
    while True:
        chosen = set(run.selected)
        if len(chosen) == len(candidates):
            break
        if first_exhaustive and exhaustive(arrays, budget, chosen, candidates):
            break
        target = min(number + jump, ceiling - 1, MAX_ADD1_STEPS)
        if ADD1_SKIPPING and not wait and target - number >= 2 and run_cost <= budget:
            certified, fraction = follow(arrays, rank, base + target * step, run, prepared)
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
        attempt = run_mes(arrays, rank, base + number * step, False, prepared)
        recounts += 1
        cost = exact_cost(arrays, attempt.selected)
        steps.append(_step_entry(number, attempt.budget_per_voter, attempt.selected, cost, budget))
        if cost > budget:
            break
        run, run_cost, followed = attempt, cost, False
        ceiling, wait = MAX_ADD1_STEPS + 1, max(wait - 1, 0)
    if explain or followed:  # recount the kept budget once (with the round-by-round story)
        run = run_mes(arrays, rank, run.budget_per_voter, explain, prepared)
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
    return int(10 ** max(0, len(str(int(base))) - 3))
