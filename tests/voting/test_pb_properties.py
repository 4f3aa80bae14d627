"""Properties every count must have, on random elections with ties, empty ballots and free projects."""

from __future__ import annotations

import json
from dataclasses import replace
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.voting.pb_strategies import PROPERTY_SETTINGS, elections
from voting.pb import PBBallot, PBInstance, PBOutcome, PBProfile, Project
from voting.pb.greedy import greedy, greedy_no_skip, greedy_threshold
from voting.pb.mes import method_of_equal_shares
from voting.pb.phragmen import sequential_phragmen

MES_COMPLETIONS = ["none", "add1", "add1-first-exhaustive", "utilitarian", "add1-utilitarian"]


def all_counts(instance: PBInstance, profile: PBProfile) -> list[PBOutcome]:
    counts = [
        greedy(instance, profile),
        greedy_no_skip(instance, profile),
        greedy_threshold(instance, profile, threshold=2),
        sequential_phragmen(instance, profile) if profile.vote_type == "approval" else None,
    ]
    counts += [method_of_equal_shares(instance, profile, completion=c) for c in MES_COMPLETIONS]
    return [c for c in counts if c is not None]


@PROPERTY_SETTINGS
@given(st.one_of(elections(), elections(vote_type="cumulative")))
def test_no_rule_ever_spends_more_than_the_budget(election) -> None:
    instance, profile = election
    for result in all_counts(instance, profile):
        assert len(set(result.selected)) == len(result.selected), result.rule
        assert result.total_cost == instance.total_cost(result.selected), result.rule
        assert result.total_cost <= instance.budget, result.rule
        json.dumps(result.to_dict())  # the public page gets exactly this


@PROPERTY_SETTINGS
@given(st.one_of(elections(), elections(vote_type="cumulative")))
def test_greedy_and_completed_mes_leave_no_affordable_project(election) -> None:
    instance, profile = election
    supported = {p for b in profile.ballots for p in b.projects}
    exhaustive_counts = [greedy(instance, profile, threshold=0)] + [
        method_of_equal_shares(instance, profile, completion=c) for c in ("utilitarian", "add1-utilitarian")
    ]
    for result in exhaustive_counts:
        left = instance.budget - result.total_cost
        for project in instance.projects:
            if project.id in result.selected:
                continue
            # Greedy considers every project; the utilitarian top-up only those someone voted for.
            if result.rule.startswith("greedy") or project.id in supported:
                assert project.cost > left, (result.rule, project.id)


@PROPERTY_SETTINGS
@given(elections(), st.randoms(use_true_random=False))
def test_mes_does_not_depend_on_the_order_of_projects(election, random) -> None:
    instance, profile = election
    shuffled = list(instance.projects)
    random.shuffle(shuffled)
    reordered = PBInstance(tuple(shuffled), instance.budget)
    for completion in ("none", "add1", "add1-utilitarian"):
        for tie_break in ("pabulib", "lexicographic", "lottery:7"):
            first = method_of_equal_shares(instance, profile, completion=completion, tie_break=tie_break)
            second = method_of_equal_shares(reordered, profile, completion=completion, tie_break=tie_break)
            assert first.selected == second.selected


def _split(profile: PBProfile, parts: int) -> PBProfile:
    """Each ballot of weight w becomes ``parts`` ballots of weight w / parts."""
    ballots = [
        replace(ballot, weight=Fraction(ballot.weight, parts), voter_id=f"{ballot.voter_id}-{k}")
        for ballot in profile.ballots
        for k in range(parts)
    ]
    return PBProfile(profile.vote_type, ballots)


def _double(profile: PBProfile) -> tuple[PBProfile, PBProfile]:
    """The same electorate twice over: once as weight-2 ballots, once as duplicated weight-1 ballots."""
    doubled = [replace(b, weight=2) for b in profile.ballots]
    duplicated = [b for b in profile.ballots for _ in range(2)]
    return PBProfile(profile.vote_type, doubled), PBProfile(profile.vote_type, duplicated)


@PROPERTY_SETTINGS
@given(st.one_of(elections(), elections(vote_type="cumulative")), st.integers(2, 3))
def test_splitting_ballot_weights_changes_nothing(election, parts) -> None:
    instance, profile = election
    halves = _split(profile, parts)
    for whole, split in zip(all_counts(instance, profile), all_counts(instance, halves), strict=True):
        assert whole.selected == split.selected, whole.rule
    doubled, duplicated = _double(profile)
    for one, other in zip(all_counts(instance, doubled), all_counts(instance, duplicated), strict=True):
        assert one.selected == other.selected, one.rule


def test_free_project_with_support_is_funded_by_mes() -> None:
    instance = PBInstance((Project("a", Fraction(0)), Project("b", Fraction(10)), Project("c", Fraction(0))), Fraction(20))
    profile = PBProfile("approval", [PBBallot(("a",)), PBBallot(("b",))])
    assert method_of_equal_shares(instance, profile, completion="none").selected == ["a", "b"]


@pytest.mark.parametrize("completion", MES_COMPLETIONS)
def test_profile_of_only_empty_ballots_funds_nothing(completion: str) -> None:
    instance = PBInstance((Project("a", Fraction(5)),), Fraction(10))
    profile = PBProfile("approval", [PBBallot(()), PBBallot(())])
    assert method_of_equal_shares(instance, profile, completion=completion).selected == []
