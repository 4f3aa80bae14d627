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

import gc
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from itertools import chain
from operator import attrgetter
from typing import cast

import numpy as np

from .types import APPROVAL, CHOOSE_1, Amount, PBBallot, PBError, PBInstance, PBProfile

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
    support: list[Amount]  # exact weighted number of voters giving the project positive utility
    scores: list[Amount]  # exact weighted votes (approval) or points of each project

    def supporters(self, project: int) -> slice:
        return slice(int(self.start[project]), int(self.start[project + 1]))


def default_utility(profile: PBProfile) -> str:
    return "cost" if profile.vote_type in (APPROVAL, CHOOSE_1) else "points"


BallotKey = tuple[tuple[str, ...], tuple[Amount, ...] | None]
"""A distinct ballot: its projects and points (identical ballots are one voter class)."""

_projects = attrgetter("projects")
_points = attrgetter("points")


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building per-ballot structures.

    Counting allocates many small tuples while a city's worth of ballot objects is alive; each
    automatic collection walks all of them (about half of the merging time of a large city, see
    ``docs/benchmarks/pb.md``). Nothing built here forms reference cycles, so pausing is safe;
    the previous state is restored on exit.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass
class BallotPairs:
    """Distinct ballots as flat (class, project, utility) pairs, with each class's total weight."""

    class_weights: list[Amount]
    pair_class: np.ndarray  # int64
    pair_project: np.ndarray  # int64
    pair_utility: np.ndarray  # float64
    exact_utilities: list[Amount] | None  # aligned with the pairs; None when every utility is 1
    total_weight: Amount

    def totals(self, m: int) -> tuple[list[Amount], list[Amount]]:
        """Exact weighted score and number of supporters of each of ``m`` projects."""
        integral = all(isinstance(w, int) for w in self.class_weights) and (
            self.exact_utilities is None or all(isinstance(u, int) for u in self.exact_utilities)
        )
        if integral:  # sums of integers below 2**53 are exact in float64
            weights = np.array(self.class_weights, dtype=np.float64)[self.pair_class]
            support = np.bincount(self.pair_project, weights=weights, minlength=m)
            scores = np.bincount(self.pair_project, weights=weights * self.pair_utility, minlength=m)
            return [int(round(x)) for x in scores], [int(round(x)) for x in support]
        scores_exact: list[Amount] = [0] * m
        support_exact: list[Amount] = [0] * m
        utilities = self.exact_utilities or [1] * len(self.pair_project)
        for c, j, u in zip(self.pair_class.tolist(), self.pair_project.tolist(), utilities, strict=True):
            weight = self.class_weights[c]
            scores_exact[j] += weight * u
            support_exact[j] += weight
        return scores_exact, support_exact


def ballot_pairs(instance: PBInstance, profile: PBProfile) -> BallotPairs:
    """See :func:`_ballot_pairs`; runs with the garbage collector paused."""
    with paused_gc():
        return _ballot_pairs(instance, profile)


