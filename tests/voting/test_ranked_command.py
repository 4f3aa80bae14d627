"""``manage.py tally_ranked``: JSON output, RCTab configurations, and clean failures."""

from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.shared_data import REPO_ROOT, shared_path

BLT = '3 1\n4 1 2 0\n3 2 3 0\n2 3 2 0\n0\n"Ann"\n"Bo"\n"Cy"\n"Poll"\n'


def run(*args: str) -> dict:
    out = StringIO()
    call_command("tally_ranked", *args, stdout=out)
    return json.loads(out.getvalue())


def test_json_output_has_method_seats_elected_and_rounds(tmp_path):
    path = tmp_path / "poll.blt"
    path.write_text(BLT)
    data = run(str(path), "--json")
    assert data["method"] == "irv" and data["seats"] == 1
    assert data["elected"] == ["Bo"]
    assert [r["tallies"] for r in data["rounds"]] == [{"Ann": 4, "Bo": 3, "Cy": 2}, {"Ann": 4, "Bo": 5}]
    assert data["rounds"][0]["eliminated"] == ["Cy"]


@pytest.mark.parametrize("method", ["irv", "stv-scottish", "stv-meek", "schulze", "ranked-pairs", "copeland", "borda"])
def test_every_method_runs_from_the_command_line(tmp_path, method):
    path = tmp_path / "poll.blt"
    path.write_text(BLT)
    data = run(str(path), "--method", method, "--json")
    assert data["method"] == method
    assert len(data["elected"]) == 1


def test_seats_option_drives_a_multi_seat_count():
    ward = shared_path("ranked", "scotland", "4_cands", "aberdeen_2017_ward11.csv")
    data = run(str(ward), "--method", "stv-scottish", "--seats", "2", "--json")
    assert data["seats"] == 2 and len(data["elected"]) == 2


def test_rctab_config_prints_rctab_round_tallies():
    folder = shared_path("ranked", "rctab", "generic_csv_test")
    data = run("--rctab-config", str(folder / "generic_csv_test_config.json"), "--json")
    expected = json.loads((folder / "generic_csv_test_expected_detailed_report.json").read_text())
    assert data["elected"] == ["Cucumber"]
    assert [r["tally"] for r in data["rctab_rounds"]] == [r["tally"] for r in expected["results"]]


def test_text_output_lists_rounds_and_winner(tmp_path):
    path = tmp_path / "poll.blt"
    path.write_text(BLT)
    out = StringIO()
    call_command("tally_ranked", str(path), stdout=out)
    assert "Round 2" in out.getvalue() and "Elected: Bo" in out.getvalue()


def test_bad_file_raises_command_error_with_exit_status_2(tmp_path):
    path = tmp_path / "bad.blt"
    path.write_text('2 1\n1 1 9 0\n0\n"a"\n"b"\n')
    with pytest.raises(CommandError) as info:
        call_command("tally_ranked", str(path))
    assert info.value.returncode == 2
    assert str(info.value) == f"{path}:2: candidate 9 out of range 1..2"


@pytest.mark.parametrize(
    ("content", "suffix", "needle"),
    [
        ('2 1\n1 1 9 0\n0\n"a"\n"b"\n', ".blt", ":2: candidate 9 out of range"),
        ('{"format": "civic-ranked-ballots", "version": 1,\n "candidates": [}', ".json", ":2: invalid JSON"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_no_traceback(tmp_path, content, suffix, needle):
    path = tmp_path / f"bad{suffix}"
    path.write_text(content)
    proc = subprocess.run(
        [sys.executable, "manage.py", "tally_ranked", str(path), "--json"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert str(path) in lines[0] and needle in lines[0]
    assert "Traceback" not in proc.stderr


def test_rctab_rank_limit_violation_exits_2_naming_the_cvr_line():
    config = shared_path("ranked", "rctab", "max_ranking_enforcement", "max_ranking_enforcement_config.json")
    proc = subprocess.run(
        [sys.executable, "manage.py", "tally_ranked", "--rctab-config", str(config)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    line = proc.stderr.strip()
    assert "\n" not in line
    assert "max_ranking_enforcement_cvr.csv:2:" in line and "maxRankingsAllowed" in line


def test_missing_file_exits_2(tmp_path):
    proc = subprocess.run(
        [sys.executable, "manage.py", "tally_ranked", str(Path(tmp_path) / "nope.blt")],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2 and "nope.blt" in proc.stderr and "Traceback" not in proc.stderr


def test_a_cvr_file_given_with_an_rctab_config_is_read_with_the_config_settings():
    folder = shared_path("ranked", "rctab", "generic_csv_test")
    data = run(str(folder / "generic_csv_test_cvr.csv"), "--rctab-config", str(folder / "generic_csv_test_config.json"), "--json")
    assert data["elected"] == ["Cucumber"]
    assert len(data["rctab_rounds"]) == 4
