"""Byte mutations of the shared real ``.pb`` files: ``tally_pb`` exits 0 or 2, never a traceback.

Each mutant (seeded, so a failure can be replayed from its seed) is counted in process with
``--output``: the command must either write a complete JSON result or exit with status 2 and
exactly one line on stderr, within a few seconds, and leave no temporary or half-written file.
A few mutants also go through ``manage.py`` in a subprocess, where a traceback would show.
The whole test is bounded in time (``BUDGET_SECONDS``), so it stays well under half a minute.
"""

from __future__ import annotations

import io
import json
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest
from django.core.management import call_command

from tests.shared_data import REPO_ROOT, shared_path

FILES = [
    "Netherlands_Assen_2024.pb",  # equalshares/add1
    "Poland_Warszawa_2017_Sadul.pb",  # greedy
    "Poland_Gdynia_2020_Orlowo__small.pb",  # greedy-no-skip with a threshold
    "Poland_Czestochowa_2024_Ostatni_Grosz.pb",  # cumulative
    "Poland_Krakow_2019_Bienczyce.pb",  # ordinal
]
SEED = 20261201
MUTANTS_PER_FILE = 60
BUDGET_SECONDS = 15.0
RUN_SECONDS = 5
SUBPROCESS_MUTANTS = 1
TOKENS = [
    b"1e2000000000", b"NaN", b"-Infinity", b"9" * 400, b"-1", b"0", b";", b'"', b"\n", b"\r\n", b",",
    b"\x00", b"\xff\xfe", b"META\n", b"VOTES\n", b"PROJECTS\n", b"1/0", b"0x10", b" ", b"\xc5\x82",
]


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One to three random edits: flip, delete, insert a token, duplicate or drop a line, truncate."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        if not out:
            break
        at = rng.randrange(len(out))
        kind = rng.randrange(6)
        if kind == 0:
            out[at] ^= 1 << rng.randrange(8)
        elif kind == 1:
            del out[at : at + rng.randint(1, 40)]
        elif kind == 2:
            out[at:at] = rng.choice(TOKENS)
        elif kind == 3:
            start = out.rfind(b"\n", 0, at) + 1
            end = out.find(b"\n", at)
            end = len(out) if end < 0 else end + 1
            out[start:start] = out[start:end]
        elif kind == 4:
            start = out.rfind(b"\n", 0, at) + 1
            end = out.find(b"\n", at)
            del out[start : len(out) if end < 0 else end + 1]
        else:
            del out[at:]
    return bytes(out)


class Hang(Exception):
    """A run took longer than RUN_SECONDS."""


def on_alarm(signum: int, frame: FrameType | None) -> None:
    raise Hang


def mutants() -> Iterator[tuple[str, int, bytes]]:
    for name in FILES:
        data = shared_path("pabulib", name).read_bytes()
        for number in range(MUTANTS_PER_FILE):
            seed = SEED + 1000 * FILES.index(name) + number
            yield name, seed, mutate(data, random.Random(seed))


def check_one_run(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, seed: int, data: bytes) -> int:
    """Count one mutant; return its exit status after checking the contract."""
    source = tmp_path / "mutant.pb"
    target = tmp_path / "result.json"
    source.write_bytes(data)
    target.unlink(missing_ok=True)
    status = 0
    signal.setitimer(signal.ITIMER_REAL, RUN_SECONDS)  # on_alarm raises Hang when it expires
    try:
        call_command("tally_pb", str(source), "--json", "--output", str(target), stdout=io.StringIO())
    except SystemExit as exit_:
        status = int(exit_.code or 0)
    except Hang:
        pytest.fail(f"{name} seed {seed}: no answer within {RUN_SECONDS} s")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    err = capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["mutant.pb"] + (["result.json"] if status == 0 else [])
    ), (name, seed)
    if status == 0:
        assert err == "", (name, seed, err)
        result = json.loads(target.read_text(encoding="utf-8"))
        assert result["engine"] == "pb" and result["total_cost"] <= result["budget"], (name, seed)
    else:
        assert status == 2, (name, seed, status)
        assert err.endswith("\n") and err.count("\n") == 1 and err.startswith(f"{source}"), (name, seed, err)
    return status


def test_mutated_real_files_exit_0_or_2_with_one_line_and_nothing_half_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    start = time.perf_counter()
    statuses: dict[int, int] = {}
    previous = signal.signal(signal.SIGALRM, on_alarm)
    try:
        for name, seed, data in mutants():
            if time.perf_counter() - start > BUDGET_SECONDS:
                break
            status = check_one_run(tmp_path, capsys, name, seed, data)
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        signal.signal(signal.SIGALRM, previous)
    assert sum(statuses.values()) >= 50, statuses  # the budget allowed a meaningful number of runs
    assert statuses.get(2, 0) >= 10 and statuses.get(0, 0) >= 5, statuses  # both outcomes were reached


def test_mutated_files_through_manage_py_print_no_traceback(tmp_path: Path) -> None:
    refused = 0
    for name, seed, data in mutants():
        if refused == SUBPROCESS_MUTANTS:
            break
        source = tmp_path / f"{seed}.pb"
        source.write_bytes(data)
        completed = subprocess.run(
            [sys.executable, "manage.py", "tally_pb", str(source), "--json"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert "Traceback" not in completed.stderr, (name, seed, completed.stderr)
        assert completed.returncode in (0, 2), (name, seed, completed.returncode)
        if completed.returncode == 2:
            refused += 1
            assert completed.stdout == "" and completed.stderr.count("\n") == 1, (name, seed, completed.stderr)
        else:
            json.loads(completed.stdout)
