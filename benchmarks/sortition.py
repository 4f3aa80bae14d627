"""Benchmark the sortition engine against sortition-algorithms (the Sortition Foundation's library).

Run from the repository root:  .venv/bin/python benchmarks/sortition.py [--no-oracle] [--markdown OUT.md]

* maximin and Nash, ours and sortition-algorithms' (HiGHS backend), on the shared reference instances;
* LEXIMIN (ours; sortition-algorithms' LEXIMIN needs Gurobi) on the shared instances and on seeded
  synthetic pools (default: 2,000 respondents selecting 200 with 6 categories; ``--synthetic 2:2000 1:1000``).

* LEXIMIN on national-scale pools (``--national SEED:POOL[:CATEGORIES[:tight|loose]]``, panel 110 by
  default; ``assemblies.sortition.national``): each run in its own process, so that its peak memory
  (max RSS) is its own; reports wall and CPU seconds, peak memory, portfolio size and the minimum
  probability against the LP relaxation's bound. ``--national-only`` skips everything else.

The "route" column says whether the relaxation certificate gave the result or column generation did
(``--method column-generation`` forces the latter, for before/after comparisons). "panels" counts the
named panels of the published portfolio.

sortition-algorithms is GPL-3 and installed for tests and benchmarks only; it is called through its
public API here and never imported by the application.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data" / "sortition"
sys.path.insert(0, str(REPO))

from assemblies.sortition.formats import read_instance  # noqa: E402
from assemblies.sortition.leximin import leximin  # noqa: E402
from assemblies.sortition.maximin import maximin  # noqa: E402
from assemblies.sortition.model import Distribution, Instance, Progress  # noqa: E402
from assemblies.sortition.nash import nash  # noqa: E402
from assemblies.sortition.national import national_instance  # noqa: E402
from assemblies.sortition.pool import compile_pool  # noqa: E402
from assemblies.sortition.synthetic import synthetic_instance  # noqa: E402

SYNTHETIC_SEED = 1
INSTANCES = [
    ("sf_sample", "candidates.csv", "features.csv", 22, ()),
    ("sf_sample+address", "candidates.csv", "features.csv", 22, ("primary_address1", "primary_zip")),
    ("example_small_20", "respondents.csv", "categories.csv", 20, ()),
    ("example_large_200", "respondents.csv", "categories.csv", 200, ()),
]


def load(name: str, people: str, categories: str, size: int, address: tuple[str, ...]) -> Instance:
    directory = SHARED / name.split("+")[0]
    instance, _, _ = read_instance(directory / people, directory / categories, size, address_columns=address)
    return instance


def oracle(instance: Instance, algorithm: str, address: tuple[str, ...]) -> tuple[float, float]:
    """(seconds, minimum probability) for sortition-algorithms' maximin or nash."""
    from sortition_algorithms.committee_generation import find_distribution_maximin, find_distribution_nash
    from sortition_algorithms.features import read_in_features
    from sortition_algorithms.people import read_in_people
    from sortition_algorithms.settings import Settings

    rows = [{"feature": q.category, "value": q.value, "min": str(q.min), "max": str(q.max)} for q in instance.quotas]
    features, column, _ = read_in_features(["feature", "value", "min", "max"], rows, instance.panel_size)
    header = ["id", *instance.categories, *(["address"] if address else [])]
    people_rows = [
        {"id": p.id, **p.features, **({"address": p.household or ""} if address else {})} for p in instance.people
    ]
    settings = Settings(id_column="id", columns_to_keep=["address"] if address else [])
    people, _ = read_in_people(header, people_rows, features, settings, column)
    function = find_distribution_maximin if algorithm == "maximin" else find_distribution_nash
    start = time.perf_counter()
    committees, probabilities, _ = function(features, people, instance.panel_size, ["address"] if address else [], "highspy")
    seconds = time.perf_counter() - start
    marginals = dict.fromkeys(instance.person_ids(), 0.0)
    for committee, probability in zip(committees, probabilities, strict=True):
        for person in committee:
            marginals[person] += probability
    return seconds, min(marginals.values())


