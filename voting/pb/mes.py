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
    unchanged are skipped rather than recounted (see :mod:`voting.pb.mes_add1`); the result,
    including the per-step summary, is exactly that of recounting every step.
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

The counting kernel (one count at a budget per voter, its arithmetic and tolerance) is in
:mod:`voting.pb.mes_kernel`; Add1 and the interval skipping in :mod:`voting.pb.mes_add1`.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from engines.numbers import NumberError, money, parse_decimal
from engines.outcome import Fate

from .arrays import ElectionArrays, default_utility, election_arrays
from .mes_add1 import add1_completion
from .mes_kernel import RELATIVE_EPS, MESRun, explained_sum, run_mes
from .outcome import REJECTED, SELECTED, CompletionStep, MESRound, PBOutcome
from .registry import PB_RULES
from .tiebreak import PBTieBreak, parse_tie_break
from .types import VOTE_TYPES, Amount, PBError, PBInstance, PBProfile

COMPLETIONS = ("none", "add1", "add1-first-exhaustive", "utilitarian", "add1-utilitarian")


def _utilitarian_top_up(
    instance: PBInstance, scores: list[Amount], rank: list[int], chosen: list[int], spent: Fraction
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


def parse_increment(increment: object) -> Fraction:
    """The Add1 step per voter, read with the engines' bounded number parser."""
    if isinstance(increment, Fraction | int):
        step = Fraction(increment)
    else:
        try:
            step = parse_decimal(str(increment), what="the Add1 increment", allow_negative=True)
        except NumberError as error:
            raise PBError(str(error)) from None
    if step <= 0:
        raise PBError("the Add1 increment must be positive")
    return step


@PB_RULES.register(
    "equalshares",
    display_name="Method of Equal Shares",
    source="Peters & Skowron 2020; Peters, Pierczyński & Skowron 2021",
    ballot_types=VOTE_TYPES,
    accepts=("completion", "utility", "increment", "comparison", "tie_break", "explain"),
    completions=COMPLETIONS,
)
def method_of_equal_shares(
    instance: PBInstance,
    profile: PBProfile,
    *,
    completion: str = "add1",
    utility: str | None = None,
    increment: object = 1,
    comparison: bool = False,
    tie_break: str | PBTieBreak | None = None,
    explain: bool = True,
) -> PBOutcome:
    """Method of Equal Shares with a completion method (see the module docstring for the rule).

    ``utility`` defaults to cost utilities for approval ballots (the MES used by cities) and to
    the points for cumulative, scoring and ordinal ballots. ``increment`` is the Add1 step per
    voter. ``explain=False`` skips building the per-round story (used by benchmarks).
    """
    if completion not in COMPLETIONS:
        raise PBError(f"unknown completion {completion!r} (choose from {', '.join(COMPLETIONS)})")
    tie = parse_tie_break(tie_break)
    utility = utility or default_utility(profile)
    step = parse_increment(increment)
    arrays = election_arrays(instance, profile, utility)
    rank = tie.rank(instance)
    budget = instance.budget
    base = budget / arrays.total_weight

    free = sorted(
        (j for j, p in enumerate(instance.projects) if p.cost == 0 and arrays.support[j] > 0), key=lambda j: rank[j]
    )
    candidates = [j for j, p in enumerate(instance.projects) if p.cost > 0 and arrays.utilities[arrays.supporters(j)].size]

    steps: list[dict[str, Any]] = []
    recounts = 0
    if completion in ("add1", "add1-first-exhaustive", "add1-utilitarian"):
        run, steps, recounts = add1_completion(arrays, rank, budget, base, step, candidates, completion, explain)
    else:
        run = run_mes(arrays, rank, base, explain)

    order = free + run.selected
    completed_by: dict[int, str] = {j: "equal shares" for j in order}
    spent = sum((instance.projects[j].cost for j in order), Fraction(0))
    scores = arrays.scores
    completion_steps: list[CompletionStep] = []
    if completion in ("utilitarian", "add1-utilitarian"):
        for j in _utilitarian_top_up(instance, scores, rank, order, spent):
            order.append(j)
            completed_by[j] = "utilitarian completion"
            spent += instance.projects[j].cost
            project = instance.projects[j]
            completion_steps.append(
                CompletionStep(project=project.id, cost=project.cost, score=scores[j], running_cost=spent, by=completed_by[j])
            )

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
    counted_as = "equalshares" if completion == "none" else f"equalshares/{completion}"
    outcome = PBOutcome("equalshares", "Method of Equal Shares", budget=budget, details=details)
    if comparison:
        counted_as += "-comparison"
        order, spent, details["comparison"] = _comparison_step(instance, profile, rank, scores, order, spent)
        outcome.notes.append(f"comparison step: {details['comparison']['winner']} kept")
    outcome.counted_as = counted_as
    outcome.selected = [instance.projects[j].id for j in order]
    outcome.total_cost = spent
    ids = [p.id for p in instance.projects]
    for bought in run.rounds:
        outcome.rounds.append(
            MESRound(
                round=bought.round, project=ids[bought.project], cost=arrays.exact_costs[bought.project],
                rho=bought.rho, price_per_supporter=bought.price_per_supporter,
                supporters=bought.supporters, supporters_paying_all_they_had=bought.paying_all, paid=bought.paid,
                tied_with=[ids[j] for j in bought.tied_with],
            )
        )
    outcome.rounds.extend(completion_steps)
    outcome.fates = _fates(instance, arrays, run, order, completed_by, scores)
    outcome.notes.append(f"ties broken by {tie.describe()}; utilities: {utility}")
    return outcome


def _fates(
    instance: PBInstance,
    arrays: ElectionArrays,
    run: MESRun,
    order: list[int],
    completed_by: dict[int, str],
    scores: list[Amount],
) -> dict[str, Fate]:
    """What each project got and, for each rejected one, what it needed and what its supporters had left."""
    chosen = set(order)
    out: dict[str, Fate] = {}
    budgets = run.class_budget if run.class_budget is not None else np.zeros(0)
    for j, project in enumerate(instance.projects):
        figures: dict[str, Any] = {"cost": project.cost, "supporters": arrays.support[j], "score": scores[j]}
        if j in chosen:
            out[project.id] = Fate(SELECTED, f"funded by {completed_by.get(j, 'the comparison step')}", figures)
            continue
        part = arrays.supporters(j)
        left = explained_sum(arrays.class_weight[arrays.classes[part]], budgets[arrays.classes[part]])
        figures["supporters_budget_left"] = left
        figures["needed"] = project.cost
        if arrays.support[j] == 0:
            reason = "nobody voted for it"
        elif left < float(project.cost):
            reason = f"its supporters had {money(left)} left, it costs {money(project.cost)}"
            figures["lacked"] = float(project.cost) - left
        else:
            reason = "did not fit in the money left after completion"
        if j in run.eliminated:
            figures["unaffordable_from_round"] = run.eliminated[j]
        out[project.id] = Fate(REJECTED, reason, figures)
    return out


def _comparison_step(
    instance: PBInstance, profile: PBProfile, rank: list[int], scores: list[Amount], order: list[int], spent: Fraction
) -> tuple[list[int], Fraction, dict[str, Any]]:
    """equalshares.net comparison: keep MES unless more voters prefer the greedy outcome.

    A voter prefers the outcome that spends more money on projects they voted for.
    """
    greedy_order = _utilitarian_top_up(instance, scores, rank, [], Fraction(0))
    mes_set, greedy_set = set(order), set(greedy_order)
    cost = [p.cost for p in instance.projects]
    prefer_mes: Amount = 0
    prefer_greedy: Amount = 0
    for ballot in profile.ballots:
        named = [instance.position[p] for p in ballot.projects]
        mes_money = sum((cost[j] for j in named if j in mes_set), Fraction(0))
        greedy_money = sum((cost[j] for j in named if j in greedy_set), Fraction(0))
        if mes_money > greedy_money:
            prefer_mes += ballot.weight
        elif greedy_money > mes_money:
            prefer_greedy += ballot.weight
    summary: dict[str, Any] = {"prefer_equal_shares": prefer_mes, "prefer_greedy": prefer_greedy}
    if prefer_greedy > prefer_mes:
        summary["winner"] = "greedy"
        return greedy_order, sum((cost[j] for j in greedy_order), Fraction(0)), summary
    summary["winner"] = "equal shares"
    return order, spent, summary
