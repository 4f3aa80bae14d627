"""Rules on hand-checkable elections: the numbers the public results page will show."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from voting.pb import (
    PB_RULES,
    GreedyStep,
    MESRound,
    PBBallot,
    PBError,
    PBInstance,
    PBProfile,
    PhragmenRound,
    Project,
    count,
)
from voting.pb.greedy import greedy, greedy_no_skip, greedy_poznan_reserve, greedy_threshold
from voting.pb.mes import method_of_equal_shares
from voting.pb.phragmen import sequential_phragmen
from voting.pb.tiebreak import lottery_ticket, parse_tie_break


def election(costs: dict[str, int], budget: int, ballots: list[str], vote_type: str = "approval"):
    instance = PBInstance(tuple(Project(p, Fraction(c), name=p.upper()) for p, c in costs.items()), Fraction(budget))
    parsed = [PBBallot(tuple(b.split(",")) if b else ()) for b in ballots]
    return instance, PBProfile(vote_type, parsed)


# Three voters like the big park, two like the playground and the bench, one likes the bench only.
PARK = election({"park": 60, "playground": 30, "bench": 10}, 80, ["park"] * 3 + ["playground,bench"] * 2 + ["bench"])


def test_greedy_skips_what_does_not_fit_and_no_skip_stops_there() -> None:
    instance, profile = PARK
    # park and bench tie on 3 votes: the cheaper bench goes first, then the park; 10 left.
    result = greedy(instance, profile)
    assert result.selected == ["bench", "park"]
    assert result.fates["playground"].reason.startswith("does not fit: costs 30, only 10 left")
    steps = [r for r in result.rounds if isinstance(r, GreedyStep)]
    assert len(steps) == len(result.rounds) == 3
    assert [r.running_cost for r in steps] == [10, 70, 70]
    assert steps[1].votes == 3
    assert result.fates["playground"].figures["lacked"] == 20


def test_greedy_no_skip_stops_at_the_first_project_that_does_not_fit() -> None:
    instance, profile = election({"a": 50, "b": 40, "c": 5}, 60, ["a", "a", "a", "b", "b", "c"])
    assert greedy(instance, profile).selected == ["a", "c"]
    result = greedy_no_skip(instance, profile)
    assert result.selected == ["a"]
    assert "counting stopped at project b" in result.fates["c"].reason


def test_threshold_admits_a_score_equal_to_it() -> None:
    instance, profile = election({"a": 10, "b": 10, "c": 10}, 100, ["a,b", "a,b", "a,c"])
    assert greedy_threshold(instance, profile, threshold=2).selected == ["a", "b"]
    assert "below the threshold 2" in greedy_threshold(instance, profile, threshold=2).fates["c"].reason
    with pytest.raises(PBError, match="min_project_score_threshold"):
        greedy_threshold(instance, profile)


def test_poznan_reserve_funds_the_first_misfit_when_80_percent_is_covered() -> None:
    instance, profile = election({"a": 50, "b": 60, "c": 5}, 100, ["a"] * 3 + ["b"] * 2 + ["c"])
    assert greedy_poznan_reserve(instance, profile).selected == ["a", "b"]  # 50 left covers 83 % of 60
    instance, profile = election({"a": 50, "b": 70, "c": 5}, 100, ["a"] * 3 + ["b"] * 2 + ["c"])
    assert greedy_poznan_reserve(instance, profile).selected == ["a"]  # 50 of 70 is 71 %


def test_cumulative_greedy_counts_points_not_voters() -> None:
    instance = PBInstance((Project("a", Fraction(10)), Project("b", Fraction(10))), Fraction(10))
    profile = PBProfile("cumulative", [PBBallot(("a", "b"), (1, 3)), PBBallot(("a",), (1,))])
    result = greedy(instance, profile)
    assert result.selected == ["b"] and result.fates["a"].figures["votes"] == 2 and result.fates["a"].figures["score"] == 2


def test_mes_textbook_example_prices_and_rejections() -> None:
    """Budget 80 among 6 voters: 13.33 each. The park's 3 supporters hold 40 < 60: never affordable."""
    instance, profile = PARK
    result = method_of_equal_shares(instance, profile, completion="none")
    assert result.selected == ["bench"]
    bench = result.rounds[0]
    assert isinstance(bench, MESRound)
    assert bench.project == "bench" and bench.price_per_supporter == pytest.approx(10 / 3)
    park = result.fates["park"]
    assert park.status == "rejected" and park.figures["needed"] == 60
    assert park.figures["supporters_budget_left"] == pytest.approx(40)
    assert park.figures["lacked"] == pytest.approx(20)
    # The playground's two supporters paid 3.33 each for the bench and have 10 each left.
    assert result.fates["playground"].figures["supporters_budget_left"] == pytest.approx(20)
    json.dumps(result.to_dict())