def timed(function: Callable[..., Distribution], instance: Instance, **options: object) -> tuple[float, Distribution]:
    start = time.perf_counter()
    distribution = function(instance, **options)
    return time.perf_counter() - start, distribution


def route(distribution: Distribution) -> str:
    """Which path produced the distribution: the relaxation certificate or column generation."""
    notes = " ".join(distribution.notes)
    if "within" in notes and "by certificate" in notes:
        return "within a measured gap of the bound (closing LP)"
    if "one LP over the" in notes:
        return "certified (peeling + closing LP)"
    if "by certificate" in notes:
        return "certified, completed by column generation" if "completed by" in notes else "certified"
    if "not decomposed" in notes:
        return f"fallback: column generation ({distribution.stages} stages, {distribution.iterations} iterations)"
    return f"column generation ({distribution.stages} stages, {distribution.iterations} iterations)"


def synthetic_case(text: str) -> tuple[int, int]:
    """``SEED:POOL`` (panel = pool / 10), e.g. ``2:2000``."""
    seed, pool = text.split(":")
    return int(seed), int(pool)


def national_case(text: str) -> tuple[int, int, int, str]:
    """``SEED:POOL[:CATEGORIES[:tight|loose]]``, e.g. ``5:3000:7:tight`` (the issue's pool)."""
    parts = text.split(":")
    seed, pool = int(parts[0]), int(parts[1])
    categories = int(parts[2]) if len(parts) > 2 else 7
    quotas = parts[3] if len(parts) > 3 else "tight"
    if quotas not in ("tight", "loose"):
        raise argparse.ArgumentTypeError("quotas must be tight or loose")
    return seed, pool, categories, quotas


LOOSE_SLACK = 4  # seats either side of the population share for "loose" quotas ("tight" is ±1)


def run_national(seed: int, pool_size: int, categories: int, quotas: str, panel: int) -> dict[str, object]:
    """One national-scale LEXIMIN run, measured (called in a child process by ``--one-national``)."""
    instance = national_instance(
        pool_size, panel, seed=seed, categories=categories, slack=1 if quotas == "tight" else LOOSE_SLACK
    )
    types = compile_pool(instance).num_types
    reports: list[Progress] = []
    wall, cpu = time.perf_counter(), time.process_time()
    distribution = leximin(instance, progress=reports.append)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    bound = max((r.upper_bound for r in reports if r.phase in ("relaxation", "done")), default=float("nan"))
    return {
        "seed": seed, "pool": pool_size, "panel": panel, "categories": categories, "quotas": quotas,
        "types": types, "wall": wall, "cpu": cpu,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "compositions": distribution.panels_generated, "named_panels": len(distribution.portfolio),
        "min_p": distribution.min_probability, "bound": bound,
        "sum_p": sum(distribution.probabilities.values()), "route": route(distribution),
    }


