"""Benchmark the sortition engine against sortition-algorithms (the Sortition Foundation's library).

Run from the repository root:  .venv/bin/python benchmarks/sortition.py [--no-oracle] [--markdown OUT.md]

* maximin and Nash, ours and sortition-algorithms' (HiGHS backend), on the shared reference instances;
* LEXIMIN (ours; sortition-algorithms' LEXIMIN needs Gurobi) on the shared instances and on a seeded
  synthetic pool of 2,000 respondents selecting 200 with 6 categories.

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
from assemblies.sortition.model import Instance  # noqa: E402
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


def timed(function, instance: Instance) -> tuple[float, float, int]:
    start = time.perf_counter()
    distribution = function(instance)
    return time.perf_counter() - start, distribution.min_probability, len(distribution.portfolio)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-oracle", action="store_true", help="skip sortition-algorithms (slow)")
    parser.add_argument("--oracle-max-pool", type=int, default=500, help="skip the oracle on larger pools")
    parser.add_argument("--markdown", help="also write the table as Markdown to this file")
    parser.add_argument("--synthetic-only", action="store_true", help="only the 2,000/200 synthetic pool")
    parser.add_argument(
        "--leximin-budget", type=int, default=None, help="column-generation iteration budget for synthetic LEXIMIN"
    )
    options = parser.parse_args()

    rows: list[list[str]] = []

    def emit(row: list[str]) -> None:
        rows.append(row)
        print(" | ".join(row), flush=True)

    emit(["instance", "n", "k", "types", "algorithm", "ours (s)", "ours min p", "theirs (s)", "theirs min p", "speed-up"])
    for name, people, categories, size, address in [] if options.synthetic_only else INSTANCES:
        instance = load(name, people, categories, size, address)
        types = compile_pool(instance).num_types
        for label, function in (("maximin", maximin), ("nash", nash), ("leximin", leximin)):
            seconds, minimum, _ = timed(function, instance)
            theirs = ["-", "-", "-"]
            run_oracle = label != "leximin" and not options.no_oracle and len(instance.people) <= options.oracle_max_pool
            if run_oracle:
                their_seconds, their_minimum = oracle(instance, label, address)
                theirs = [f"{their_seconds:.2f}", f"{their_minimum:.6f}", f"{their_seconds / seconds:.1f}x"]
            elif label != "leximin":
                theirs = ["not run", "", ""]
            else:
                theirs = ["needs Gurobi", "", ""]
            emit([name, str(len(instance.people)), str(size), str(types), label, f"{seconds:.2f}", f"{minimum:.6f}", *theirs])

    synthetic = synthetic_instance(2000, 200, seed=SYNTHETIC_SEED)
    types = compile_pool(synthetic).num_types
    seconds, minimum, _ = timed(maximin, synthetic)
    name = f"synthetic seed {SYNTHETIC_SEED}, 6 categories"
    emit([name, "2000", "200", str(types), "maximin", f"{seconds:.2f}", f"{minimum:.6f}", "not run", "", ""])
    start = time.perf_counter()
    distribution = leximin(synthetic, iteration_budget=options.leximin_budget)
    seconds = time.perf_counter() - start
    label = "leximin" if options.leximin_budget is None else f"leximin, budget {options.leximin_budget} iterations"
    detail = f"{distribution.stages} stages, {distribution.iterations} iterations"
    emit([name, "2000", "200", str(types), label, f"{seconds:.2f}", f"{distribution.min_probability:.6f}", detail, "", ""])

    if options.markdown:
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
        lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
        Path(options.markdown).write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
