"""NumPy view of an election, shared by the proportional rules (MES, Phragmén).

Voters with identical ballots are merged into one *voter class* with the sum of their weights:
in every rule here such voters are treated identically at every step (same budget, same load),
so merging changes no outcome and makes a large city cheaper to count (Łódź 2022: 90,494 ballots,
far fewer distinct ones). Splitting a ballot of weight 2 into two ballots of weight 1 therefore
cannot change a result, by construction.

The projects' supporters are kept in compressed sparse rows (CSR), project by project: the
classes supporting project ``j`` are ``classes[start[j]:start[j+1]]`` with utilities in
``utilities`` at the same positions. Memory is linear in the number of (ballot, project) pairs:
100,000 voters x 200 projects with 10 approvals each is about 12 MB.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from voting.rules.pb import APPROVAL, CHOOSE_1, Instance, Number, PBError, Profile

UTILITIES = ("cost", "approval", "points")
"""How much a voter gains from a funded project they named.

``cost``: the project's cost for each supporter (approval: Peters, Pierczyński & Skowron 2021
call this *cost utilities*; it is what equalshares.net and the MES cities use). For points ballots
it is points x cost. ``approval``: 1 per supporter. ``points``: the points (or positional points
for rankings) the voter gave."""


@dataclass
class ElectionArrays:
    """Supporter lists per project and class weights, as NumPy arrays; exact totals alongside."""

    costs: np.ndarray  # float64, per project
    exact_costs: list[Fraction]
    class_weight: np.ndarray  # float64, per voter class
    start: np.ndarray  # int64, CSR row pointer over projects (len m + 1)
    classes: np.ndarray  # int64, class index of each (project, supporter) pair
    utilities: np.ndarray  # float64, utility of each pair
    total_weight: Fraction  # all ballots, including empty ones (they hold a budget share)
    support: list[Number]  # exact weighted number of voters giving the project positive utility

    def supporters(self, project: int) -> slice:
        return slice(int(self.start[project]), int(self.start[project + 1]))


def default_utility(profile: Profile) -> str:
    return "cost" if profile.vote_type in (APPROVAL, CHOOSE_1) else "points"


def election_arrays(instance: Instance, profile: Profile, utility: str) -> ElectionArrays:
    """Merge identical ballots and lay the supporters out project by project."""
    if utility not in UTILITIES:
        raise PBError(f"unknown utility {utility!r} (choose from {', '.join(UTILITIES)})")
    profile.validate(instance)
    costs = [p.cost for p in instance.projects]
    merged: dict[tuple[tuple[int, Number], ...], Number] = {}
    total_weight: Number = 0
    support: list[Number] = [0] * len(costs)
    for ballot in profile.ballots:
        total_weight += ballot.weight
        if ballot.weight == 0 or not ballot.projects:
            continue
        pairs = [(j, u) for j, u in profile.utilities(instance, ballot) if u > 0]
        for j, _ in pairs:
            support[j] += ballot.weight
        if utility == "approval":
            pairs = [(j, 1) for j, _ in pairs]
        elif utility == "cost":
            # A free project gives no cost utility; MES funds free projects with support up front.
            pairs = [(j, u * costs[j]) for j, u in pairs if costs[j] > 0]
        if not pairs:
            continue
        key = tuple(sorted(pairs))
        merged[key] = merged.get(key, 0) + ballot.weight
    if total_weight <= 0:
        raise PBError("empty profile: no ballot carries any weight")

    m = len(instance.projects)
    per_project: list[list[tuple[int, Number]]] = [[] for _ in range(m)]
    weights = np.empty(len(merged), dtype=np.float64)
    for index, (key, weight) in enumerate(merged.items()):
        weights[index] = float(weight)
        for j, u in key:
            per_project[j].append((index, u))
    start = np.zeros(m + 1, dtype=np.int64)
    start[1:] = np.cumsum([len(rows) for rows in per_project])
    classes = np.fromiter((c for rows in per_project for c, _ in rows), dtype=np.int64, count=int(start[-1]))
    utilities = np.fromiter((float(u) for rows in per_project for _, u in rows), dtype=np.float64, count=int(start[-1]))
    return ElectionArrays(
        costs=np.array([float(c) for c in costs], dtype=np.float64),
        exact_costs=costs,
        class_weight=weights,
        start=start,
        classes=classes,
        utilities=utilities,
        total_weight=Fraction(total_weight),
        support=support,
    )
