"""Benchmark the sortition engine against sortition-algorithms (the Sortition Foundation's library).

Run from the repository root:  .venv/bin/python benchmarks/sortition.py [--no-oracle] [--markdown OUT.md]

* maximin and Nash, ours and sortition-algorithms' (HiGHS backend), on the shared reference instances;
* LEXIMIN (ours; sortition-algorithms' LEXIMIN needs Gurobi) on the shared instances and on seeded
  synthetic pools (default: 2,000 respondents selecting 200 with 6 categories; ``--synthetic 2:2000 1:1000``).

The "route" column says whether the relaxation certificate gave the result or column generation did
(``--method column-generation`` forces the latter, for before/after comparisons). "panels" counts the
named panels of the published portfolio.

sortition-algorithms is GPL-3 and installed for tests and benchmarks only; it is called through its
public API here and never imported by the application.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data" / "sortition"
sys.path.insert(0, str(REPO))

from assemblies.sortition.formats import read_instance  # noqa: E402
from assemblies.sortition.leximin import leximin  # noqa: E402
from assemblies.sortition.maximin import maximin  # noqa: E402
from assemblies.sortition.model import Distribution, Instance  # noqa: E402
from assemblies.sortition.nash import nash  # noqa: E402
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


def timed(function, instance: Instance, **options: object) -> tuple[float, Distribution]:
    start = time.perf_counter()
    distribution = function(instance, **options)
    return time.perf_counter() - start, distribution


def route(distribution: Distribution) -> str:
    """Which path produced the distribution: the relaxation certificate or column generation."""
    notes = " ".join(distribution.notes)
    if "by certificate" in notes:
        return "certified, completed by column generation" if "completed by" in notes else "certified"
    if "not decomposed" in notes:
        return f"fallback: column generation ({distribution.stages} stages, {distribution.iterations} iterations)"
    return f"column generation ({distribution.stages} stages, {distribution.iterations} iterations)"


def synthetic_case(text: str) -> tuple[int, int]:
    """``SEED:POOL`` (panel = pool / 10), e.g. ``2:2000``."""
    seed, pool = text.split(":")
    return int(seed), int(pool)


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
    options = parser.parse_args()

    rows: list[list[str]] = []

    def emit(row: list[str]) -> None:
        rows.append(row)
        print(" | ".join(row), flush=True)

    emit(["instance", "n", "k", "types", "algorithm", "ours (s)", "ours min p", "theirs (s)", "theirs min p", "speed-up", "panels", "route"])
    for name, people, categories, size, address in [] if options.synthetic_only else INSTANCES:
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
