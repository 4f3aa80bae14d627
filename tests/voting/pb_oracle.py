"""pabutools as a test oracle for the PB rules (pabutools is GPL-3: test-only, imported, never copied).

Our types are converted to pabutools' own (exact gmpy2 arithmetic); each function returns the set
of selected project ids, with the differences of convention documented and removed:

* pabutools' greedy and MES know no minimum score, so our side is run with ``threshold=0``;
* pabutools' sequential Phragmén goes on buying projects nobody approved (their "load" is
  infinite, they tie, and they are bought while they fit); ours stops at the approved ones, so
  unapproved projects are dropped from its outcome before comparing;
* with cost utilities pabutools gives a free project zero utility and never funds it, while we
  fund free projects that have support; free projects are dropped from both sides.
"""

from __future__ import annotations

import os
from fractions import Fraction

import pytest

if os.environ.get("CI"):
    import pabutools  # noqa: F401  (under CI a missing oracle fails the tests, it does not skip them)
else:
    pytest.importorskip("pabutools", reason="pabutools (the test oracle) is not installed")

from gmpy2 import mpq  # noqa: E402
from pabutools.election import (  # noqa: E402
    ApprovalBallot,
    ApprovalProfile,
    Cost_Sat,
    CumulativeBallot,
    CumulativeProfile,
)
from pabutools.election import Instance as PabuInstance  # noqa: E402
from pabutools.election import Project as PabuProject  # noqa: E402
from pabutools.election.satisfaction import Additive_Cardinal_Sat, AdditiveSatisfaction  # noqa: E402
from pabutools.rules import (  # noqa: E402
    greedy_utilitarian_welfare,
    method_of_equal_shares,
    sequential_phragmen,
)
from pabutools.tiebreaking import lexico_tie_breaking  # noqa: E402

from voting.pb.types import APPROVAL, CHOOSE_1, PBInstance, PBProfile  # noqa: E402


def _exact(value: Fraction | int):
    value = Fraction(value)
    return int(value) if value.denominator == 1 else mpq(value.numerator, value.denominator)


def to_pabutools(instance: PBInstance, profile: PBProfile):
    """Our instance and profile as pabutools objects; integral ballot weights become repeated ballots."""
    projects = {p.id: PabuProject(p.id, _exact(p.cost)) for p in instance.projects}
    pabu_instance = PabuInstance(projects.values(), budget_limit=_exact(instance.budget))
    approval = profile.vote_type in (APPROVAL, CHOOSE_1)
    ballots = []
    for ballot in profile.ballots:
        weight = Fraction(ballot.weight)
        assert weight.denominator == 1, "the oracle needs whole ballot weights"
        for _ in range(int(weight)):
            if approval:
                ballots.append(ApprovalBallot([projects[p] for p in ballot.projects]))
            else:
                utilities = profile.utilities(instance, ballot)
                ballots.append(
                    CumulativeBallot({projects[instance.projects[j].id]: _exact(u) for j, u in utilities})
                )
    if approval:
        pabu_profile = ApprovalProfile(ballots, instance=pabu_instance)
    else:
        pabu_profile = CumulativeProfile(ballots, instance=pabu_instance)
    return pabu_instance, pabu_profile


def _points_times_cost(instance, profile, ballot, project, precomputed):
    return ballot.get(project, 0) * project.cost if hasattr(ballot, "get") else (project.cost if project in ballot else 0)


class PointsCostSat(AdditiveSatisfaction):
    """Greedy by points as pabutools' utilitarian greedy: satisfaction density points x cost / cost."""

    def __init__(self, instance, profile, ballot):
        AdditiveSatisfaction.__init__(self, instance, profile, ballot, _points_times_cost)


def _names(allocation) -> set[str]:
    return {p.name for p in allocation}


def oracle_greedy(instance: PBInstance, profile: PBProfile) -> set[str]:
    pabu_instance, pabu_profile = to_pabutools(instance, profile)
    sat = Cost_Sat if profile.vote_type in (APPROVAL, CHOOSE_1) else PointsCostSat
    return _names(
        greedy_utilitarian_welfare(pabu_instance, pabu_profile, sat_class=sat, tie_breaking=lexico_tie_breaking)
    )


def oracle_mes(instance: PBInstance, profile: PBProfile, *, add1: bool) -> set[str]:
    """MES with cost utilities (approval) or points (cumulative); Add1 is pabutools' first-exhaustive stop."""
    pabu_instance, pabu_profile = to_pabutools(instance, profile)
    sat = Cost_Sat if profile.vote_type in (APPROVAL, CHOOSE_1) else Additive_Cardinal_Sat
    outcome = method_of_equal_shares(
        pabu_instance,
        pabu_profile,
        sat_class=sat,
        tie_breaking=lexico_tie_breaking,
        voter_budget_increment=1 if add1 else None,
    )
    return _names(outcome) - free_projects(instance)


def oracle_phragmen(instance: PBInstance, profile: PBProfile) -> set[str]:
    pabu_instance, pabu_profile = to_pabutools(instance, profile)
    outcome = _names(sequential_phragmen(pabu_instance, pabu_profile, tie_breaking=lexico_tie_breaking))
    approved = {p for b in profile.ballots if b.weight for p in b.projects}
    return outcome & approved


def free_projects(instance: PBInstance) -> set[str]:
    return {p.id for p in instance.projects if p.cost == 0}
