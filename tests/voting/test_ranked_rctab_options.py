"""RCTab settings beyond the reference cases: legacy names, operator ties, permutations, labels."""

from __future__ import annotations

import json

import pytest

from engines.errors import EngineInputError
from tests.voting.ranked_factories import profile
from voting.formats.rctab import load_config, tabulate_rctab, tiebreak, winner_election_mode
from voting.ranked.ballots import OVERVOTE_MARK, BallotRules
from voting.ranked.irv import IrvOptions, instant_runoff
from voting.ranked.tiebreak import JavaRandom, RankedTieBreak


def write_config(tmp_path, rules: dict, csv_rows: list[str], candidates=("A", "B", "C")) -> str:
    (tmp_path / "cvr.csv").write_text("\n".join(["id," + ",".join(candidates), *csv_rows]) + "\n")
    config = {
        "cvrFileSources": [{"filePath": "cvr.csv", "provider": "genericCsv", "firstVoteColumnIndex": "2"}],
        "candidates": [{"name": c, "excluded": False} for c in candidates],
        "rules": {"overvoteRule": "exhaustImmediately", "numberOfWinners": "1", **rules},
    }
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return str(path)


def test_legacy_rule_names_are_understood(tmp_path):
    config = load_config(
        write_config(
            tmp_path,
            {"winnerElectionMode": "multiSeatAllowMultipleWinnersPerRound", "tiebreakMode": "Use candidate order in the config file"},
            ["1,1,2,", "2,2,1,"],
        )
    )
    assert winner_election_mode(config) == "multiWinnerAllowMultipleWinnersPerRound"
    assert tiebreak(config) == RankedTieBreak("candidate_order")


def test_operator_tiebreak_stops_only_when_a_tie_is_met(tmp_path):
    no_tie = write_config(tmp_path, {"tiebreakMode": "stopCountingAndAsk"}, ["1,1,,", "2,1,,", "3,,1,"])
    assert tabulate_rctab(load_config(no_tie)).elected == ["A"]
    tied = write_config(tmp_path, {"tiebreakMode": "stopCountingAndAsk"}, ["1,1,,", "2,,1,", "3,,,1", "4,1,,", "5,,1,"])
    with pytest.raises(EngineInputError, match="tie between .* returning officer"):
        tabulate_rctab(load_config(tied))


def test_generated_permutation_is_reproducible_from_the_seed():
    ballots = [(5, "A"), (2, "BA"), (2, "CA"), (4, "D")]
    rule = RankedTieBreak("permutation", seed=3, java_random=True)
    first = instant_runoff(profile(ballots), options=IrvOptions(tiebreak=rule))
    again = instant_runoff(profile(ballots), options=IrvOptions(tiebreak=rule))
    assert first.rounds[0].eliminated == again.rounds[0].eliminated
    assert "drawn candidate order" in first.rounds[0].reasons[first.rounds[0].eliminated[0]]


def test_java_shuffle_and_next_int_follow_the_jdk():
    # new Random(42).nextInt(10) == 0, then 3 (JDK algorithm).
    rng = JavaRandom(42)
    assert [rng.next_int(10), rng.next_int(10)] == [0, 3]


def test_an_explicit_overvote_mark_is_an_overvote():
    assert BallotRules().compile(((0,), (OVERVOTE_MARK,), (1,))) == ((0,), "overvotes")
    assert BallotRules(overvote="skip").compile(((0,), (OVERVOTE_MARK,), (1,))) == ((0, 1), "exhaustedChoices")
