"""Fuzz ``tally_ranked`` with byte-mutated copies of the shared real files.

Every mutated file must either count (exit 0) or be refused with exit 2 and one
``FILE[:LINE]: reason`` line: no traceback, no hang, and no output file half-written. Mutations
are seeded (the same cases on every run) and the whole test is bounded in time.

Most cases run in-process through ``call_command`` (a Python exception other than the
command's own bad-input ``CommandError`` fails the test); a few run the real command line to
check the exit status and the single line on stderr.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.shared_data import REPO_ROOT, shared_path
from voting.formats import ballot_export, blt
from voting.formats.ranked_scot import read_scot_csv

CASES_PER_SEED = 40
BUDGET_SECONDS = 12.0
"""Wall-clock bound of the in-process part (the cases are seeded; the budget only cuts a slow run)."""
CASE_SECONDS = 5
"""A single case taking longer than this is a hang."""

TOKENS = [
    b"NaN", b"Infinity", b"-1", b"0", b"1e2000000000", b"99999999999999999999", b"1.5", b"\xff\xfe",
    b'"', b",", b"=", b"-", b"{", b"}", b"[", b"]", b"<", b"\n", b"\x00", b"9" * 40,
]


ODD_VALUES: list[object] = [None, [], {}, "", "x", -1, 0, 1.5, 10**40, True, [[[[]]]], {"@id": []}, "NaN"]


def mutate_json(data: bytes, rng: random.Random) -> bytes:
    """Valid JSON with one value replaced by a value of another type (reaches past the parser)."""
    document = json.loads(data)
    containers: list[object] = []
    stack: list[object] = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict | list) and node:
            containers.append(node)
            stack.extend(node.values() if isinstance(node, dict) else node)
    if containers:
        target = rng.choice(containers)
        if isinstance(target, dict):
            target[rng.choice(list(target))] = rng.choice(ODD_VALUES)
        elif isinstance(target, list):
            target[rng.randrange(len(target))] = rng.choice(ODD_VALUES)
    return json.dumps(document).encode()


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One to four random edits: flip, insert a token, delete, duplicate or truncate; or, for
    JSON, a value of the wrong type."""
    if data.lstrip().startswith(b"{") and rng.random() < 0.5:
        return mutate_json(data, rng)
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        kind = rng.randrange(6)
        at = rng.randrange(len(out) + 1) if out else 0
        if kind == 0 and out:
            out[min(at, len(out) - 1)] ^= 1 << rng.randrange(8)
        elif kind == 1:
            out[at:at] = rng.choice(TOKENS)
        elif kind == 2:
            del out[at : at + rng.randint(1, 16)]
        elif kind == 3:
            chunk = out[at : at + rng.randint(1, 64)]
            out[at:at] = chunk
        elif kind == 4:
            del out[at:]
        else:
            digits = [i for i, b in enumerate(out) if 48 <= b <= 57]
            if digits:
                i = rng.choice(digits)
                out[i : i + 1] = rng.choice(TOKENS[:8])
    return bytes(out)


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(f"case took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def run_in_process(args: list[str], output: Path) -> str:
    """Run the command; return "" on success or the one bad-input line. Anything else raises."""
    with time_limit(CASE_SECONDS):
        try:
            call_command("tally_ranked", *args, "--json", "--output", str(output), stdout=StringIO())
        except CommandError as error:
            assert error.returncode == 2, error
            return str(error)
    return ""


def check_case(args: list[str], work: Path, label: str) -> str:
    output = work / "out" / "result.json"
    output.parent.mkdir(exist_ok=True)
    for leftover in output.parent.iterdir():
        leftover.unlink()
    try:
        line = run_in_process(args, output)
    except Exception as error:  # noqa: BLE001 - reported with the case that caused it
        raise AssertionError(f"{label}: {type(error).__name__}: {error}") from error
    written = sorted(p.name for p in output.parent.iterdir())
    if line:
        assert "\n" not in line and line.strip(), f"{label}: {line!r}"
        assert written == [], f"{label}: refused but wrote {written}"
    else:
        assert written == ["result.json"], f"{label}: counted but wrote {written}"
    return line


def seed_files(work: Path) -> list[tuple[str, Path, Callable[[Path], list[str]]]]:
    """(label, file to mutate, arguments for the command) for each kind of input."""
    scot = shared_path("ranked", "scotland", "4_cands", "aberdeen_2017_ward11.csv")
    profile = read_scot_csv(scot)
    (work / "ward.blt").write_text(blt.write_blt(profile))
    (work / "ward.json").write_text(ballot_export.dumps(profile))
    shutil.copy(scot, work / "ward.csv")
    cases: list[tuple[str, Path, Callable[[Path], list[str]]]] = [
        ("blt", work / "ward.blt", lambda p: [str(p)]),
        ("scot-csv", work / "ward.csv", lambda p: [str(p), "--method", "stv-scottish", "--seats", "2"]),
        ("ballot-export", work / "ward.json", lambda p: [str(p), "--method", "schulze"]),
    ]
    for case, cvr in (
        ("generic_csv_test", "generic_csv_test_cvr.csv"),
        ("nist_xml_cdf_2", "nist_xml_cdf_2.xml"),
        ("test_set_1_exhaust_at_overvote", "test_set_1_exhaust_at_overvote_cvr.json"),
    ):
        folder = work / case
        shutil.copytree(shared_path("ranked", "rctab", case), folder)
        config = folder / f"{case}_config.json"
        cases.append((f"{case} config", config, lambda p: ["--rctab-config", str(p)]))
        cases.append((f"{case} cvr", folder / cvr, lambda p, c=config: [str(p), "--rctab-config", str(c)]))
    return cases


def test_mutated_real_files_count_or_are_refused_in_one_line(tmp_path):
    cases = seed_files(tmp_path)
    started = time.monotonic()
    outcomes = {"counted": 0, "refused": 0}
    for seed, (label, path, arguments) in enumerate(cases):
        original = path.read_bytes()
        rng = random.Random(f"ranked-fuzz-{seed}")
        for number in range(CASES_PER_SEED):
            if time.monotonic() - started > BUDGET_SECONDS:
                break
            path.write_bytes(mutate(original, rng))
            line = check_case(arguments(path), tmp_path, f"{label} mutation {number}")
            outcomes["refused" if line else "counted"] += 1
        path.write_bytes(original)
    assert outcomes["refused"] >= 20 and sum(outcomes.values()) >= 100, outcomes


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ('2 1\nNaN 1 2 0\n0\n"a"\n"b"\n', ":2: ballot weight 'NaN' is not a number"),
        ('2 1\nInfinity 1 2 0\n0\n"a"\n"b"\n', ":2: ballot weight 'Infinity' is not a number"),
        ('2 1\n1e2000000000 1 2 0\n0\n"a"\n"b"\n', ":2: ballot weight '1e2000000000' has an exponent"),
        ('2 99999999999999999999\n1 1 2 0\n0\n"a"\n"b"\n', ":1: number of seats"),
        ('2 1\n0\n"a"\n"b"\n', ": the file holds no ballots"),
        ('2 3\n1 1 2 0\n0\n"a"\n"b"\n', ":1: 3 seats but only 2 candidates"),
    ],
)
def test_bad_numbers_and_empty_contests_are_refused_in_one_line(tmp_path, content, needle):
    path = tmp_path / "bad.blt"
    path.write_text(content)
    output = tmp_path / "out.json"
    with pytest.raises(CommandError) as info:
        call_command("tally_ranked", str(path), "--json", "--output", str(output), stdout=StringIO())
    line = str(info.value)
    assert info.value.returncode == 2 and "\n" not in line
    assert line.startswith(str(path)) and needle in line, line
    assert list(tmp_path.iterdir()) == [path]


