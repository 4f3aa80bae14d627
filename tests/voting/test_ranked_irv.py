"""Instant-runoff options: batch elimination, tie-breaks, continuing to two, withdrawals."""

from __future__ import annotations

from tests.voting.ranked_factories import profile
from voting.ranked.irv import IrvOptions, batch_losers, instant_runoff
from voting.ranked.registry import RANKED_METHODS, method_for_rctab_mode
from voting.ranked.tiebreak import JavaRandom, RankedTieBreak


def test_majority_winner_in_first_round_stops_the_count():
    result = instant_runoff(profile([(6, "A"), (3, "BA"), (2, "C")], "ABC"))
    assert result.elected == ["A"]
    assert len(result.rounds) == 1
    assert result.rounds[0].threshold == 6
    assert result.rounds[0].reasons["A"] == "majority of continuing votes"


def test_batch_elimination_removes_everyone_who_cannot_catch_up():
    ballots = [(10, "A"), (8, "B"), (2, "CB"), (1, "DCB")]
    assert batch_losers({0: 10, 1: 8, 2: 2, 3: 1}) == [3, 2]
    batched = instant_runoff(profile(ballots), options=IrvOptions(batch_elimination=True))
    assert batched.rounds[0].eliminated == ["D", "C"]
    single = instant_runoff(profile(ballots))
    assert single.rounds[0].eliminated == ["D"]
    assert batched.elected == single.elected == ["B"]


def test_transfers_and_exhausted_ballots_are_recorded_per_round():
    result = instant_runoff(profile([(4, "A"), (3, "B"), (2, "CB"), (1, "C")], "ABC"))
    first = result.rounds[0]
    assert first.eliminated == ["C"]
    assert first.transfers == {"C": {"B": 2, "exhausted": 1}}
    assert result.rounds[1].inactive["exhaustedChoices"] == 1
    assert result.elected == ["B"]


def test_tie_for_last_is_broken_by_previous_round_totals():
    # Round 1: A6 C4 B3 D1; D's ballot goes to B. Round 2: B and C tie on 4; B had fewer in round 1.
    result = instant_runoff(profile([(6, "A"), (3, "BA"), (4, "CA"), (1, "DB")]))
    assert result.rounds[1].eliminated == ["B"]
    assert "round 1" in result.rounds[1].reasons["B"]


def test_tie_with_no_history_goes_to_a_reproducible_seeded_lottery():
    ballots = [(5, "A"), (2, "BA"), (2, "CA"), (4, "D")]
    runs = [instant_runoff(profile(ballots), options=IrvOptions(tiebreak=RankedTieBreak(seed=7))) for _ in range(3)]
    assert len({r.rounds[0].eliminated[0] for r in runs}) == 1
    assert "lot (seed 7)" in runs[0].rounds[0].reasons[runs[0].rounds[0].eliminated[0]]


def test_candidate_order_tiebreak_eliminates_the_later_listed():
    ballots = [(5, "A"), (2, "BA"), (2, "CA"), (4, "D")]
    result = instant_runoff(profile(ballots), options=IrvOptions(tiebreak=RankedTieBreak("candidate_order")))
    assert result.rounds[0].eliminated == ["C"]


def test_continue_until_two_keeps_counting_after_a_majority():
    result = instant_runoff(
        profile([(7, "A"), (2, "B"), (2, "C"), (1, "D")]), options=IrvOptions(continue_until_two=True)
    )
    assert result.elected == ["A"]
    assert result.rounds[0].elected == ["A"]
    assert len(result.rounds[-1].tallies) == 2


def test_withdrawn_candidates_get_no_votes_and_their_ballots_move_on():
    result = instant_runoff(profile([(3, "DA"), (2, "B"), (2, "C")], withdrawn=[3]))
    assert "D" not in result.rounds[0].tallies
    assert result.rounds[0].tallies["A"] == 3


def test_java_random_matches_the_jdk_sequence():
    # new java.util.Random(0).nextDouble() == 0.730967787376657 (JDK documentation algorithm)
    assert JavaRandom(0).next_double() == 0.730967787376657


def test_registry_maps_names_and_rctab_modes_to_rules():
    assert {"irv", "stv-scottish", "stv-meek", "schulze", "ranked-pairs", "copeland", "borda"} <= set(RANKED_METHODS.names())
    assert RANKED_METHODS.get("irv").function is instant_runoff
    assert RANKED_METHODS.get("stv-scottish").display_name == "STV (Scottish rules, WIGM)"
    assert method_for_rctab_mode("singleWinnerMajority").function is instant_runoff
    assert method_for_rctab_mode("multiWinnerAllowMultipleWinnersPerRound").key == "stv-rctab"


def test_result_to_dict_is_json_ready():
    import json

    data = instant_runoff(profile([(4, "A"), (3, "B"), (2, "CB")], "ABC")).to_dict()
    assert json.loads(json.dumps(data))["elected"] == ["B"]
    assert data["rounds"][0]["reasons"]["C"] == "lowest"