def national_rows(cases: list[tuple[int, int, int, str]], panel: int, emit: Callable[[list[str]], None]) -> None:
    emit(["pool", "k", "categories", "quotas", "seed", "types", "wall (s)", "CPU (s)", "peak MB", "compositions",
          "named panels", "min p", "LP bound", "min / bound", "route"])
    for seed, pool_size, categories, quotas in cases:
        command = [sys.executable, __file__, "--one-national", f"{seed}:{pool_size}:{categories}:{quotas}",
                   "--panel", str(panel)]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        result = json.loads(output.strip().splitlines()[-1])
        emit([
            str(result["pool"]), str(result["panel"]), str(result["categories"]), result["quotas"],
            str(result["seed"]), str(result["types"]), f"{result['wall']:.1f}", f"{result['cpu']:.1f}",
            f"{result['peak_mb']:.0f}", str(result["compositions"]), str(result["named_panels"]),
            f"{result['min_p']:.6f}", f"{result['bound']:.6f}", f"{result['min_p'] / result['bound']:.6f}",
            result["route"],
        ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-oracle", action="store_true", help="skip sortition-algorithms (slow)")
    parser.add_argument("--oracle-max-pool", type=int, default=500, help="skip the oracle on larger pools")
    parser.add_argument("--markdown", help="also write the table as Markdown to this file")
    parser.add_argument("--synthetic-only", action="store_true", help="only the synthetic pools")
    parser.add_argument(
        "--leximin-budget", type=int, default=None, help="column-generation iteration budget for synthetic LEXIMIN"
    )
    parser.add_argument(
        "--synthetic",
        type=synthetic_case,
        nargs="*",
        default=[(SYNTHETIC_SEED, 2000)],
        metavar="SEED:POOL",
        help="synthetic pools to run (panel = pool / 10); default 1:2000",
    )
    parser.add_argument(
        "--method",
        choices=["auto", "column-generation"],
        default="auto",
        help="auto: relaxation + certified decomposition first; column-generation: the old route only",
    )
    parser.add_argument(
        "--national",
        type=national_case,
        nargs="*",
        default=[],
        metavar="SEED:POOL[:CATEGORIES[:tight|loose]]",
        help="national-scale LEXIMIN pools, e.g. 5:3000:7:tight (the issue's pool)",
    )
    parser.add_argument("--national-only", action="store_true", help="only the national-scale pools")
    parser.add_argument("--panel", type=int, default=110, help="panel size of the national pools")
    parser.add_argument("--one-national", type=national_case, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.one_national is not None:
        seed, pool_size, categories, quotas = options.one_national
        print(json.dumps(run_national(seed, pool_size, categories, quotas, options.panel)))
        return

    rows: list[list[str]] = []

    def emit(row: list[str]) -> None:
        rows.append(row)
        print(" | ".join(row), flush=True)

    if options.national:
        national_rows(options.national, options.panel, emit)
        if options.national_only:
            options.synthetic = []
    skip_shared = options.synthetic_only or options.national_only
    if not skip_shared or options.synthetic:
        emit(["instance", "n", "k", "types", "algorithm", "ours (s)", "ours min p", "theirs (s)", "theirs min p",
              "speed-up", "panels", "route"])
    for name, people, categories, size, address in [] if skip_shared else INSTANCES:
        instance = load(name, people, categories, size, address)
        types = compile_pool(instance).num_types
        for label, function in (("maximin", maximin), ("nash", nash), ("leximin", leximin)):
            extra = {} if label == "nash" else {"method": options.method}
            seconds, distribution = timed(function, instance, **extra)
            minimum = distribution.min_probability
            theirs = ["-", "-", "-"]
            run_oracle = label != "leximin" and not options.no_oracle and len(instance.people) <= options.oracle_max_pool
            if run_oracle:
                their_seconds, their_minimum = oracle(instance, label, address)
                theirs = [f"{their_seconds:.2f}", f"{their_minimum:.6f}", f"{their_seconds / seconds:.1f}x"]
            elif label != "leximin":
                theirs = ["not run", "", ""]
            else:
                theirs = ["needs Gurobi", "", ""]
            emit([
                name, str(len(instance.people)), str(size), str(types), label, f"{seconds:.2f}", f"{minimum:.6f}",
                *theirs, str(len(distribution.portfolio)), route(distribution) if label != "nash" else "",
            ])

    for seed, pool_size in options.synthetic:
        synthetic = synthetic_instance(pool_size, pool_size // 10, seed=seed)
        types = compile_pool(synthetic).num_types
        name = f"synthetic seed {seed}, 6 categories"
        for label, function, extra in (
            ("maximin", maximin, {"method": options.method}),
            ("leximin", leximin, {"method": options.method, "iteration_budget": options.leximin_budget}),
        ):
            seconds, distribution = timed(function, synthetic, **extra)
            if label == "leximin" and options.leximin_budget is not None:
                label = f"leximin, budget {options.leximin_budget} iterations"
            emit([
                name, str(pool_size), str(pool_size // 10), str(types), label, f"{seconds:.2f}",
                f"{distribution.min_probability:.6f}", "not run", "", "", str(len(distribution.portfolio)),
                route(distribution),
            ])

    if options.markdown:
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
        lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
        Path(options.markdown).write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
