"""Count every shared pabulib file with its declared rule and compare with the official outcome.

    .venv/bin/python benchmarks/pb_conformance.py [--files NAME ...]

Prints one row per file: the declared rule, size, the official number of funded projects, ours,
whether the sets agree, and the time to read and to count. ``exception`` marks the files listed,
with their evidence, in ``tests/voting/pb_exceptions.py``; ``refused`` marks ``rule=unknown``
(no official rule to reproduce); ``no official`` marks files without a ``selected`` column.
The pytest suite runs the same check (``tests/voting/test_pb_conformance.py``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("CIVIC_SHARED_DATA", REPO.parent / "shared" / "data")) / "pabulib"

from tests.voting.pb_exceptions import OFFICIAL_EXCEPTIONS, official_outcome  # noqa: E402
from voting.formats.pabulib import PabulibError, read_pb  # noqa: E402
from voting.pb import PBError, count  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", nargs="*", help="file names under shared/data/pabulib (default: all)")
    args = parser.parse_args()
    names = args.files or sorted(p.name for p in SHARED.glob("*.pb"))
    header = f"{'file':62} {'rule':28} {'voters':>8} {'official':>8} {'ours':>5} {'result':>12} {'read s':>7} {'count s':>7}"
    print(header)
    print("-" * len(header))
    tally = {"match": 0, "exception": 0, "MISMATCH": 0, "refused": 0, "no official": 0, "error": 0}
    for name in names:
        start = time.perf_counter()
        try:
            pb = read_pb(SHARED / name)
        except PabulibError as error:
            print(f"{name[:62]:62} {'':28} {'':>8} {'':>8} {'':>5} {'error':>12}  {error}")
            tally["error"] += 1
            continue
        read_seconds = time.perf_counter() - start
        rule = pb.rule or ""
        start = time.perf_counter()
        try:
            result = count(rule, pb.instance, pb.profile)
        except PBError:
            status, ours = "refused", "-"
        else:
            ours = str(len(result.selected))
            if not pb.selected_official:
                status = "no official"
            elif set(result.selected) == official_outcome(pb):
                status = "match"
            elif name in OFFICIAL_EXCEPTIONS:
                status = "exception"
            else:
                status = "MISMATCH"
        count_seconds = time.perf_counter() - start
        tally[status] += 1
        official = str(len(official_outcome(pb))) if pb.selected_official else "-"
        print(
            f"{name.removesuffix('.pb')[:62]:62} {rule[:28]:28} {len(pb.profile.ballots):>8,} {official:>8} {ours:>5} "
            f"{status:>12} {read_seconds:7.2f} {count_seconds:7.2f}",
            flush=True,
        )
    print("\n" + ", ".join(f"{key}: {value}" for key, value in tally.items()))
    return 1 if tally["MISMATCH"] or tally["error"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
