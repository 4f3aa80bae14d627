"""Our PB rules against pabutools, side by side, in one run: time, peak memory, same outcome.

    .venv/bin/python benchmarks/pb_rules.py              # the largest shared files + synthetic 100k x 200
    .venv/bin/python benchmarks/pb_rules.py --quick      # our rules everywhere, pabutools only on small cases
    .venv/bin/python benchmarks/pb_rules.py --files Poland_Lodz_2022.pb --rules mes

Both sides start from an election already in memory (reading the file is not timed; our rules
include turning the profile into arrays, pabutools includes building its satisfaction profile).
Time is wall-clock of one run without memory tracing; peak memory is measured in a second run
under ``tracemalloc`` (which NumPy reports to). pabutools' memory is traced only with
``--pabutools-memory`` because tracing slows it several-fold. pabutools (GPL-3) is imported as
a baseline, never copied.

Add1 is compared in pabutools' variant (stop at the first exhaustive outcome, our
``add1-first-exhaustive``); our default ``add1`` is timed alongside, with the number of Add1
steps and of the recounts actually made (our Add1 skips steps it proves unchanged, see
``voting/pb/mes_add1.py``). ``--add1-step-by-step`` also times our Add1 recounting every step, the
reference the skipping is tested against. pabutools recounts MES once per Add1 step, so on the
largest files it would run for hours: its Add1 is measured on the mid-sized MES cities only.
"""

from __future__ import annotations

import argparse
import gc
import os
import signal
import sys
import time
import tracemalloc
from collections.abc import Callable
from fractions import Fraction
from functools import partial
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civic.settings")
SHARED = Path(os.environ.get("CIVIC_SHARED_DATA", REPO.parent / "shared" / "data")) / "pabulib"

from voting.formats.pabulib import read_pb  # noqa: E402
from voting.pb import mes_add1  # noqa: E402
from voting.pb.greedy import greedy  # noqa: E402
from voting.pb.mes import method_of_equal_shares  # noqa: E402
from voting.pb.phragmen import sequential_phragmen  # noqa: E402
from voting.pb.types import PBBallot, PBInstance, PBProfile, Project  # noqa: E402

LARGE_FILES = [
    "Poland_Lodz_2022.pb",
    "Poland_Wroclaw_2015_150_-_500.pb",
    "Poland_Krakow_2024.pb",
    "Poland_Lodz_2020.pb",
    "Poland_Katowice_2025.pb",
    "Poland_Warszawa_2022_Mokotow.pb",
]
MES_CITIES = ["Poland_Wieliczka_2023_Green_Budget.pb", "Poland_Swiecie_2023.pb", "Netherlands_Assen_2024.pb"]
SYNTHETIC = "synthetic 100k x 200"
RULES = ("greedy", "mes", "add1", "phragmen")


