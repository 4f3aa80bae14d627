"""Add1 that skips certified steps gives exactly what recounting every step gives.

``voting.pb.mes_add1.add1_completion`` skips runs of steps whose outcome an interval certificate proves
unchanged (see ``follow``). These tests count each election twice, skipping and step by step
(``ADD1_SKIPPING = False``), and require the same result: same projects in the same order, same
kept budget per voter, same total cost, same per-step summary and round-by-round story, under
every Add1 completion. The large shared files are marked ``slow`` (recounting every step on
them takes seconds per completion; see ``docs/benchmarks/pb.md``).
"""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks.pb_rules import synthetic_election
from tests.shared_data import shared_path
from tests.voting.pb_strategies import PROPERTY_SETTINGS, elections
from voting.formats.pabulib import read_pb
from voting.pb import PBError, PBOutcome, mes, mes_add1, mes_kernel
from voting.pb.arrays import election_arrays
from voting.pb.types import PBBallot, PBInstance, PBProfile, Project

ADD1_COMPLETIONS = ["add1", "add1-first-exhaustive", "add1-utilitarian"]
MES_CITIES = ["Poland_Wieliczka_2023_Green_Budget.pb", "Poland_Swiecie_2023.pb", "Netherlands_Assen_2024.pb"]
LARGE_MES_FILES = [
    "Poland_Katowice_2025.pb",
    "Poland_Warszawa_2022_Mokotow.pb",
    "Poland_Lodz_2020.pb",
    "Poland_Lodz_2022.pb",
    "Poland_Wroclaw_2015_150_-_500.pb",
]


def count(
    instance: PBInstance, profile: PBProfile, skipping: bool, monkeypatch: pytest.MonkeyPatch, **options
) -> PBOutcome:
    with monkeypatch.context() as patch:
        patch.setattr(mes_add1, "ADD1_SKIPPING", skipping)
        return mes.method_of_equal_shares(instance, profile, **options)


def comparable(result: PBOutcome) -> dict:
    out = result.to_dict()
    out["details"] = {k: v for k, v in out["details"].items() if k != "add1_recounts"}
    return out


def assert_same_add1(
    instance: PBInstance, profile: PBProfile, monkeypatch: pytest.MonkeyPatch, **options
) -> PBOutcome:
    """Skipping and step-by-step Add1 agree on everything but the number of recounts."""
    skipping = count(instance, profile, True, monkeypatch, **options)
    stepping = count(instance, profile, False, monkeypatch, **options)
    assert skipping.selected == stepping.selected
    assert skipping.total_cost == stepping.total_cost
    assert skipping.details["final_budget_per_voter"] == stepping.details["final_budget_per_voter"]
    assert skipping.details["add1_steps"] == stepping.details["add1_steps"]
    assert comparable(skipping) == comparable(stepping)
    return skipping


def _file_params(names: list[str], slow: bool) -> list:
    marks = [pytest.mark.slow] if slow else []
    return [
        pytest.param(name, completion, marks=marks, id=f"{name.removesuffix('.pb')}-{completion}")
        for name in names
        for completion in ADD1_COMPLETIONS
    ]


