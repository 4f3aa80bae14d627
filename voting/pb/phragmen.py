"""Sequential Phragmén for participatory budgeting with approval ballots.

Sources: Phragmén (1894); Brill, Freeman, Janson & Lackner, "Phragmén's Voting Methods and
Justified Representation" (AAAI 2017) for the load-balancing formulation; Los, Christoff &
Grossi, "Proportional Budget Allocations: Towards a Systematization" (IJCAI 2022) for its PB form.

Voters earn virtual money continuously from time 0. A project is bought as soon as its supporters
together have earned its cost; buying it spends all their money, so each supporter's *load* (the
money they have spent) becomes the purchase time. Equivalently, each round picks the project
minimising ``(cost + sum of its supporters' loads) / number of supporters`` and sets every
supporter's load to that value. The rule stops at the first project so bought that does not fit
in what is left of the budget (it does not skip to cheaper projects): the proportional guarantee
comes from the order of purchases, and skipping would break it. Projects nobody approved are
never bought, and projects dearer than the whole budget are set aside before counting (as in
pabutools): they could never be bought, and would otherwise stop the count at once.

Arithmetic: loads are float64 and computed with one sparse matrix-vector product per round;
two candidate loads within :data:`RELATIVE_EPS` (relative) of each other are a tie for the
tie-breaking, as in :mod:`voting.pb.mes`. The budget check is exact.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from .arrays import election_arrays
from .outcome import REJECTED, SELECTED, PBOutcome, PhragmenRound, fate
from .registry import PB_RULES
from .tiebreak import PBTieBreak, parse_tie_break
from .types import APPROVAL, CHOOSE_1, PBError, PBInstance, PBProfile

RELATIVE_EPS = 1e-9


@PB_RULES.register(
    "phragmen",
    display_name="Sequential Phragmén",
    source="Brill, Freeman, Janson & Lackner 2017; Los, Christoff & Grossi 2022",
    ballot_types=(APPROVAL, CHOOSE_1),
    accepts=("tie_break",),
)
def sequential_phragmen(
    instance: PBInstance,
    profile: PBProfile,
    *,
    tie_break: str | PBTieBreak | None = None,
) -> PBOutcome:
    """Sequential Phragmén with the budget as a hard stop (see the module docstring)."""
    if profile.vote_type not in (APPROVAL, CHOOSE_1):
        raise PBError("sequential Phragmén counts approval ballots only")
    tie = parse_tie_break(tie_break)
    rank = tie.rank(instance)
    arrays = election_arrays(instance, profile, "approval")
    m = len(instance.projects)
    weights = arrays.class_weight
    supporters = np.array([float(s) for s in arrays.support])
    project_of_pair = np.repeat(np.arange(m), np.diff(arrays.start))
    loads = np.zeros(len(weights))
    remaining = np.array(
        [arrays.support[j] > 0 and instance.projects[j].cost <= instance.budget for j in range(m)], dtype=bool
    )
    spent = Fraction(0)
    outcome = PBOutcome("phragmen", "Sequential Phragmén", budget=instance.budget)
    stop_reason = "every approved project was bought"
    while remaining.any():
        load_sum = np.bincount(project_of_pair, weights=(weights * loads)[arrays.classes], minlength=m)
        with np.errstate(divide="ignore"):
            new_load = np.where(remaining, (arrays.costs + load_sum) / np.maximum(supporters, 1e-300), np.inf)
        least = float(new_load.min())
        tied = [int(j) for j in np.flatnonzero(new_load <= least * (1 + RELATIVE_EPS) + 0.0)]
        unaffordable = [j for j in tied if spent + instance.projects[j].cost > instance.budget]
        if unaffordable:
            stop_reason = f"project {instance.projects[min(unaffordable, key=lambda j: rank[j])].id} came next but does not fit"
            break
        chosen = min(tied, key=lambda j: rank[j])
        part = arrays.supporters(chosen)
        loads[arrays.classes[part]] = least
        remaining[chosen] = False
        project = instance.projects[chosen]
        spent += project.cost
        outcome.selected.append(project.id)
        outcome.rounds.append(
            PhragmenRound(
                round=len(outcome.rounds) + 1, project=project.id, cost=project.cost, load=least, running_cost=spent,
                supporters=arrays.support[chosen], tied_with=[instance.projects[j].id for j in tied if j != chosen],
            )
        )
    chosen_set = set(outcome.selected)
    for j, p in enumerate(instance.projects):
        if p.id in chosen_set:
            outcome.fates[p.id] = fate(SELECTED, "bought by its supporters", cost=p.cost, supporters=arrays.support[j])
            continue
        if arrays.support[j] == 0:
            reason = "nobody approved it"
        elif p.cost > instance.budget:
            reason = "costs more than the whole budget"
        else:
            reason = "not bought before counting stopped"
        outcome.fates[p.id] = fate(REJECTED, reason, cost=p.cost, supporters=arrays.support[j])
    outcome.total_cost = spent
    outcome.details = {"tie_break": tie.describe(), "stopped": stop_reason, "tolerance": RELATIVE_EPS}
    outcome.notes.append(f"ties broken by {tie.describe()}; {stop_reason}")
    return outcome
