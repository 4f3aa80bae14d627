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
    and Assen 2024 and Świecie 2023 come out the same under both.
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
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from voting.rules.pb import Instance, PBError, Profile, Result
from voting.rules.pb_arrays import ElectionArrays, default_utility, election_arrays, paused_gc
from voting.rules.pb_registry import pb_rule
from voting.rules.tiebreak import TieBreak, parse_tie_break

RELATIVE_EPS = 1e-9
COMPLETIONS = ("none", "add1", "add1-first-exhaustive", "utilitarian", "add1-utilitarian")
MAX_ADD1_STEPS = 100_000
MAX_ADD1_BUDGET_IN_STEPS = 20_000
"""Add1 recounts once per step; typical runs need well under one step per unit of the initial
per-voter budget (Assen 2024: 844 steps from 1,190 EUR; Wieliczka 2023: 165 from 152 PLN). A
per-voter budget over 20,000 steps (Budapest 2022: 235,769 HUF per voter in steps of 1 HUF) is
refused up front with the advice to choose a larger increment, rather than counting for hours."""


@dataclass
class _Run:
    """One pass of MES at a given per-voter budget."""

    budget_per_voter: Fraction
    selected: list[int] = field(default_factory=list)
    rounds: list[dict[str, Any]] = field(default_factory=list)
    eliminated: dict[int, dict[str, Any]] = field(default_factory=dict)
    class_budget: np.ndarray | None = None


@dataclass
class _Supporters:
    """Per-project supporter data that no recount changes, prepared once for all Add1 steps."""

    classes: np.ndarray
    weights: np.ndarray
    utilities: np.ndarray
    total_utility: float
    uniform: float  # the common utility when all supporters have the same one (approval), else 0


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """Inner product without BLAS: ``np.dot`` hands even 1,000-element vectors to multithreaded
    OpenBLAS, which on a busy 2-core machine was measured 50x slower than this."""
    return float(np.multiply(a, b).sum())


def _prepare(arrays: ElectionArrays) -> dict[int, _Supporters]:
    with paused_gc():
        return _prepare_supporters(arrays)


def _prepare_supporters(arrays: ElectionArrays) -> dict[int, _Supporters]:
    prepared: dict[int, _Supporters] = {}
    for j in range(len(arrays.exact_costs)):
        part = arrays.supporters(j)
        if arrays.exact_costs[j] == 0 or part.stop == part.start:
            continue
        classes = arrays.classes[part]
        weights = arrays.class_weight[classes]
        utilities = arrays.utilities[part]
        total = _dot(weights, utilities)
        if total > 0:
            first = float(utilities[0])
            uniform = first if bool(np.all(utilities == first)) else 0.0
            prepared[j] = _Supporters(classes, weights, utilities, total, uniform)
    return prepared


def _price(cost: float, s: _Supporters, budgets: np.ndarray) -> tuple[float, int]:
    """Smallest ``rho`` with ``sum(w * min(b, rho * u)) >= cost``; also how many classes pay all they have.

    Fixed-point iteration instead of a sort: start from the equal split ``rho = cost / U``; the
    supporters who cannot pay ``rho * u`` pay all they have, the others share the rest in
    proportion to utility, which raises ``rho``; repeat until nobody new runs out. ``rho`` only
    grows and the set of supporters paying all only grows, so this ends in at most as many
    passes as there are distinct budget levels (two or three on real data), each pass a few
    vectorised sums. Equal limits need no ordering, which a sort-based search would.
    """
    rho = cost / s.total_utility
    limits = budgets / s.uniform if s.uniform else budgets / s.utilities
    poor = limits < rho
    if not poor.any():
        return rho, 0
    count = 0
    while True:
        new_count = int(np.count_nonzero(poor))
        if new_count == count:
            return rho, count
        count = new_count
        weights = s.weights[poor]
        paid = _dot(weights, budgets[poor])
        used = float(np.sum(weights)) * s.uniform if s.uniform else _dot(weights, s.utilities[poor])
        rest = s.total_utility - used
        if rest <= s.total_utility * RELATIVE_EPS:
            return float(limits.max()), len(limits)
        rho = (cost - paid) / rest
        poor |= limits < rho


