"""Hypothesis strategies for small random PB elections: ties, empty ballots and free projects are common.

Project ids are multiples of 7 as strings ("0", "7", "14", ...) so that string order, which the
lexicographic tie-breaking uses, differs from numeric order.
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from voting.pb.types import PBBallot, PBInstance, PBProfile, Project

ORACLE_SETTINGS = settings(
    max_examples=120, deadline=None, database=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
PROPERTY_SETTINGS = settings(
    max_examples=80, deadline=None, database=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


@st.composite
def elections(draw, vote_type: str = "approval", max_projects: int = 6, max_voters: int = 8) -> tuple[PBInstance, PBProfile]:
    m = draw(st.integers(1, max_projects))
    ids = [str(7 * j) for j in range(m)]
    costs = draw(st.lists(st.integers(0, 20), min_size=m, max_size=m))
    budget = draw(st.integers(0, 60))
    n = draw(st.integers(1, max_voters))
    ballots = []
    for voter in range(n):
        chosen = draw(st.lists(st.sampled_from(ids), unique=True, max_size=m))
        points = None
        if vote_type == "cumulative":
            points = tuple(draw(st.lists(st.integers(1, 3), min_size=len(chosen), max_size=len(chosen))))
        ballots.append(PBBallot(tuple(chosen), points, 1, f"v{voter}"))
    instance = PBInstance(tuple(Project(i, Fraction(c)) for i, c in zip(ids, costs, strict=True)), Fraction(budget))
    return instance, PBProfile(vote_type, ballots)
