"""``verify_panel`` checks every number a selection report shows: one test per tampered field, each
rejected with exit 1 and a line naming what differs; a malformed report is refused with exit 2 and
one ``FILE: reason`` line; a genuine report matches and records the versions it ran under."""

from __future__ import annotations

import copy
import json
import platform
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from .helpers import SF_SAMPLE, paths

Report = dict[str, Any]


@pytest.fixture(scope="module")
def genuine(tmp_path_factory: pytest.TempPathFactory) -> Report:
    people, categories = paths(SF_SAMPLE)
    path = tmp_path_factory.mktemp("report") / "report.json"
    call_command(
        "select_panel", people=people, categories=categories, size="22", algorithm="maximin", seed="99", report=str(path)
    )
    return json.loads(path.read_text())


def verify(tmp_path: Path, report: Report | str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    path = tmp_path / "tampered.json"
    path.write_text(report if isinstance(report, str) else json.dumps(report))
    try:
        call_command("verify_panel", str(path))
    except CommandError as error:
        capsys.readouterr()
        return error.returncode, str(error)
    return 0, capsys.readouterr().out


def outsider(report: Report) -> str:
    return next(person for person in report["probabilities"] if person not in report["panel"])


def test_genuine_report_matches_and_records_python_and_numpy(tmp_path, genuine, capsys):
    status, output = verify(tmp_path, genuine, capsys)
    assert status == 0, output
    assert output.strip().endswith("MATCH")
    assert genuine["environment"]["python"] == platform.python_version()
    assert genuine["environment"]["numpy"] == np.__version__


def _bump_probability(report: Report) -> None:
    person = report["panel"][0]
    report["probabilities"][person] += 0.01


def _shift_portfolio_mass(report: Report) -> None:
    report["portfolio"][0]["probability"] += report["portfolio"][1]["probability"]
    report["portfolio"][1]["probability"] = 0.0


def _swap_portfolio_member(report: Report) -> None:
    panel = report["portfolio"][0]["panel"]
    panel[0] = next(p for p in report["probabilities"] if p not in panel)


TAMPERINGS: dict[str, tuple[Callable[[Report], None], str]] = {
    "panel": (lambda r: r["panel"].__setitem__(0, outsider(r)), "different panel"),
    "probabilities": (_bump_probability, "probability of"),
    "min_probability": (lambda r: r.__setitem__("min_probability", r["min_probability"] * 1.01), "min_probability"),
    "min_probability-raised": (lambda r: r.__setitem__("min_probability", 0.5), "min_probability"),
    "portfolio-probability": (lambda r: r["portfolio"][0].__setitem__("probability", 0.5), "sum to"),
    "portfolio-mass-moved": (_shift_portfolio_mass, "probability of"),
    "portfolio-panel": (_swap_portfolio_member, "portfolio panel 0"),
    "portfolio-dropped-panel": (lambda r: r["portfolio"].pop(), "portfolio_size"),
    "portfolio_size": (lambda r: r.__setitem__("portfolio_size", r["portfolio_size"] + 1), "portfolio_size"),
    "draw-number": (lambda r: r["draw"].__setitem__("number", r["draw"]["number"] / 2), "draw.number"),
    "draw-index": (lambda r: r["draw"].__setitem__("index", r["draw"]["index"] + 1), "draw.index"),
    "seed": (lambda r: r.__setitem__("seed", "100"), "draw.number"),
    "algorithm": (lambda r: r.__setitem__("algorithm", "nash"), "draw.number"),
    "inputs-sha256": (lambda r: r["inputs"].__setitem__("sha256", "0" * 64), "inputs.sha256"),
    "people-sha256": (lambda r: r["inputs"]["people"].__setitem__("sha256", "0" * 64), "people file"),
    "categories-sha256": (lambda r: r["inputs"]["categories"].__setitem__("sha256", "0" * 64), "categories file"),
    "panel_size": (lambda r: r.__setitem__("panel_size", 21), "21"),
    "stats-iterations": (lambda r: r["stats"].__setitem__("iterations", r["stats"]["iterations"] + 1), "stats.iterations"),
    "stats-stages": (lambda r: r["stats"].__setitem__("stages", r["stats"]["stages"] + 1), "stats.stages"),
    "stats-panels_generated": (
        lambda r: r["stats"].__setitem__("panels_generated", r["stats"]["panels_generated"] + 1),
        "stats.panels_generated",
    ),
    "notes": (lambda r: r["notes"].append("certified by hand"), "notes"),
    "tolerances": (lambda r: r["solver"]["tolerances"].__setitem__("MAXIMIN_GAP", 0.1), "MAXIMIN_GAP"),
    "must_exclude": (lambda r: r["options"]["must_exclude"].append(r["panel"][0]), "may not be selected"),
}


@pytest.mark.parametrize("field", list(TAMPERINGS))
def test_verify_panel_rejects_a_tampered_field(tmp_path, genuine, capsys, field):
    tamper, needle = TAMPERINGS[field]
    report = copy.deepcopy(genuine)
    tamper(report)
    status, message = verify(tmp_path, report, capsys)
    assert status == 1, message
    assert "MISMATCH" in message and "\n" not in message
    assert needle in message


MALFORMED: dict[str, tuple[Callable[[Report], object], str]] = {
    "not-json": (lambda r: "{not json", "not a JSON report"),
    "not-an-object": (lambda r: "[1, 2]", "not a JSON object"),
    "wrong-format": (lambda r: {**r, "format": "something else"}, "'format'"),
    "missing-draw": (lambda r: {k: v for k, v in r.items() if k != "draw"}, "'draw'"),
    "nan-probability": (lambda r: json.dumps(r).replace(f'"min_probability": {r["min_probability"]!r}', '"min_probability": NaN'), "not a finite number"),
    "huge-panel-size": (lambda r: json.dumps(r).replace('"panel_size": 22', '"panel_size": 1e2000000000'), "'panel_size'"),
    "string-probability": (lambda r: {**r, "probabilities": {**r["probabilities"], "p0": "0.1"}}, "'probabilities.p0'"),
    "portfolio-not-a-list": (lambda r: {**r, "portfolio": {"a": 1}}, "'portfolio'"),
    "unknown-algorithm": (lambda r: {**r, "algorithm": "coin-toss"}, "unknown sortition algorithm"),
    "missing-people-file": (lambda r: {**r, "inputs": {**r["inputs"], "people": {**r["inputs"]["people"], "path": "/nonexistent.csv"}}}, "no such file"),
    "deeply-nested": (lambda r: "[" * 100_000 + "]" * 100_000, "not a JSON report"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_verify_panel_refuses_a_malformed_report_with_one_line(tmp_path, genuine, capsys, case):
    make, needle = MALFORMED[case]
    made = make(copy.deepcopy(genuine))
    status, message = verify(tmp_path, made if isinstance(made, str) else json.dumps(made), capsys)
    assert status == 2, message
    assert "\n" not in message and needle in message
    assert message.startswith(str(tmp_path / "tampered.json")) or "nonexistent" in message
