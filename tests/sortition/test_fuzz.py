"""Seeded byte mutations of the shared real pool and quota files and of a selection report, run
through ``select_panel`` and ``verify_panel``: every run ends in a result or a clean refusal (exit 1
for infeasible quotas or a report that does not match, exit 2 with one ``FILE:LINE: reason`` line
for bad input), never another exception (a traceback on the command line), never a hang, and
``select_panel`` leaves either both its files complete or nothing at all.

The commands run in-process through ``call_command`` (the same ``execute`` path as the command line,
which raises where the command line prints), so the whole test stays well under 30 seconds; two
mutated files also go through the real command line to check what a person sees.
"""

from __future__ import annotations

import csv
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.shared_data import REPO_ROOT

from .helpers import SF_SAMPLE, SMALL_20, SharedInstance, paths

SEED = 20261201
RUNS_PER_FILE = 25
SECONDS_PER_RUN = 5.0
TOKENS = (
    b"1e2000000000",
    b"NaN",
    b"-Infinity",
    b"-1",
    b"99999999999999999999",
    b"\x00",
    b"\xff\xfe",
    b'"',
    b",",
    b"\n",
    b"\r",
    b"x" * 140_000,
    b"2.5",
    b"\xef\xbb\xbf",
)


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One of: flip a byte, delete a span, insert a hostile token, duplicate a line, truncate."""
    position = rng.randrange(len(data))
    kind = rng.randrange(5)
    if kind == 0:
        return data[:position] + bytes([rng.randrange(256)]) + data[position + 1 :]
    if kind == 1:
        return data[:position] + data[position + rng.randrange(1, 40) :]
    if kind == 2:
        return data[:position] + rng.choice(TOKENS) + data[position:]
    if kind == 3:
        lines = data.split(b"\n")
        line = rng.randrange(len(lines))
        return b"\n".join([*lines[: line + 1], lines[line], *lines[line + 1 :]])
    return data[:position]


def assert_clean_refusal(error: CommandError, allowed: tuple[int, ...]) -> None:
    assert error.returncode in allowed, str(error)
    if error.returncode == 2:
        assert "\n" not in str(error), str(error)
        assert ": " in str(error)


def select(people: Path, categories: Path, size: int, out: Path) -> int:
    """Run select_panel; check the exit contract and that out/ holds both files or nothing."""
    start = time.monotonic()
    status = 0
    try:
        call_command(
            "select_panel",
            people=str(people),
            categories=str(categories),
            size=str(size),
            algorithm="maximin",
            report=str(out / "report.json"),
            output=str(out / "panel.csv"),
        )
    except CommandError as error:
        assert_clean_refusal(error, (1, 2))
        status = error.returncode
    assert time.monotonic() - start < SECONDS_PER_RUN
    written = sorted(path.name for path in out.iterdir())
    if status:
        assert written == [], f"a refused run left {written}"
    else:
        assert written == ["panel.csv", "report.json"]
        report = json.loads((out / "report.json").read_text())
        with (out / "panel.csv").open(newline="", encoding="utf-8") as handle:
            assert len(list(csv.reader(handle))) == len(report["panel"]) + 1
    return status


@pytest.mark.parametrize("shared", [SF_SAMPLE, SMALL_20], ids=lambda s: s.name)
@pytest.mark.parametrize("which", ["people", "categories"])
def test_select_panel_on_mutated_files_succeeds_or_refuses_cleanly(tmp_path, capsys, shared: SharedInstance, which):
    people, categories = (Path(p) for p in paths(shared))
    original = (people if which == "people" else categories).read_bytes()
    rng = random.Random(f"{SEED}-{shared.name}-{which}")
    statuses = []
    for run in range(RUNS_PER_FILE):
        mutated = tmp_path / f"{run}-{which}.csv"
        mutated.write_bytes(mutate(original, rng))
        out = tmp_path / f"out-{run}"
        out.mkdir()
        statuses.append(
            select(mutated if which == "people" else people, mutated if which == "categories" else categories, shared.size, out)
        )
        capsys.readouterr()
    assert 2 in statuses  # the mutations do reach the readers' refusals


def test_verify_panel_on_mutated_reports_matches_or_refuses_cleanly(tmp_path, capsys):
    people, categories = paths(SMALL_20)
    genuine = tmp_path / "report.json"
    call_command("select_panel", people=people, categories=categories, size="20", algorithm="maximin", report=str(genuine))
    original = genuine.read_bytes()
    rng = random.Random(f"{SEED}-report")
    statuses = []
    for run in range(2 * RUNS_PER_FILE):
        mutated = tmp_path / f"{run}-report.json"
        mutated.write_bytes(mutate(original, rng))
        start = time.monotonic()
        try:
            call_command("verify_panel", str(mutated))
            statuses.append(0)
        except CommandError as error:
            assert_clean_refusal(error, (1, 2))
            statuses.append(error.returncode)
        assert time.monotonic() - start < SECONDS_PER_RUN
        capsys.readouterr()
    assert 2 in statuses


def test_mutated_files_on_the_command_line_print_one_line_and_no_traceback(tmp_path):
    people, categories = paths(SF_SAMPLE)
    header, first, rest = Path(categories).read_bytes().split(b"\n", 2)
    cells = first.split(b",")
    cases = [
        b"\n".join([header, b"x" * 140_000 + first, rest]),  # a field over 128 KB
        b"\n".join([header, b",".join([*cells[:2], b"1e2000000000", *cells[3:]]), rest]),  # a hostile min
    ]
    for number, data in enumerate(cases):
        mutated = tmp_path / f"{number}.csv"
        mutated.write_bytes(data)
        out = tmp_path / f"out-{number}"
        out.mkdir()
        completed = subprocess.run(
            [sys.executable, "manage.py", "select_panel", "--people", people, "--categories", str(mutated),
             "--size", "22", "--report", str(out / "r.json"), "--output", str(out / "p.csv")],
            cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONHASHSEED": "0"},
        )
        assert completed.returncode == 2, completed.stderr
        assert len(completed.stderr.strip().splitlines()) == 1, completed.stderr
        assert completed.stderr.startswith(f"{mutated}:2: ")
        assert list(out.iterdir()) == []
