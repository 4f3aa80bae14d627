"""Ballot file formats: .blt, scot-elex CSV, civic's anonymised export, CDF without a config."""

from __future__ import annotations

import json

import pytest

from engines.errors import EngineInputError
from tests.shared_data import shared_path
from voting.formats import ballot_export
from voting.formats.blt import parse_blt, read_blt, write_blt
from voting.formats.ranked_scot import parse_scot_csv
from voting.formats.rctab import read_cdf_file
from voting.ranked.ballots import BallotRules, RankedProfile
from voting.ranked.stv import scottish_stv

BLT = """4 2
-4
3 1 2 0
(b7) 2 2=3 1 0
1 3 - 1 0
1 1 2 0
0
"Alice"
"Bob"
"Carol"
"Dan Withdrawn"
"Example ward"
"""


def test_blt_reads_weights_withdrawals_equal_ranks_skips_and_title():
    profile = parse_blt(BLT)
    assert profile.candidates == ("Alice", "Bob", "Carol", "Dan Withdrawn")
    assert profile.seats == 2
    assert profile.withdrawn == frozenset({3})
    assert profile.title == "Example ward"
    weights = {b.ranking: b.weight for b in profile.ballots}
    assert weights[((0,), (1,))] == 4  # identical ballots are grouped
    assert weights[((1, 2), (0,))] == 2
    assert weights[((2,), (), (0,))] == 1


def test_blt_round_trips_through_the_writer(tmp_path):
    profile = parse_blt(BLT)
    path = tmp_path / "ward.blt"
    path.write_text(write_blt(profile))
    again = read_blt(path)
    assert again.candidates == profile.candidates
    assert again.withdrawn == profile.withdrawn and again.title == profile.title
    assert {b.ranking: b.weight for b in again.ballots} == {b.ranking: b.weight for b in profile.ballots}


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("3 1\n1 1 4 0\n0\n\"a\"\n\"b\"\n\"c\"\n", 2, "out of range"),
        ("3 1\n1 1 2\n0\n\"a\"\n\"b\"\n\"c\"\n", 2, "end with 0"),
        ("3 1\nx 1 2 0\n0\n\"a\"\n\"b\"\n\"c\"\n", 2, "weight"),
        ("3\n", 1, "first line"),
        ("2 1\n1 1 0\n0\n\"a\"\n", 4, "expected 2 candidate names"),
        ("2 1\n1 1 0\n", 2, "missing the '0' line"),
    ],
)
def test_bad_blt_names_the_line_and_reason(text, line, reason):
    with pytest.raises(EngineInputError) as info:
        parse_blt(text, source="bad.blt")
    assert info.value.line == line
    assert reason in info.value.reason
    assert info.value.location_line().startswith(f"bad.blt:{line}: ")


def test_scot_csv_reads_counts_names_and_ward():
    text = '3,2,\n12,1,\n88,1,3,2,\n14,2,3,\n8,3,\n"Candidate 1","Alvin","Party A (A)",\n' \
        '"Candidate 2","Becca","Party B (B)",\n"Candidate 3","Carrie","Party C (C)",\n"Wardy",'
    profile = parse_scot_csv(text)
    assert profile.candidates == ("Alvin", "Becca", "Carrie")
    assert profile.seats == 2 and profile.title == "Wardy"
    assert profile.total_weight == 122
    assert scottish_stv(profile).elected[0] == "Alvin"


def test_scottish_ward_file_matches_its_blt_conversion():
    # The writer must carry a real ward unchanged: count before and after a .blt round trip.
    profile = parse_scot_csv(
        shared_path("ranked", "scotland", "4_cands", "aberdeen_2017_ward11.csv").read_text()
    )
    again = parse_blt(write_blt(profile))
    assert scottish_stv(again).to_dict() == scottish_stv(profile).to_dict()


def test_ballot_export_round_trips_and_holds_no_voter_order():
    profile = RankedProfile.from_rankings(["Ann", "Bo", "Cy"], [[0, 1], [2], [0, 1], [[1, 2], 0]], title="Poll")
    document = ballot_export.export_ballots(profile)
    assert document["format"] == "civic-ranked-ballots"
    assert document["ballots"][0] == {"ranking": [["Ann"], ["Bo"]], "count": 2}
    assert all(set(row) == {"ranking", "count"} for row in document["ballots"])
    again = ballot_export.loads(json.dumps(document))
    assert {b.ranking: b.weight for b in again.ballots} == {b.ranking: b.weight for b in profile.ballots}


def test_ballot_export_rejects_unknown_candidates():
    bad = {"format": "civic-ranked-ballots", "version": 1, "candidates": ["A"], "ballots": [{"ranking": [["Z"]], "count": 1}]}
    with pytest.raises(EngineInputError, match="unknown candidate 'Z'"):
        ballot_export.from_document(bad)


def test_cdf_file_can_be_read_without_an_rctab_config():
    path = shared_path("ranked", "rctab", "test_set_1_exhaust_at_overvote", "test_set_1_exhaust_at_overvote_cvr.json")
    profile = read_cdf_file(path)
    assert profile.candidates == ("Candidate A Name", "Candidate B Name", "Candidate C Name", "Candidate D Name")
    assert profile.total_weight == 15


@pytest.mark.parametrize(
    ("rules", "ranking", "order", "end"),
    [
        (BallotRules(), ((0,), (1, 2), (3,)), (0,), "overvotes"),
        (BallotRules(overvote="skip"), ((0,), (1, 2), (3,)), (0, 3), "exhaustedChoices"),
        (BallotRules(max_skipped_ranks=1), ((0,), (), (), (3,)), (0,), "skippedRankings"),
        (BallotRules(max_skipped_ranks=1), ((0,), (), (3,)), (0, 3), "exhaustedChoices"),
        (BallotRules(duplicates="exhaust"), ((0,), (1,), (0,), (2,)), (0, 1), "repeatedRankings"),
        (BallotRules(), ((0,), (1,), (0,), (2,)), (0, 1, 0, 2), "exhaustedChoices"),
        (BallotRules(), (), (), "undervotes"),
    ],
)
def test_ballot_rules_read_marks_as_configured(rules, ranking, order, end):
    assert rules.compile(ranking) == (order, end)
