"""Benchmark: civic's ranked counts against pyrankvote and pref_voting, side by side.

Run from the repository root::

    .venv/bin/python benchmarks/ranked.py            # full sizes from issue #6
    .venv/bin/python benchmarks/ranked.py --quick    # a smaller smoke run
    .venv-oracle/bin/python benchmarks/ranked.py     # with the pref_voting column (its own environment)

Elections are synthetic and seeded (Plackett-Luce rankings with popular and fringe candidates,
truncated at a random length, as real ranked ballots are). Every library gets the same raw
ballots (lists of candidate indexes, best first). Two times are reported per library:

- *build ballots*: turning the raw lists into the library's own ballot structure (our grouped
  NumPy profile, pyrankvote's ``Ballot`` objects, pref_voting's ``ProfileWithTies``, which it needs
  for truncated ballots);
- *count*: the count itself on that structure, with our full round-by-round detail.

The ratios are shown for both the count alone and build + count, so neither flatters anyone.
Timings are the best of several runs with the garbage collector paused, as ``timeit`` does; the
pref_voting baseline runs once (it takes minutes at full size).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from voting.ranked.ballots import RankedProfile  # noqa: E402
from voting.ranked.irv import instant_runoff  # noqa: E402
from voting.ranked.stv import scottish_stv  # noqa: E402


def synthetic_ballots(voters: int, candidates: int, seed: int) -> list[list[int]]:
    """Seeded Plackett-Luce rankings, truncated to 1..n preferences (shorter ones more common)."""
    rng = np.random.default_rng(seed)
    support = rng.gamma(shape=1.5, size=candidates)
    keys = np.log(support)[None, :] + rng.gumbel(size=(voters, candidates))
    orders = np.argsort(-keys, axis=1)
    lengths = np.minimum(rng.geometric(0.25, size=voters), candidates)
    return [orders[i, : lengths[i]].tolist() for i in range(voters)]


def best_of(repeat: int, run: Callable[[], object]) -> tuple[float, object]:
    """Best wall time of ``repeat`` runs, garbage collector off while timing (as ``timeit`` does)."""
    best, result = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            result = run()
            best = min(best, time.perf_counter() - start)
        finally:
            gc.enable()
    return best, result


@dataclass
class Contender:
    """One implementation: how it builds its own ballots, and how it counts them."""

    name: str
    prepare: Callable[[list[list[int]], list[str]], Any]
    count: Callable[[Any, int], tuple[str, ...]]
    repeat: int = 1


def ours_prepare(ballots: list[list[int]], names: list[str]) -> RankedProfile:
    return RankedProfile.from_orders(names, ballots)


def ours_irv(profile: RankedProfile, seats: int) -> tuple[str, ...]:
    return tuple(instant_runoff(profile).elected)


def ours_stv(profile: RankedProfile, seats: int) -> tuple[str, ...]:
    profile.seats = seats
    result = scottish_stv(profile)
    result.to_dict()  # full round detail, as published
    return tuple(sorted(result.elected))


def pyrankvote_prepare(ballots: list[list[int]], names: list[str]):
    import pyrankvote

    people = [pyrankvote.Candidate(n) for n in names]
    return people, [pyrankvote.Ballot(ranked_candidates=[people[c] for c in b]) for b in ballots]


def pyrankvote_irv(prepared, seats: int) -> tuple[str, ...]:
    import pyrankvote

    people, votes = prepared
    return tuple(c.name for c in pyrankvote.instant_runoff_voting(people, votes).get_winners())


def pyrankvote_stv(prepared, seats: int) -> tuple[str, ...]:
    import pyrankvote

    people, votes = prepared
    result = pyrankvote.single_transferable_vote(people, votes, number_of_seats=seats)
    return tuple(sorted(c.name for c in result.get_winners()))


def pref_voting_prepare(ballots: list[list[int]], names: list[str]):
    from pref_voting.profiles_with_ties import ProfileWithTies

    profile = ProfileWithTies(
        [{c: r for r, c in enumerate(b, start=1)} for b in ballots], candidates=list(range(len(names)))
    )
    return profile, names


def pref_voting_irv(prepared, seats: int) -> tuple[str, ...]:
    from pref_voting.iterative_methods import instant_runoff as pv_irv

    profile, names = prepared
    return tuple(names[c] for c in pv_irv(profile))


def pref_voting_stv(prepared, seats: int) -> tuple[str, ...]:
    from pref_voting.proportional_methods import stv_scottish

    profile, names = prepared
    return tuple(sorted(names[c] for c in stv_scottish(profile, num_seats=seats)))


def pref_voting_available() -> bool:
    """pref_voting lives in its own environment (its numba caps NumPy): run this script with
    ``.venv-oracle/bin/python`` to include it."""
    try:
        import pref_voting  # noqa: F401
    except ImportError as error:
        print(f"(pref_voting left out: {error}; run with .venv-oracle/bin/python to include it)")
        return False
    return True


def measure(contender: Contender, ballots: list[list[int]], names: list[str], seats: int) -> dict[str, Any]:
    """Time building the implementation's ballots, then counting them, separately."""
    prep_time, prepared = best_of(contender.repeat, lambda: contender.prepare(ballots, names))
    count_time, outcome = best_of(contender.repeat, lambda: contender.count(prepared, seats))
    return {"name": contender.name, "prepare": prep_time, "count": count_time, "outcome": outcome}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs of our rules (best is kept)")
    parser.add_argument("--skip-pref-voting", action="store_true", help="pref_voting takes minutes at full size")
    args = parser.parse_args()
    scale = 10 if args.quick else 1

    elections = [
        ("IRV", 80_000 // scale, 10, 1, 2026, ours_irv, pyrankvote_irv, pref_voting_irv),
        ("STV", 30_000 // scale, 15, 5, 6, ours_stv, pyrankvote_stv, pref_voting_stv),
    ]
    print(f"Python {platform.python_version()}, NumPy {np.__version__}, {platform.machine()}, {os.cpu_count()} CPUs")
    print()
    print("| election | implementation | build ballots (s) | count (s) | total (s) | count ratio | total ratio | winners agree |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for label, voters, n_cands, seats, seed, ours_count, pyrank_count, pv_count in elections:
        ballots = synthetic_ballots(voters, n_cands, seed)
        names = [f"Candidate {i + 1}" for i in range(n_cands)]
        contenders = [
            Contender("civic", ours_prepare, ours_count, repeat=args.repeat),
            Contender("pyrankvote", pyrankvote_prepare, pyrank_count, repeat=3),
        ]
        if not args.skip_pref_voting and pref_voting_available():
            contenders.append(Contender("pref_voting", pref_voting_prepare, pv_count))
        rows = [measure(c, ballots, names, seats) for c in contenders]
        base = rows[0]
        title = f"{label} {voters:,} ballots, {n_cands} candidates" + (f", {seats} seats" if seats > 1 else "")
        for row in rows:
            total = row["prepare"] + row["count"]
            base_total = base["prepare"] + base["count"]
            print(
                f"| {title if row is base else ''} | {row['name']} | {row['prepare']:.4f} | {row['count']:.4f} "
                f"| {total:.4f} | {row['count'] / base['count']:.0f}x | {total / base_total:.1f}x "
                f"| {'yes' if row['outcome'] == base['outcome'] else 'NO: ' + ', '.join(row['outcome'])} |"
            )


if __name__ == "__main__":
    main()
