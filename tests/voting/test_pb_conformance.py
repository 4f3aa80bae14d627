"""``tally_pb`` reproduces the official outcome of every real pabulib file whose rule we support.

The three largest files (over 3.5 MB: Kraków 2024, Łódź 2022, Wrocław 2015) are marked ``slow``;
``benchmarks/pb_conformance.py`` runs every file and prints a table.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command

from tests.shared_data import SHARED_DATA, shared_path
from tests.voting.pb_exceptions import OFFICIAL_EXCEPTIONS, official_outcome
from voting.formats.pabulib import read_pb
from voting.pb import PB_RULES

SLOW_BYTES = 3_500_000


def _index_rows() -> list[dict[str, str]]:
    index = SHARED_DATA / "pabulib" / "index.csv"
    if not index.exists():
        return []
    with open(index, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _params(rows: list[dict[str, str]]) -> list:
    params = []
    for row in rows:
        if row["has_selected"] != "1" or row["rule"] not in PB_RULES:
            continue
        marks = [pytest.mark.slow] if int(row["bytes"]) > SLOW_BYTES else []
        params.append(pytest.param(row["file"], marks=marks, id=row["file"].removesuffix(".pb")))
    return params


ROWS = _index_rows()


def tally_json(path: str, *args: str) -> dict:
    out = io.StringIO()
    call_command("tally_pb", path, "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_the_shared_index_lists_files_with_official_outcomes() -> None:
    shared_path("pabulib", "index.csv")
    assert len(_params(_index_rows())) >= 50


@pytest.mark.parametrize("file_name", _params(ROWS))
def test_tally_pb_reproduces_the_official_outcome(file_name: str) -> None:
    path = shared_path("pabulib", file_name)
    pb = read_pb(path)
    official = official_outcome(pb)
    result = tally_json(str(path))
    selected = set(result["selected"])
    if file_name in OFFICIAL_EXCEPTIONS:
        assert selected != official, f"{file_name} now reproduces: remove it from OFFICIAL_EXCEPTIONS"
        return
    assert selected == official
    assert result["rule"] == pb.rule


def test_exceptions_table_stays_short_and_names_real_files() -> None:
    assert len(OFFICIAL_EXCEPTIONS) <= 3
    names = {row["file"] for row in ROWS}
    for file_name, evidence in OFFICIAL_EXCEPTIONS.items():
        assert file_name in names
        assert len(evidence) > 100


@pytest.mark.parametrize(
    "file_name", ["Switzerland_Zurich_S5.pb", "US_Stanford_Dataset_2022_Jersey_City_Ward_D_vote_knapsacks.pb"]
)
def test_unknown_rule_is_refused_unless_a_rule_is_named(file_name: str, capsys) -> None:
    path = str(shared_path("pabulib", file_name))
    with pytest.raises(SystemExit) as exit_info:
        call_command("tally_pb", path, "--json")
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"{path}:") and "unknown" in err[0]
    result = tally_json(path, "--rule", "greedy")
    assert result["rule"] == "greedy" and result["total_cost"] <= result["budget"]


def test_mes_cities_are_counted_with_add1_that_stops_before_overspending() -> None:
    """Wieliczka 2023 separates the Add1 variants: stopping at the first exhaustive outcome funds 66 and 67."""
    path = str(shared_path("pabulib", "Poland_Wieliczka_2023_Green_Budget.pb"))
    first_exhaustive = tally_json(path, "--rule", "equalshares", "--completion", "add1-first-exhaustive")
    assert {"66", "67"} <= set(first_exhaustive["selected"]) and "46" not in first_exhaustive["selected"]
    declared = tally_json(path)
    assert "46" in declared["selected"] and declared["details"]["comparison"]["winner"] == "equal shares"
