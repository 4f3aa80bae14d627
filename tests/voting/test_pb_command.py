"""``manage.py tally_pb``: JSON contract, explanations, and one-line errors with exit status 2."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.shared_data import REPO_ROOT
from voting.pb import PB_RULES

FILE = (
    "META\nkey;value\nbudget;100\nvote_type;approval\nrule;{rule}\nmin_project_score_threshold;2\n"
    "PROJECTS\nproject_id;cost;name\n1;60;One\n2;50;Two\n3;40;Three\n4;10;Four\n"
    "VOTES\nvoter_id;vote\nv1;1,2\nv2;1,3\nv3;2,3\nv4;1\nv5;4\n"
)


def _write(tmp_path: Path, text: str, name: str = "election.pb") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _tally(*args: str) -> dict:
    out = io.StringIO()
    call_command("tally_pb", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "tally_pb", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_json_has_rule_selected_ids_as_strings_costs_and_rounds(tmp_path: Path) -> None:
    result = _tally(_write(tmp_path, FILE.format(rule="greedy")))
    assert result["rule"] == "greedy"
    assert result["selected"] == ["1", "3"]  # 2 and 3 tie on 2 votes: the cheaper goes first
    assert result["total_cost"] == 100
    assert result["budget"] == 100
    assert isinstance(result["rounds"], list) and result["rounds"][0]["project"] == "1"


def test_greedy_explains_votes_running_cost_and_why_a_project_was_skipped(tmp_path: Path) -> None:
    result = _tally(_write(tmp_path, FILE.format(rule="greedy")), "--threshold", "0", "--tie-break", "max-cost")
    by_project = {entry["project"]: entry for entry in result["rounds"]}
    assert by_project["1"]["votes"] == 3 and by_project["1"]["running_cost"] == 60
    assert by_project["2"]["action"] == "rejected" and "does not fit" in by_project["2"]["reason"]
    assert result["selected"] == ["1", "3"]  # 2 (50) does not fit after 1 (60); 3 (40) does
    assert result["total_cost"] == 100


def test_meta_rule_is_used_when_no_rule_is_named(tmp_path: Path) -> None:
    path = _write(tmp_path, FILE.format(rule="greedy-no-skip"))
    result = _tally(path, "--tie-break", "max-cost")
    assert result["rule"] == "greedy-no-skip" and result["selected"] == ["1"]
    assert _tally(path, "--rule", "greedy", "--tie-break", "max-cost")["selected"] == ["1", "3"]


def test_mes_explains_prices_and_what_rejected_projects_lacked(tmp_path: Path) -> None:
    result = _tally(_write(tmp_path, FILE.format(rule="equalshares")))
    first = result["rounds"][0]
    assert {"project", "rho", "price_per_supporter", "effective_votes"} <= set(first)
    rejected = [entry for entry in result["projects"].values() if entry["status"] == "rejected"]
    assert rejected and all("supporters_budget_left" in entry and "needed" in entry for entry in rejected)


def test_completion_and_tie_break_options_reach_the_rule(tmp_path: Path) -> None:
    path = _write(tmp_path, FILE.format(rule="equalshares"))
    result = _tally(path, "--completion", "add1-utilitarian", "--tie-break", "lottery:2024")
    assert result["details"]["completion"] == "add1-utilitarian"
    assert result["details"]["tie_break"] == "lottery:2024"


def test_explain_prints_rounds_in_text(tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("tally_pb", _write(tmp_path, FILE.format(rule="phragmen")), "--explain", stdout=out)
    text = out.getvalue()
    assert "Selected, in order:" in text and "Rounds:" in text and "load=" in text


ONE_LINE = re.compile(r"^(?P<file>[^\n]+):(?P<line>\d+): (?P<reason>[^\n]+)\n$")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (FILE.format(rule="greedy").replace("2;50;Two", "2;-5;Two"), "negative"),
        (FILE.format(rule="greedy").replace("v5;4", "v5;9"), "unknown project"),
        (FILE.format(rule="unknown"), "unknown"),
        (FILE.format(rule="greedy-by-mood"), "unknown rule"),
    ],
    ids=["negative-cost", "unknown-project", "rule-unknown", "rule-not-supported"],
)
def test_bad_file_exits_2_with_one_line_and_no_output(tmp_path: Path, text: str, reason: str) -> None:
    path = _write(tmp_path, text)
    completed = _run(path, "--json")
    assert completed.returncode == 2
    assert completed.stdout == ""
    match = ONE_LINE.match(completed.stderr)
    assert match, completed.stderr
    assert match["file"] == path and reason in match["reason"]
    assert "Traceback" not in completed.stderr


def test_bad_file_in_process_raises_system_exit_2(tmp_path: Path, capsys) -> None:
    path = _write(tmp_path, FILE.format(rule="greedy").replace("budget;100\n", ""))
    with pytest.raises(SystemExit) as exit_info:
        call_command("tally_pb", path, "--json")
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == f"{path}:6: META has no budget\n"  # the line where META ends


def test_option_the_rule_does_not_take_is_refused(tmp_path: Path, capsys) -> None:
    path = _write(tmp_path, FILE.format(rule="greedy"))
    with pytest.raises(SystemExit):
        call_command("tally_pb", path, "--completion", "add1")
    assert "takes no option completion" in capsys.readouterr().err


def test_bad_increment_is_a_one_line_error(tmp_path: Path, capsys) -> None:
    path = _write(tmp_path, FILE.format(rule="equalshares/add1"))
    with pytest.raises(SystemExit):
        call_command("tally_pb", path, "--increment", "lots")
    assert capsys.readouterr().err.strip().endswith("the Add1 increment 'lots' is not a number")


def test_help_lists_every_registered_rule_with_its_source() -> None:
    completed = _run("--help")
    assert completed.returncode == 0, completed.stderr
    text = " ".join(completed.stdout.split())
    for entry in PB_RULES.entries():
        assert f"{entry.key}: {entry.display_name}" in text
    assert "80 % reserve" in text and "equalshares/add1-comparison" in text
