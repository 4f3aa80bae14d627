"""``tally_ranked --json`` on the shared real files validates against docs/results-schema.json."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from jsonschema import Draft202012Validator

from tests.shared_data import REPO_ROOT, SHARED_DATA, shared_path
from voting.ranked import RANKED_METHODS

SCHEMA = json.loads((REPO_ROOT / "docs" / "results-schema.json").read_text())
VALIDATOR = Draft202012Validator(SCHEMA)
REFUSED_BY_RCTAB = {"max_ranking_enforcement"}
"""Cases whose CVRs RCTab itself refuses (a ballot ranks past maxRankingsAllowed)."""
RCTAB_CASES = sorted(p.parent.name for p in (SHARED_DATA / "ranked" / "rctab").glob("*/*_config.json"))


def tally(*args: str) -> dict:
    out = StringIO()
    call_command("tally_ranked", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def assert_valid(data: dict) -> None:
    errors = sorted(VALIDATOR.iter_errors(data), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def test_the_schema_itself_is_valid():
    Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("method", [e.key for e in RANKED_METHODS.entries()])
def test_every_method_on_a_scottish_ward_validates(method):
    ward = shared_path("ranked", "scotland", "6_cands")
    path = sorted(ward.glob("*.csv"))[0]
    seats = ["--seats", "2" if RANKED_METHODS.get(method).metadata["multi_winner"] else "1"]
    data = tally(str(path), "--method", method, *seats)
    assert_valid(data)
    assert data["engine"] == "ranked" and data["rule"] == method == data["method"]
    assert set(data["fates"]) == set(data["candidates"])
    assert [n for n, f in data["fates"].items() if f["status"] == "elected"] == sorted(
        data["elected"], key=data["candidates"].index
    )


@pytest.mark.parametrize("case", RCTAB_CASES or ["<no rctab cases>"])
def test_every_rctab_case_that_counts_validates(case):
    config = shared_path("ranked", "rctab", case, f"{case}_config.json")
    if case in REFUSED_BY_RCTAB:
        with pytest.raises(CommandError):
            tally("--rctab-config", str(config))
        return
    data = tally("--rctab-config", str(config))
    assert_valid(data)
    assert data["rctab_rounds"] and data["elected"]


def test_a_count_missing_its_elected_list_does_not_validate():
    ward = sorted(shared_path("ranked", "scotland", "4_cands").glob("*.csv"))[0]
    data = tally(str(ward))
    del data["elected"]
    assert list(VALIDATOR.iter_errors(data))
