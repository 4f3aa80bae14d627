"""``tally_pb`` refuses bad input fast, with exit status 2 and one ``FILE:LINE: reason`` line.

Numbers in exponent form used to hang the reader (``Fraction("1e2000000000")`` builds a number of
two billion digits), NaN ballot weights and huge digit strings ended in tracebacks; options,
output paths and a closed stdout are bad input too.
"""

from __future__ import annotations

import io
import json
import os
import re
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.shared_data import REPO_ROOT

GOOD = (
    "META\nkey;value\nbudget;100\nvote_type;{vote_type}\nrule;equalshares/add1\n"
    "PROJECTS\nproject_id;cost;name\n1;60;One\n2;50;Two\n3;40;Three\n"
    "VOTES\nvoter_id;vote;points;weight\nv1;1,2;2,1;1\nv2;1,3;1,1;2\nv3;2;3;1\n"
)
APPROVAL = GOOD.format(vote_type="approval")
CUMULATIVE = GOOD.format(vote_type="cumulative")
WITH_SELECTED = (
    APPROVAL.replace("project_id;cost;name", "project_id;cost;name;selected")
    .replace("1;60;One", "1;60;One;1")
    .replace("2;50;Two", "2;50;Two;0")
    .replace("3;40;Three", "3;40;Three;1")
)
HUGE = "1e2000000000"
ONE_LINE = re.compile(r"^(?P<where>[^\n]+?)(:(?P<line>\d+))?: (?P<reason>[^\n]+)\n$")
FAST_SECONDS = 5


def _write(tmp_path: Path, text: str, name: str = "election.pb") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _refused(capsys: pytest.CaptureFixture[str], *args: str) -> re.Match[str]:
    """Run in process; assert exit 2, one line on stderr, nothing on stdout, within a few seconds."""
    out = io.StringIO()
    start = time.perf_counter()
    with pytest.raises(SystemExit) as exit_info:
        call_command("tally_pb", *args, stdout=out)
    assert time.perf_counter() - start < FAST_SECONDS
    assert exit_info.value.code == 2
    assert out.getvalue() == ""
    err = capsys.readouterr().err
    match = ONE_LINE.match(err)
    assert match, err
    return match


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        (APPROVAL.replace("2;50;Two", f"2;{HUGE};Two"), 9, "exponent"),
        (APPROVAL.replace("budget;100", f"budget;{HUGE}"), 3, "exponent"),
        (CUMULATIVE.replace("v3;2;3;1", f"v3;2;{HUGE};1"), 15, "exponent"),
        (CUMULATIVE.replace("v3;2;3;1", "v3;2;" + "9" * 5000 + ";1"), 15, "points '999"),
        (APPROVAL.replace("v3;2;3;1", f"v3;2;3;{HUGE}"), 15, "exponent"),
        (APPROVAL.replace("v3;2;3;1", "v3;2;3;NaN"), 15, "not a number"),
        (APPROVAL.replace("v3;2;3;1", "v3;2;3;Infinity"), 15, "not a number"),
        (APPROVAL.replace("v3;2;3;1", "v3;2;3;-1"), 15, "negative"),
        (APPROVAL.replace("rule;", "max_length;0\nrule;"), 5, "below 1"),
        (APPROVAL.replace("rule;", "max_length;1\nrule;"), 14, "more than max_length 1"),
        (APPROVAL.replace("rule;", "max_length;" + "9" * 40 + "\nrule;"), 5, "digits"),
        (APPROVAL.replace("rule;", "max_length;2\nmin_length;3\nrule;"), 6, "above max_length"),
        (APPROVAL.replace("vote_type;approval", "vote_type;choose-0"), 4, "at least one project"),
        (WITH_SELECTED.replace("1;60;One;1", "1;60;One;" + "9" * 40), 8, "digits"),
        (APPROVAL.replace("One", "x" * (200 * 1024)), 8, "field larger than field limit"),
    ],
    ids=[
        "cost-exponent", "budget-exponent", "points-exponent", "points-5000-digits", "weight-exponent",
        "weight-nan", "weight-infinity", "weight-negative", "max-length-zero", "ballot-over-max-length",
        "max-length-40-digits", "min-over-max-length", "choose-0", "selected-40-digits", "field-over-128KB",
    ],
)
def test_bad_number_or_field_in_file_is_one_line_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, line: int, reason: str
) -> None:
    path = _write(tmp_path, text)
    match = _refused(capsys, path, "--json")
    assert match["where"] == path and match["line"] == str(line)
    assert reason in match["reason"]


