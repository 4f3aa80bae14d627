"""``tally_pb --json`` on shared real files validates against ``docs/results-schema.json``.

The files and rules are chosen so that every PB round type (greedy step, MES round, Phragmén
round, completion step) and every ballot type the shared data has appear at least once.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from jsonschema import Draft202012Validator

from tests.shared_data import REPO_ROOT, shared_path

SCHEMA = json.loads((REPO_ROOT / "docs" / "results-schema.json").read_text(encoding="utf-8"))
CASES = [
    ("Netherlands_Assen_2024.pb", ()),  # equalshares/add1
    ("Poland_Wieliczka_2023_Green_Budget.pb", ()),  # equalshares/add1-comparison
    ("Poland_Gdynia_2020_Orlowo__small.pb", ()),  # greedy-no-skip, approval
    ("Poland_Katowice_2022_Zarzecze.pb", ()),  # greedy-threshold, cumulative
    ("Poland_Krakow_2019_Bienczyce.pb", ()),  # greedy, ordinal
    ("Poland_Poznan_2025_9_-_Stare_Miasto__small.pb", ()),  # greedy-custom (Poznań's reserve)
    ("Netherlands_Assen_2024.pb", ("--rule", "equalshares/add1-utilitarian")),
    ("Poland_Gdynia_2020_Orlowo__small.pb", ("--rule", "equalshares/utilitarian")),
    ("Hungary_Budapest_2022_VIII_Jozsefvaros.pb", ("--rule", "sequential-phragmen")),
    ("Switzerland_Zurich_S5.pb", ("--rule", "phragmen", "--tie-break", "lottery:2026")),
]


def tally_json(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("tally_pb", *args, "--json", stdout=out)
    result: dict[str, Any] = json.loads(out.getvalue())
    return result


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    Draft202012Validator.check_schema(SCHEMA)


@pytest.fixture(scope="module")
def outputs() -> list[dict[str, Any]]:
    return [tally_json(str(shared_path("pabulib", name)), *args) for name, args in CASES]


def test_tally_pb_json_on_shared_files_validates_against_the_schema(outputs: list[dict[str, Any]]) -> None:
    validator = Draft202012Validator(SCHEMA)
    for (name, args), output in zip(CASES, outputs, strict=True):
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(output)]
        assert not errors, (name, args, errors[:5])


def test_every_pb_round_type_and_ballot_type_is_exercised(outputs: list[dict[str, Any]]) -> None:
    round_types = {step["type"] for output in outputs for step in output["rounds"]}
    assert round_types == {"greedy-step", "mes-round", "phragmen-round", "completion-step"}
    assert {output["vote_type"] for output in outputs} >= {"approval", "cumulative", "ordinal"}


def test_the_schema_rejects_a_pb_output_missing_its_keys_or_with_a_bad_round(outputs: list[dict[str, Any]]) -> None:
    validator = Draft202012Validator(SCHEMA)
    output = outputs[0]
    assert not validator.is_valid({key: value for key, value in output.items() if key != "leftover"})
    broken = dict(output, rounds=[dict(output["rounds"][0], rho="cheap")])
    assert not validator.is_valid(broken)
    assert not validator.is_valid(dict(output, projects={"1": {"status": "maybe", "reason": "x", "cost": 1}}))