def test_mes_add1_raises_the_budget_until_the_next_step_would_overspend() -> None:
    """At 18.33 per voter the playground's supporters have exactly 2 x 15 = 30 after the bench
    (affordable at equality); at 20.33 the park is bought too, 100 > 80, so 19.33 is kept."""
    instance, profile = PARK
    result = method_of_equal_shares(instance, profile, completion="add1")
    assert result.selected == ["bench", "playground"]
    assert result.details["final_budget_per_voter"] == pytest.approx(80 / 6 + 6)
    assert [step["kept"] for step in result.details["add1_steps"]] == [True] * 6 + [False]
    first_exhaustive = method_of_equal_shares(instance, profile, completion="add1-first-exhaustive")
    assert first_exhaustive.selected == ["bench", "playground"]
    assert first_exhaustive.details["final_budget_per_voter"] == pytest.approx(80 / 6 + 5)


def test_mes_with_approval_utilities_prices_per_supporter() -> None:
    instance, profile = election({"a": 30, "b": 30}, 60, ["a", "a", "b", "b", "b", ""])
    result = method_of_equal_shares(instance, profile, completion="none", utility="approval")
    assert result.selected == ["b"]  # 10 per voter: b's 3 supporters pay 10 each; a's 2 have only 20
    assert isinstance(result.rounds[0], MESRound) and result.rounds[0].price_per_supporter == pytest.approx(10)


def test_phragmen_buys_in_load_order_and_stops_at_the_first_misfit() -> None:
    instance, profile = election({"a": 4, "b": 3, "c": 2}, 6, ["a,b", "a", "c", "b"])
    result = sequential_phragmen(instance, profile)
    # loads: a 4/2=2, b 3/2=1.5, c 2/1=2 -> b; then a (3+... )/2 = (4+1.5)/2=2.75, c 2 -> c; then a does not fit.
    assert result.selected == ["b", "c"]
    assert isinstance(result.rounds[0], PhragmenRound) and result.rounds[0].load == pytest.approx(1.5)
    assert "a came next but does not fit" in result.details["stopped"]


def test_lottery_tie_break_is_reproducible_from_the_seed() -> None:
    instance, profile = election({"x": 10, "y": 10, "z": 10}, 10, ["x", "y", "z"])
    first = greedy(instance, profile, tie_break="lottery:2026-11-24").selected
    assert first == greedy(instance, profile, tie_break="lottery:2026-11-24").selected
    tickets = {p: lottery_ticket("2026-11-24", p) for p in "xyz"}
    assert first == [min(tickets, key=tickets.get)]
    with pytest.raises(PBError):
        parse_tie_break("coin-toss")


def test_every_pabulib_rule_name_maps_to_a_registered_rule() -> None:
    keys = set(PB_RULES.keys())
    for alias in PB_RULES.aliases():
        assert alias.key in keys, alias.name
    entry, options = PB_RULES.resolve("equalshares/add1-comparison")
    assert entry.key == "equalshares" and options == {"completion": "add1", "comparison": True}
    instance, profile = PARK
    with pytest.raises(PBError, match="unknown"):
        count("unknown", instance, profile)
    with pytest.raises(PBError, match="unknown rule"):
        count("borda-count", instance, profile)
    outcome = count("greedy-exclusive", instance, profile)
    assert outcome.rule == "greedy-exclusive" and outcome.rule_key == "greedy" and outcome.notes
    assert outcome.to_dict()["counted_as"] == "greedy"


def test_utilitarian_completion_is_a_typed_round_after_the_mes_rounds() -> None:
    instance, profile = PARK
    plain = method_of_equal_shares(instance, profile, completion="none")
    completed = method_of_equal_shares(instance, profile, completion="utilitarian")
    added = completed.rounds[len(plain.rounds) :]
    assert [step.to_dict()["type"] for step in added] == ["completion-step"] * len(added)
    assert [step.to_dict()["project"] for step in added] == completed.selected[len(plain.selected) :]
    assert completed.total_cost == instance.total_cost(completed.selected)


def test_registry_describes_every_rule_for_the_officers_choice() -> None:
    described = json.loads(json.dumps(PB_RULES.describe()))
    by_key = {entry["key"]: entry for entry in described}
    assert set(by_key) == {"greedy", "greedy-no-skip", "greedy-threshold", "greedy-custom", "equalshares", "phragmen"}
    assert all(entry["display_name"] and entry["source"] and entry["ballot_types"] for entry in described)
    assert by_key["phragmen"]["ballot_types"] == ["approval", "choose-1"]
    assert "equalshares/add1-comparison" in by_key["equalshares"]["aliases"]
    assert "completion" in by_key["equalshares"]["accepts"] and "completion" not in by_key["greedy"]["accepts"]