def _ballot_pairs(instance: PBInstance, profile: PBProfile) -> BallotPairs:
    """Merge identical ballots, map project ids to indices and validate, in C-speed passes.

    Utilities are those of :meth:`PBProfile.utilities` (1 per approval, points, positional points);
    pairs with zero utility are dropped. Validation (unknown or repeated projects, negative
    points or weights) runs once per distinct ballot.
    """
    ballots = profile.ballots
    if all(ballot.weight == 1 for ballot in ballots):
        # The common case, counted in C: Counter over (projects, points) pairs.
        raw = cast(dict[BallotKey, Amount], Counter(zip(map(_projects, ballots), map(_points, ballots), strict=True)))
        total_weight: Amount = len(ballots)
    else:
        raw = {}
        total_weight = 0
        for ballot in ballots:
            if ballot.weight < 0:
                raise PBError(f"ballot {ballot.voter_id or '?'} has a negative weight")
            total_weight += ballot.weight
            key = (ballot.projects, ballot.points)
            raw[key] = raw.get(key, 0) + ballot.weight
    keys = [key for key, weight in raw.items() if weight != 0 and key[0]]
    class_weights = [raw[key] for key in keys]
    m = len(instance.projects)
    position = instance.position
    if profile.vote_type in (APPROVAL, CHOOSE_1):
        lengths = np.fromiter(map(len, map(_first, keys)), dtype=np.int64, count=len(keys))
        nnz = int(lengths.sum())
        try:
            projects = np.fromiter(
                map(position.__getitem__, chain.from_iterable(map(_first, keys))), dtype=np.int64, count=nnz
            )
        except KeyError as error:
            raise PBError(f"a ballot names unknown project {error.args[0]!r}") from None
        classes = np.repeat(np.arange(len(keys), dtype=np.int64), lengths)
        codes = np.sort(classes * m + projects)  # a sort beats np.unique's hashing here by 5x
        if nnz > 1 and bool((codes[1:] == codes[:-1]).any()):
            raise PBError("a ballot names the same project twice")
        return BallotPairs(class_weights, classes, projects, np.ones(nnz), None, total_weight)

    pair_class: list[int] = []
    pair_project: list[int] = []
    exact: list[Amount] = []
    for index, (projects_, points) in enumerate(keys):
        if len(set(projects_)) != len(projects_):
            raise PBError("a ballot names the same project twice")
        if points is not None and any(u < 0 for u in points):
            raise PBError("a ballot gives negative points")
        try:
            pairs = profile.utilities(instance, PBBallot(projects_, points))
        except KeyError as error:
            raise PBError(f"a ballot names unknown project {error.args[0]!r}") from None
        for j, u in pairs:
            if u > 0:
                pair_class.append(index)
                pair_project.append(j)
                exact.append(u)
    return BallotPairs(
        class_weights,
        np.array(pair_class, dtype=np.int64),
        np.array(pair_project, dtype=np.int64),
        np.array([float(u) for u in exact], dtype=np.float64),
        exact,
        total_weight,
    )


def _first(key: BallotKey) -> tuple[str, ...]:
    return key[0]


def tally(instance: PBInstance, profile: PBProfile) -> tuple[list[Amount], list[Amount]]:
    """Exact weighted score (votes or points) and number of supporters of every project."""
    return ballot_pairs(instance, profile).totals(len(instance.projects))


def election_arrays(instance: PBInstance, profile: PBProfile, utility: str) -> ElectionArrays:
    """Merge identical ballots and lay the supporters out project by project (CSR)."""
    if utility not in UTILITIES:
        raise PBError(f"unknown utility {utility!r} (choose from {', '.join(UTILITIES)})")
    pairs = ballot_pairs(instance, profile)
    if pairs.total_weight <= 0:
        raise PBError("empty profile: no ballot carries any weight")
    costs = [p.cost for p in instance.projects]
    m = len(costs)
    scores, support = pairs.totals(m)
    weights = np.array([float(w) for w in pairs.class_weights], dtype=np.float64)
    pair_project = pairs.pair_project
    pair_class = pairs.pair_class
    pair_utility = pairs.pair_utility.copy()
    float_costs = np.array([float(c) for c in costs], dtype=np.float64)
    if utility == "approval":
        pair_utility[:] = 1.0
    elif utility == "cost":
        pair_utility *= float_costs[pair_project]
    # A free project gives no cost utility: it has no supporters in the MES sense, and MES funds
    # free projects that have support up front instead.
    keep = pair_utility > 0
    order = np.argsort(pair_project[keep], kind="stable")
    per_project = np.bincount(pair_project[keep], minlength=m)
    start = np.zeros(m + 1, dtype=np.int64)
    start[1:] = np.cumsum(per_project)
    return ElectionArrays(
        costs=float_costs,
        exact_costs=costs,
        class_weight=weights,
        start=start,
        classes=pair_class[keep][order],
        utilities=pair_utility[keep][order],
        total_weight=Fraction(pairs.total_weight),
        support=support,
        scores=scores,
    )