def synthetic_election(voters: int = 100_000, projects: int = 200, seed: int = 2026) -> tuple[PBInstance, PBProfile]:
    """A city-size approval election: skewed popularity, 1-10 approvals per voter, budget 30 % of all costs."""
    rng = np.random.default_rng(seed)
    costs = rng.integers(10_000, 1_000_000, size=projects)
    popularity = rng.zipf(1.6, size=projects).astype(float)
    popularity /= popularity.sum()
    lengths = rng.integers(1, 11, size=voters)
    ids = [f"S{j:03d}" for j in range(projects)]
    ballots = []
    for voter, length in enumerate(lengths):
        chosen = rng.choice(projects, size=int(length), replace=False, p=popularity)
        ballots.append(PBBallot(tuple(ids[j] for j in chosen), None, 1, str(voter)))
    instance = PBInstance(
        tuple(Project(i, Fraction(int(c))) for i, c in zip(ids, costs, strict=True)),
        Fraction(int(costs.sum() * 3 // 10)),
    )
    return instance, PBProfile("approval", ballots)


def measure(function: Callable[[], object], trace: bool) -> tuple[float, float | None, object]:
    """Seconds of one untraced run and, when ``trace``, peak MiB of a second, traced run."""
    gc.collect()
    start = time.perf_counter()
    outcome = function()
    seconds = time.perf_counter() - start
    peak = None
    if trace:
        gc.collect()
        tracemalloc.start()
        function()
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return seconds, peak, outcome


class TooSlow(Exception):
    """pabutools did not finish within --pabutools-timeout."""


def _alarm(signum, frame):  # noqa: ARG001 - signal handler signature
    raise TooSlow


def measure_with_timeout(function: Callable[[], object], trace: bool, seconds: int):
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(seconds)
    try:
        return measure(function, trace)
    finally:
        signal.alarm(0)


def ours(rule: str, instance: PBInstance, profile: PBProfile, completion: str = "add1-first-exhaustive") -> Callable:
    if rule == "greedy":
        return lambda: set(greedy(instance, profile, tie_break="lexicographic", threshold=0).selected)
    if rule == "mes":
        return lambda: _no_free(method_of_equal_shares(instance, profile, completion="none", tie_break="lexicographic"), instance)
    if rule == "add1":
        return lambda: _no_free(method_of_equal_shares(instance, profile, completion=completion, tie_break="lexicographic"), instance)
    return lambda: set(sequential_phragmen(instance, profile, tie_break="lexicographic").selected)


def _no_free(result, instance: PBInstance) -> set[str]:
    return set(result.selected) - {p.id for p in instance.projects if p.cost == 0}


def theirs(rule: str, instance: PBInstance, profile: PBProfile) -> Callable:
    from tests.voting import pb_oracle

    pabu_instance, pabu_profile = pb_oracle.to_pabutools(instance, profile)
    approval = profile.vote_type in ("approval", "choose-1")

    def run() -> set[str]:
        from pabutools.election import Additive_Cardinal_Sat, Cost_Sat
        from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares, sequential_phragmen
        from pabutools.tiebreaking import lexico_tie_breaking

        if rule == "greedy":
            sat = Cost_Sat if approval else pb_oracle.PointsCostSat
            outcome = greedy_utilitarian_welfare(pabu_instance, pabu_profile, sat_class=sat, tie_breaking=lexico_tie_breaking)
        elif rule in ("mes", "add1"):
            outcome = method_of_equal_shares(
                pabu_instance,
                pabu_profile,
                sat_class=Cost_Sat if approval else Additive_Cardinal_Sat,
                tie_breaking=lexico_tie_breaking,
                voter_budget_increment=1 if rule == "add1" else None,
            )
        else:
            outcome = sequential_phragmen(pabu_instance, pabu_profile, tie_breaking=lexico_tie_breaking)
            approved = {p for b in profile.ballots for p in b.projects}
            return {p.name for p in outcome} & approved
        return {p.name for p in outcome} - {p.id for p in instance.projects if p.cost == 0}

    return run


def applicable(rule: str, profile: PBProfile) -> bool:
    if rule == "phragmen":
        return profile.vote_type in ("approval", "choose-1")
    if rule in ("mes", "add1"):
        return profile.vote_type != "ordinal"
    return True


def pabutools_feasible(rule: str, name: str, size: int, quick: bool, add1_everywhere: bool = False) -> bool:
    """pabutools on a case only where it finishes in minutes (see the module docstring)."""
    if rule == "add1" and add1_everywhere:
        return True
    if quick:
        return (size <= 3_000_000 and rule != "add1") or (rule == "add1" and name in MES_CITIES[1:])
    if rule == "add1":
        return name in MES_CITIES
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="pabutools only on small cases")
    parser.add_argument("--files", nargs="*", help="shared file names (and/or 'synthetic')")
    parser.add_argument("--rules", nargs="*", choices=RULES, default=list(RULES))
    parser.add_argument("--no-pabutools", action="store_true")
    parser.add_argument("--pabutools-memory", action="store_true", help="also trace pabutools' peak memory (slow)")
    parser.add_argument("--pabutools-timeout", type=int, default=900, help="give up on one pabutools run after N s")
    parser.add_argument(
        "--add1-step-by-step", action="store_true", help="also time our Add1 recounting every step (no skipping)"
    )
    parser.add_argument(
        "--pabutools-add1-everywhere",
        action="store_true",
        help="also run pabutools' Add1 on the large files (about half an hour per city)",
    )
    args = parser.parse_args()

    names = args.files if args.files else LARGE_FILES + MES_CITIES + ["synthetic"]
    header = (
        f"{'election':38} {'rule':9} {'voters x projects':>18} {'ours s':>8} {'ours MiB':>9} "
        f"{'pabutools s':>11} {'pabu MiB':>9} {'speed-up':>9} {'same':>5}"
    )
    print(header)
    print("-" * len(header))
    for name in names:
        if name == "synthetic":
            label, (instance, profile) = SYNTHETIC, synthetic_election()
        else:
            label = name.removesuffix(".pb")
            pb = read_pb(SHARED / name)
            instance, profile = pb.instance, pb.profile
        size = len(profile.ballots) * len(instance.projects)
        shape = f"{len(profile.ballots):,} x {len(instance.projects)}"
        for rule in args.rules:
            if not applicable(rule, profile):
                continue
            seconds, peak, outcome = measure(ours(rule, instance, profile), trace=True)
            cells = [f"{seconds:8.3f}", f"{peak:9.1f}"]
            if args.no_pabutools or not pabutools_feasible(rule, name, size, args.quick, args.pabutools_add1_everywhere):
                cells += [f"{'-':>11}", f"{'-':>9}", f"{'-':>9}", f"{'-':>5}"]
            else:
                try:
                    their_seconds, their_peak, their_outcome = measure_with_timeout(
                        theirs(rule, instance, profile), args.pabutools_memory, args.pabutools_timeout
                    )
                except TooSlow:
                    limit = f">{args.pabutools_timeout}"
                    cells += [f"{limit:>11}", f"{'-':>9}", f"{'>' + str(int(args.pabutools_timeout / seconds)):>8}x", f"{'?':>5}"]
                    print(f"{label[:38]:38} {rule:9} {shape:>18} " + " ".join(cells), flush=True)
                    continue
                cells += [
                    f"{their_seconds:11.2f}",
                    f"{their_peak:9.1f}" if their_peak is not None else f"{'-':>9}",
                    f"{their_seconds / seconds:8.0f}x",
                    f"{'yes' if their_outcome == outcome else 'NO':>5}",
                ]
            print(f"{label[:38]:38} {rule:9} {shape:>18} " + " ".join(cells), flush=True)
            if rule == "add1":
                seconds, peak, result = measure(
                    partial(method_of_equal_shares, instance, profile, completion="add1", tie_break="lexicographic"),
                    trace=True,
                )
                details = result.details
                print(
                    f"{label[:38]:38} {'add1*':9} {shape:>18} {seconds:8.3f} {peak:9.1f}   "
                    f"{len(details['add1_steps'])} steps, {details['add1_recounts']} recounts",
                    flush=True,
                )
                if args.add1_step_by_step:
                    mes_add1.ADD1_SKIPPING = False
                    try:
                        for name_, completion in (("add1 step", "add1-first-exhaustive"), ("add1* step", "add1")):
                            seconds, _, _ = measure(ours("add1", instance, profile, completion=completion), trace=False)
                            print(f"{label[:38]:38} {name_:9} {shape:>18} {seconds:8.3f}", flush=True)
                    finally:
                        mes_add1.ADD1_SKIPPING = True
    print("\nadd1 = pabutools' Add1 (stop at the first exhaustive outcome); add1* = our default Add1 "
          "(raise until the next step would overspend), ours only; 'step' = recounting every step.")


if __name__ == "__main__":
    main()
