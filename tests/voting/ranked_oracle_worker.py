"""Run pref_voting in its own environment (``.venv-oracle``), as a subprocess answering JSON lines.

Why a separate environment: pref_voting needs numba, and numba caps NumPy (below 2.4 for the
numba pref_voting pins), while civic's runtime moves with NumPy. ``make oracle-venv`` builds
``.venv-oracle`` from ``requirements-oracle.txt``; ``CIVIC_ORACLE_PYTHON`` may point elsewhere.
Why a subprocess anyway: pref_voting imports OR-Tools, whose bundled HiGHS clashes with the HiGHS
that pabutools' solver stack loads in the pytest process.

This file is both sides: the test process imports :class:`Oracle`; the oracle interpreter runs
this file as a script (``_serve``), reading one JSON request per line on stdin and writing one
JSON answer per line on stdout. It imports nothing from civic, so the oracle environment needs
only pref_voting.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
ORACLE_PYTHON = Path(os.environ.get("CIVIC_ORACLE_PYTHON") or REPO_ROOT / ".venv-oracle" / "bin" / "python")
TIMEOUT = 60.0


def _winners(method: str, m: int, orders: list[list[int]], truncated: bool, seats: int = 1) -> list[int]:
    from pref_voting.c1_methods import copeland
    from pref_voting.iterative_methods import instant_runoff, instant_runoff_put
    from pref_voting.margin_based_methods import beat_path, ranked_pairs
    from pref_voting.profiles import Profile
    from pref_voting.profiles_with_ties import ProfileWithTies
    from pref_voting.proportional_methods import stv_meek, stv_scottish
    from pref_voting.scoring_methods import borda

    methods = {
        "schulze": beat_path,
        # "from_stacks" finds every ranked-pairs winner without enumerating all tie orders,
        # which the default algorithm does (hours once a few margins are equal).
        "ranked_pairs": lambda p: ranked_pairs(p, algorithm="from_stacks"),
        "copeland": copeland,
        "borda": borda,
        "irv": instant_runoff,
        "irv_put": instant_runoff_put,
        "stv_scottish": lambda p: stv_scottish(p, num_seats=seats),
        "stv_meek": lambda p: stv_meek(p, num_seats=seats),
    }
    if truncated:
        grouped = Counter(tuple(o) for o in orders)
        profile: Any = ProfileWithTies(
            [{c: r for r, c in enumerate(o, start=1)} for o in grouped],
            rcounts=list(grouped.values()),
            candidates=list(range(m)),
        )
        profile.use_extended_strict_preference()
    else:
        profile = Profile(orders)
    return [int(c) for c in methods[method](profile)]


def _serve() -> None:
    """The oracle side: answer requests until stdin closes."""
    for line in sys.stdin:
        request = json.loads(line)
        try:
            answer: dict[str, Any] = {"winners": _winners(**request)}
        except Exception as error:  # noqa: BLE001 - reported to the test, which fails with it
            answer = {"error": f"{type(error).__name__}: {error}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


class OracleUnavailable(RuntimeError):
    """The oracle environment is missing or pref_voting does not start in it."""


class Oracle:
    """One pref_voting subprocess answering ``winners(method, m, orders)`` calls."""

    def __init__(self, python: Path = ORACLE_PYTHON) -> None:
        if not python.exists():
            raise OracleUnavailable(f"no oracle interpreter at {python} (run `make oracle-venv`)")
        self.python = python
        self._process = self._start()

    def _start(self) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [str(self.python), str(Path(__file__).resolve())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=REPO_ROOT,
        )

    def winners(
        self, method: str, m: int, orders: list[list[int]], *, truncated: bool = False, seats: int = 1
    ) -> set[int]:
        request = {"method": method, "m": m, "orders": orders, "truncated": truncated, "seats": seats}
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        with selectors.DefaultSelector() as selector:
            selector.register(self._process.stdout, selectors.EVENT_READ)
            if not selector.select(TIMEOUT):
                # A stuck oracle would make every later call wait behind it: replace it, then fail.
                self.close()
                self._process = self._start()
                raise TimeoutError(f"pref_voting gave no answer to {method} within {TIMEOUT:.0f} s")
        line = self._process.stdout.readline()
        if not line:
            raise OracleUnavailable("the pref_voting oracle process ended")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"pref_voting failed on {method}: {answer['error']}")
        return set(answer["winners"])

    def check(self) -> None:
        """Raise :class:`OracleUnavailable` unless the oracle answers a trivial question right."""
        try:
            answer = self.winners("copeland", 2, [[0, 1]])
        except (OSError, ValueError, RuntimeError, TimeoutError) as error:
            raise OracleUnavailable(f"pref_voting does not run in {self.python}: {error}") from error
        if answer != {0}:
            raise OracleUnavailable(f"pref_voting answered {answer} to a one-ballot Copeland count")

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        for stream in (self._process.stdin, self._process.stdout):
            if stream is not None:
                stream.close()


if __name__ == "__main__":
    _serve()
