"""Shared helpers for the sortition tests: loading the reference instances and checking panels."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from assemblies.sortition.formats import read_instance
from assemblies.sortition.model import Instance
from tests.shared_data import shared_path


@dataclass(frozen=True)
class SharedInstance:
    name: str
    people: str
    categories: str
    size: int
    address_columns: tuple[str, ...] = ()


SF_SAMPLE = SharedInstance("sf_sample", "candidates.csv", "features.csv", 22)
SF_SAMPLE_ADDRESS = SharedInstance(
    "sf_sample", "candidates.csv", "features.csv", 22, ("primary_address1", "primary_zip")
)
SMALL_20 = SharedInstance("example_small_20", "respondents.csv", "categories.csv", 20)
LARGE_200 = SharedInstance("example_large_200", "respondents.csv", "categories.csv", 200)


def paths(shared: SharedInstance) -> tuple[str, str]:
    return (
        str(shared_path("sortition", shared.name, shared.people)),
        str(shared_path("sortition", shared.name, shared.categories)),
    )


def load(shared: SharedInstance) -> Instance:
    people, categories = paths(shared)
    instance, _, _ = read_instance(people, categories, shared.size, address_columns=shared.address_columns)
    return instance


def expected_min_probability(instance_name: str, algorithm: str) -> float:
    """The reference figure from expected.csv (sortition-algorithms or the replication repo)."""
    with open(shared_path("sortition", "expected.csv"), newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["instance"] == instance_name and row["algorithm"] == algorithm and row["min_probability"]:
                return float(row["min_probability"])
    raise KeyError((instance_name, algorithm))


def quota_violations(instance: Instance, panel: Iterable[str], *, check_households: bool = True) -> list[str]:
    """Everything wrong with a panel: size, quotas, duplicates, households."""
    people = {person.id: person for person in instance.people}
    panel = list(panel)
    problems = []
    if len(panel) != instance.panel_size:
        problems.append(f"size {len(panel)} != {instance.panel_size}")
    if len(set(panel)) != len(panel):
        problems.append("duplicate members")
    counts = Counter((category, people[member].features[category]) for member in panel for category in instance.categories)
    for quota in instance.quotas:
        count = counts[(quota.category, quota.value)]
        if not quota.min <= count <= quota.max:
            problems.append(f"{quota.category}/{quota.value}: {count} not in [{quota.min}, {quota.max}]")
    if check_households:
        households = Counter(people[m].household for m in panel if people[m].household is not None)
        problems += [f"household {h!r} has {n} members" for h, n in households.items() if n > 1]
    return problems
