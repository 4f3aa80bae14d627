"""RCTab's own test cases: every round's tallies, actions, threshold and inactive ballots.

Cases come from RCTab's repository (see ``shared/data/ranked/README.md``). We read generic CSV and
NIST CDF (JSON and XML) cast vote records, so every case with an expected report is counted.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from engines.errors import EngineInputError
from tests.shared_data import shared_path
from voting.formats.rctab import load_config, rctab_report, read_profile, tabulate_rctab

CASES = [
    "aliases_cdf_json",
    "csv_missing_header_test",
    "generic_csv_test",
    "nist_xml_cdf_2",
    "test_set_0_skipped_first_choice",
    "test_set_1_exhaust_at_overvote",
    "test_set_2_overvote_skip_to_next",
    "test_set_3_skipped_choice_exhaust",
    "test_set_6_duplicate_exhaust",
    "test_set_8_multi_cdf",
    "test_set_multi_winner_whole_threshold",
    "unisyn_xml_cdf_city_coroner",
    "unisyn_xml_cdf_city_council_member",
    "unisyn_xml_cdf_city_mayor",
    "unisyn_xml_cdf_county_sheriff",
]


def case_dir(case: str) -> Path:
    return shared_path("ranked", "rctab", case)


def decimals(mapping: dict) -> dict[str, Decimal]:
    return {k: Decimal(str(v)) for k, v in mapping.items() if Decimal(str(v)) != 0}


@pytest.fixture(scope="module")
def counted():
    cache: dict[str, tuple] = {}

    def count(case: str):
        if case not in cache:
            folder = case_dir(case)
            config = load_config(folder / f"{case}_config.json")
            expected = json.loads((folder / f"{case}_expected_detailed_report.json").read_text())
            cache[case] = (tabulate_rctab(config), expected)
        return cache[case]

    return count


@pytest.mark.parametrize("case", CASES)
def test_every_round_tally_matches_rctab(counted, case):
    result, expected = counted(case)
    ours = rctab_report(result)
    assert len(ours) == len(expected["results"])
    for mine, theirs in zip(ours, expected["results"], strict=True):
        assert decimals(mine["tally"]) == decimals(theirs["tally"]), f"round {theirs['round']}"
        assert Decimal(mine["threshold"]) == Decimal(theirs["threshold"])


@pytest.mark.parametrize("case", CASES)
def test_every_round_elects_and_eliminates_as_rctab(counted, case):
    result, expected = counted(case)
    for mine, theirs in zip(rctab_report(result), expected["results"], strict=True):
        for action in ("elected", "eliminated"):
            assert sorted(a[action] for a in mine["tallyResults"] if action in a) == sorted(
                a[action] for a in theirs["tallyResults"] if action in a
            ), f"round {theirs['round']} {action}"


@pytest.mark.parametrize("case", CASES)
def test_inactive_ballots_by_reason_match_rctab(counted, case):
    result, expected = counted(case)
    for mine, theirs in zip(rctab_report(result), expected["results"], strict=True):
        assert decimals(mine["inactiveBallots"]) == decimals(theirs["inactiveBallots"]), f"round {theirs['round']}"


@pytest.mark.parametrize("case", CASES)
def test_transfers_match_rctab(counted, case):
    result, expected = counted(case)
    for mine, theirs in zip(rctab_report(result), expected["results"], strict=True):
        by_candidate = {a.get("eliminated") or a.get("elected"): decimals(a["transfers"]) for a in theirs["tallyResults"]}
        for action in mine["tallyResults"]:
            name = action.get("eliminated") or action.get("elected")
            assert decimals(action["transfers"]) == by_candidate[name], f"round {theirs['round']} {name}"


@pytest.mark.parametrize("case", CASES)
def test_winners_match_rctab_summary(counted, case):
    result, expected = counted(case)
    winners = [a["elected"] for r in expected["results"] for a in r["tallyResults"] if "elected" in a]
    assert sorted(result.elected) == sorted(winners)
    assert expected["summary"]["numWinners"] == len(result.elected)


def test_ballot_with_more_ranks_than_allowed_is_rejected_with_its_line():
    folder = case_dir("max_ranking_enforcement")
    config = load_config(folder / "max_ranking_enforcement_config.json")
    with pytest.raises(EngineInputError) as info:
        read_profile(config)
    assert info.value.line == 2
    assert "maxRankingsAllowed" in info.value.reason


def test_conversion_case_reads_both_cdf_files_with_aliases():
    # conversions_from_cdf has no tabulation report; its CVRs must still read, aliases resolved.
    folder = case_dir("conversions_from_cdf")
    profile = read_profile(load_config(folder / "conversions_from_cdf_config.json"))
    assert profile.candidates[0] == "Unused Display Name Candidate A"
    expected_rows = (folder / "conversions_from_cdf_expected.csv").read_text().strip().splitlines()
    assert profile.total_weight == len(expected_rows) - 1