def _run_mes(
    arrays: ElectionArrays,
    rank: list[int],
    budget_per_voter: Fraction,
    explain: bool,
    prepared: dict[int, _Supporters] | None = None,
) -> _Run:
    run = _Run(budget_per_voter)
    prepared = prepared if prepared is not None else _prepare(arrays)
    budgets = np.full(len(arrays.class_weight), float(budget_per_voter))
    costs = arrays.costs
    # Candidates in a heap by (lower bound on rho, tie rank): each round pops them in the order a
    # full sort would list them and stops at the first whose bound exceeds the best price found,
    # so rounds see exactly the projects a sorted scan would, without re-sorting every round.
    heap = [(costs[j] / s.total_utility, rank[j], j) for j, s in prepared.items()]
    heapq.heapify(heap)
    round_number = 0
    while heap:
        round_number += 1
        best = math.inf
        evaluated: list[tuple[float, int, int]] = []
        gathered: dict[int, np.ndarray] = {}
        while heap and heap[0][0] <= best * (1 + RELATIVE_EPS):
            _, _, j = heapq.heappop(heap)
            s = prepared[j]
            budgets_j = budgets[s.classes]
            cost = costs[j]
            available = _dot(s.weights, budgets_j)
            if available < cost * (1 - RELATIVE_EPS):
                if explain:
                    run.eliminated[j] = {"round": round_number, "supporters_budget_left": available}
                continue
            rho, poor = _price(cost, s, budgets_j)
            evaluated.append((rho, j, poor))
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
        # Each supporter pays min(b, due) and keeps max(b - min(b, due), 0), which in floats is
        # bit for bit max(b - due, 0): b - due is exact in sign, and b - b is +0. One pass less.
        after = before - due
        budgets[s.classes] = np.maximum(after, 0.0, out=after)
        run.selected.append(chosen)
        if explain:
            weights = s.weights
            payment = np.minimum(before, due)
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
                    "paid": _dot(weights, payment),
                    "tied_with": sorted(j for _, _, j, _ in tied if j != chosen),
                }
            )
    run.class_budget = budgets
    return run


def _exhaustive(arrays: ElectionArrays, budget: Fraction, chosen: set[int], candidates: list[int]) -> bool:
    spent = sum((arrays.exact_costs[j] for j in chosen), Fraction(0))
    return all(j in chosen or spent + arrays.exact_costs[j] > budget for j in candidates)


def _add1(
    arrays: ElectionArrays,
    rank: list[int],
    budget: Fraction,
    base: Fraction,
    step: Fraction,
    candidates: list[int],
    completion: str,
    explain: bool,
) -> tuple[_Run, list[dict[str, Any]]]:
    """Raise the per-voter budget by ``step`` until the next outcome would overspend (see module doc).

    Each step is a full recount at ``base + k * step`` per voter; only the kept run is explained
    round by round, the others are summarised in the returned list of steps.
    """
    if base / step > MAX_ADD1_BUDGET_IN_STEPS:
        raise PBError(
            f"Add1 from {float(base):,.2f} per voter in steps of {float(step):g} would need up to "
            f"{int(base / step):,} recounts; pass a larger increment (e.g. {_round_step(base)})"
        )
    prepared = _prepare(arrays)
    run = _run_mes(arrays, rank, base, False, prepared)
    steps: list[dict[str, Any]] = []
    first_exhaustive = completion == "add1-first-exhaustive"
    number = 0
    while True:
        chosen = set(run.selected)
        if len(chosen) == len(candidates):
            break
        if first_exhaustive and _exhaustive(arrays, budget, chosen, candidates):
            break
        number += 1
        if number > MAX_ADD1_STEPS:
            raise PBError(f"Add1 did not settle within {MAX_ADD1_STEPS:,} steps; use a larger increment")
        attempt = _run_mes(arrays, rank, base + number * step, False, prepared)
        cost = sum((arrays.exact_costs[j] for j in attempt.selected), Fraction(0))
        steps.append(
            {
                "step": number,
                "budget_per_voter": float(attempt.budget_per_voter),
                "selected": len(attempt.selected),
                "total_cost": cost,
                "kept": cost <= budget,
            }
        )
        if cost > budget:
            break
        run = attempt
    if explain:  # recount the kept budget once, with the round-by-round story
        run = _run_mes(arrays, rank, run.budget_per_voter, True, prepared)
    return run, steps


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
    if completion in ("add1", "add1-first-exhaustive", "add1-utilitarian"):
        run, steps = _add1(arrays, rank, budget, base, step, candidates, completion, explain)
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
            left = _dot(arrays.class_weight[arrays.classes[part]], budgets[arrays.classes[part]])
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