@pytest.mark.parametrize(
    ("option", "value", "reason"),
    [
        ("--increment", HUGE, "exponent"),
        ("--increment", "NaN", "not a number"),
        ("--increment", "0", "must be positive"),
        ("--threshold", HUGE, "exponent"),
        ("--tie-break", "coin-toss", "unknown tie-breaking"),
        ("--rule", "borda", "invalid choice"),
        ("--completion", "add2", "invalid choice"),
    ],
)
def test_bad_option_is_one_line_naming_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, value: str, reason: str
) -> None:
    path = _write(tmp_path, APPROVAL)
    rule = ["--rule", "greedy"] if option == "--threshold" else []
    match = _refused(capsys, path, *rule, option, value)
    assert match["where"] == "tally_pb" and reason in match["reason"]


def test_increment_too_small_for_the_budget_is_refused_before_counting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, APPROVAL)
    assert "pass a larger increment" in _refused(capsys, path, "--increment", "1e-30")["reason"]


def test_missing_file_and_directory_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "no such file" in _refused(capsys, str(tmp_path / "nope.pb"))["reason"]
    assert "directory" in _refused(capsys, str(tmp_path))["reason"]


def test_output_is_written_whole_or_not_at_all(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, APPROVAL)
    target = tmp_path / "result.json"
    call_command("tally_pb", path, "--json", "--output", str(target), stdout=io.StringIO())
    assert json.loads(target.read_text(encoding="utf-8"))["selected"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["election.pb", "result.json"]
    # A bad count leaves the previous output untouched and no temporary file behind.
    bad = _write(tmp_path, APPROVAL.replace("budget;100", "budget;lots"), "bad.pb")
    before = target.read_text(encoding="utf-8")
    _refused(capsys, bad, "--json", "--output", str(target))
    assert target.read_text(encoding="utf-8") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.pb", "election.pb", "result.json"]


@pytest.mark.parametrize("where", ["missing-dir/out.json", "."], ids=["missing-directory", "a-directory"])
def test_unwritable_output_path_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str) -> None:
    path = _write(tmp_path, APPROVAL)
    target = tmp_path / where
    match = _refused(capsys, path, "--json", "--output", str(target))
    assert "cannot write" in match["reason"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["election.pb"]


def test_output_to_a_pipe_is_refused_and_a_link_writes_its_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, APPROVAL)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert "not a regular file" in _refused(capsys, path, "--json", "--output", str(fifo))["reason"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    target, link = tmp_path / "result.json", tmp_path / "latest.json"
    target.write_text("old", encoding="utf-8")
    link.symlink_to(target)
    call_command("tally_pb", path, "--json", "--output", str(link), stdout=io.StringIO())
    assert link.is_symlink() and json.loads(target.read_text(encoding="utf-8"))["engine"] == "pb"


def _command(*args: str, close_stdout: bool = False) -> tuple[int, str, str]:
    process = subprocess.Popen(
        [sys.executable, "manage.py", "tally_pb", *args],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    if close_stdout:
        assert process.stdout is not None
        process.stdout.close()  # like `| head` that has read all it wanted
        err = process.stderr.read() if process.stderr else ""
        return process.wait(timeout=120), "", err
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


def test_closed_stdout_ends_without_a_traceback(tmp_path: Path) -> None:
    path = _write(tmp_path, APPROVAL)
    status, _, err = _command(path, "--explain", close_stdout=True)
    assert "Traceback" not in err and "Error" not in err, err
    assert status == 0


def test_argument_errors_from_the_command_line_are_one_line(tmp_path: Path) -> None:
    path = _write(tmp_path, APPROVAL)
    status, out, err = _command(path, "--rule", "borda")
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("tally_pb: ") and "borda" in err