@pytest.mark.parametrize(
    ("file_name", "completion"), _file_params(MES_CITIES, False) + _file_params(LARGE_MES_FILES, True)
)
def test_skipping_add1_equals_step_by_step_on_shared_file(
    file_name: str, completion: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pb = read_pb(shared_path("pabulib", file_name))
    assert_same_add1(pb.instance, pb.profile, monkeypatch, completion=completion, tie_break="lexicographic")


def test_skipping_add1_reports_every_step_on_wieliczka(monkeypatch) -> None:
    """Wieliczka 2023 (counted until the next step overspends) lists all 165 steps, skipped or not."""
    pb = read_pb(shared_path("pabulib", "Poland_Wieliczka_2023_Green_Budget.pb"))
    result = assert_same_add1(pb.instance, pb.profile, monkeypatch, completion="add1", explain=False)
    assert len(result.details["add1_steps"]) == 165


@pytest.mark.parametrize("completion", ADD1_COMPLETIONS)
def test_skipping_add1_equals_step_by_step_on_a_small_synthetic_city(completion: str, monkeypatch) -> None:
    instance, profile = synthetic_election(voters=5_000, projects=50, seed=7)
    result = assert_same_add1(
        instance, profile, monkeypatch, completion=completion, tie_break="lexicographic"
    )
    assert result.details["add1_recounts"] < len(result.details["add1_steps"]) / 2


@pytest.mark.slow
@pytest.mark.parametrize("completion", ["add1", "add1-first-exhaustive"])
def test_skipping_add1_equals_step_by_step_on_the_benchmark_city(completion: str, monkeypatch) -> None:
    instance, profile = synthetic_election()
    result = assert_same_add1(
        instance, profile, monkeypatch, completion=completion, tie_break="lexicographic", explain=False
    )
    assert len(result.details["add1_steps"]) == 1_502


def test_a_certified_run_is_the_recount_at_its_budget() -> None:
    """follow's run buys, prices and charges exactly as run_mes does at the same budget."""
    instance, profile = synthetic_election(voters=4_000, projects=40, seed=3)
    arrays = election_arrays(instance, profile, "cost")
    rank = list(range(len(instance.projects)))
    prepared = mes_kernel.prepare(arrays)
    base = instance.budget / arrays.total_weight
    certified = 0
    for k in range(0, 400, 7):
        low = mes_kernel.run_mes(arrays, rank, base + k, False, prepared)
        high, _ = mes_add1.follow(arrays, rank, base + k + 3, low, prepared)
        if high is None:
            continue
        certified += 1
        recount = mes_kernel.run_mes(arrays, rank, base + k + 3, False, prepared)
        assert [r[:3] for r in high.trace] == [r[:3] for r in recount.trace]
        assert (high.class_budget == recount.class_budget).all()
        for middle in (1, 2):  # and every step in between buys the same projects in the same order
            assert mes_kernel.run_mes(arrays, rank, base + k + middle, False, prepared).selected == low.selected
    assert certified > 10


def test_exact_tie_at_equal_prices_is_certified_for_the_better_ranked_project(monkeypatch) -> None:
    """Two identical projects tie at every budget; the certificate must keep the tie-breaking."""
    projects = (Project("a", Fraction(30)), Project("b", Fraction(30)), Project("c", Fraction(50)))
    ballots = [PBBallot(("a", "b"), None, 1, str(i)) for i in range(6)]
    ballots += [PBBallot(("c",), None, 1, f"c{i}") for i in range(3)]
    instance, profile = PBInstance(projects, Fraction(90)), PBProfile("approval", ballots)
    for tie_break in ("lexicographic", "max-cost", "lottery:7"):
        for completion in ADD1_COMPLETIONS:
            assert_same_add1(instance, profile, monkeypatch, completion=completion, tie_break=tie_break)


def test_skipping_add1_equals_step_by_step_on_seeded_random_cities(monkeypatch) -> None:
    """Mid-sized random elections (ties from equal costs and identical ballots, free projects,
    cumulative ballots) where certificates do succeed: the comparison must not be vacuous."""
    rng = random.Random(2026)
    certified = []
    follow = mes_add1.follow

    def counting_follow(*args):
        run, fraction = follow(*args)
        certified.append(run is not None)
        return run, fraction

    monkeypatch.setattr(mes_add1, "follow", counting_follow)
    for trial in range(40):
        m = rng.randint(3, 12)
        ids = [f"p{j:02d}" for j in range(m)]
        costs = [rng.choice([0, 100, 100, 250, rng.randint(1, 900)]) for _ in ids]
        vote_type = "cumulative" if trial % 3 == 2 else "approval"
        ballots = []
        for voter in range(rng.randint(20, 300)):
            chosen = tuple(rng.sample(ids, rng.randint(0, min(4, m))))
            points = tuple(rng.randint(1, 5) for _ in chosen) if vote_type == "cumulative" else None
            ballots.append(PBBallot(chosen, points, 1, str(voter)))
        instance = PBInstance(
            tuple(Project(i, Fraction(c)) for i, c in zip(ids, costs, strict=True)),
            Fraction(sum(costs) // 3 + 1),
        )
        profile = PBProfile(vote_type, ballots)
        for completion in ADD1_COMPLETIONS:
            assert_same_add1(instance, profile, monkeypatch, completion=completion, increment="0.5")
    assert sum(certified) > 100


def _larger_elections(vote_type: str) -> st.SearchStrategy:
    return elections(vote_type=vote_type, max_projects=8, max_voters=24)


@PROPERTY_SETTINGS
@given(
    st.one_of(
        elections(),
        elections(vote_type="cumulative"),
        _larger_elections("approval"),
        _larger_elections("cumulative"),
    ),
    st.sampled_from(ADD1_COMPLETIONS),
    st.sampled_from([None, "approval", "cost", "points"]),
    st.sampled_from([1, "0.25", "1/3", 3]),
    st.sampled_from(["lexicographic", "max-cost", "lottery:1"]),
)
def test_skipping_add1_equals_step_by_step_on_random_elections(
    election, completion, utility, increment, tie_break
) -> None:
    instance, profile = election
    options = {
        "completion": completion,
        "utility": utility,
        "increment": Fraction(increment),
        "tie_break": tie_break,
    }
    with pytest.MonkeyPatch.context() as monkeypatch:
        refusals = []
        for skipping in (True, False):
            try:
                count(instance, profile, skipping, monkeypatch, **options)
            except PBError as error:  # e.g. too many steps for the increment: both must refuse alike
                refusals.append(str(error))
        if refusals:
            assert len(refusals) == 2 and refusals[0] == refusals[1]
        else:
            assert_same_add1(instance, profile, monkeypatch, **options)
