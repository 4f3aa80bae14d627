"""``select_panel --json`` on the shared real files validates against docs/results-schema.json and
keeps the command's earlier top-level keys."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from jsonschema import Draft202012Validator

from assemblies.sortition.registry import ALGORITHMS
from tests.shared_data import REPO_ROOT

from .helpers import SF_SAMPLE, SMALL_20, paths

SCHEMA = json.loads((REPO_ROOT / "docs" / "results-schema.json").read_text(encoding="utf-8"))


def select_json(capsys: pytest.CaptureFixture[str], shared, algorithm: str) -> dict[str, object]:
    people, categories = paths(shared)
    call_command("select_panel", people=people, categories=categories, size=str(shared.size), algorithm=algorithm, json=True)
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("shared", "algorithm"),
    [(SF_SAMPLE, "maximin"), (SF_SAMPLE, "leximin"), (SMALL_20, "nash"), (SMALL_20, "legacy")],
    ids=["sf_sample-maximin", "sf_sample-leximin", "small_20-nash", "small_20-legacy"],
)
def test_select_panel_json_validates_against_the_results_schema(capsys, shared, algorithm):
    result = select_json(capsys, shared, algorithm)
    Draft202012Validator.check_schema(SCHEMA)
    errors = sorted(Draft202012Validator(SCHEMA).iter_errors(result), key=lambda e: list(e.path))
    assert errors == [], errors[0].message if errors else ""
    assert {"algorithm", "seed", "panel", "min_probability", "probabilities", "portfolio_size"} <= set(result)
    assert result["engine"] == "sortition" and result["rule"] == algorithm
    assert result["rule_name"] == ALGORITHMS.get(algorithm).display_name
    assert [r["type"] for r in result["rounds"]] == ["lottery", "draw"]
    drawn = [person for person, fate in result["fates"].items() if fate["status"] == "drawn"]
    assert sorted(drawn) == sorted(result["panel"])


def test_the_schema_rejects_a_probability_above_one(capsys):
    result = select_json(capsys, SMALL_20, "maximin")
    result["probabilities"]["0"] = 1.5
    assert not Draft202012Validator(SCHEMA).is_valid(result)