def test_the_command_line_prints_the_one_line_alone_and_exits_2(tmp_path):
    path = tmp_path / "bad.blt"
    path.write_text('2 1\nNaN 1 2 0\n0\n"a"\n"b"\n')
    proc = subprocess.run(
        [sys.executable, "manage.py", "tally_ranked", str(path), "--json"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr == f"{path}:2: ballot weight 'NaN' is not a number\n"
    assert proc.stdout == ""


def test_rctab_config_without_cvr_sources_is_refused(tmp_path):
    folder = shared_path("ranked", "rctab", "generic_csv_test")
    config = (folder / "generic_csv_test_config.json").read_text()
    data = json.loads(config)
    data["cvrFileSources"] = []
    path = tmp_path / "config.json"
    path.write_text(json.dumps(data))
    with pytest.raises(CommandError) as info:
        call_command("tally_ranked", "--rctab-config", str(path), stdout=StringIO())
    assert info.value.returncode == 2
    assert str(info.value) == f"{path}: the configuration lists no CVR sources (cvrFileSources)"


def test_more_seats_than_candidates_is_refused(tmp_path):
    ward = shared_path("ranked", "scotland", "4_cands", "aberdeen_2017_ward11.csv")
    with pytest.raises(CommandError) as info:
        call_command("tally_ranked", str(ward), "--seats", "5", "--method", "stv-meek", stdout=StringIO())
    assert str(info.value) == f"{ward}: 5 seats but only 4 candidates standing"


@pytest.mark.parametrize("where", ["missing/out.json", "a-directory"])
def test_output_path_missing_or_a_directory_exits_2_and_leaves_nothing(tmp_path, where):
    """(A full disk goes through the same ``engines.files.atomic_write``, tested with the kernel.)"""
    ward = shared_path("ranked", "scotland", "4_cands", "aberdeen_2017_ward11.csv")
    (tmp_path / "a-directory").mkdir()
    target = str(tmp_path / where)
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(CommandError) as info:
        call_command("tally_ranked", str(ward), "--json", "--output", target, stdout=StringIO())
    assert info.value.returncode == 2
    assert str(info.value).startswith(f"{target}: cannot write"), str(info.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_output_to_a_pipe_or_device_is_refused_and_a_link_writes_its_target(tmp_path):
    ward = shared_path("ranked", "scotland", "4_cands", "aberdeen_2017_ward11.csv")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(CommandError) as info:
        call_command("tally_ranked", str(ward), "--json", "--output", str(fifo), stdout=StringIO())
    assert str(info.value) == f"{fifo}: cannot write: not a regular file"
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    target, link = tmp_path / "result.json", tmp_path / "latest.json"
    target.write_text("old")
    link.symlink_to(target)
    call_command("tally_ranked", str(ward), "--json", "--output", str(link), stdout=StringIO())
    assert link.is_symlink() and json.loads(target.read_text())["engine"] == "ranked"


def test_closed_stdout_ends_quietly_without_a_traceback():
    ward = shared_path("ranked", "scotland", "4_cands", "aberdeen_2017_ward11.csv")
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "tally_ranked", str(ward), "--json", "--method", "stv-meek", "--seats", "2"],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader has gone before the count is printed, as with `| head` on a long output
    stderr = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr
