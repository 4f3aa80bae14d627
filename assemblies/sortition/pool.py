"""Compile an ``Instance`` into the form the solvers work on: quota rows and *types* of people.

People with the same value in every category (and no shared address) are interchangeable: any fair
distribution can be averaged over permutations of them without changing quotas or the objective, and
LEXIMIN, maximin and Nash optima all have equal probabilities within such a group. So the linear and
integer programs have one variable per type (how many of that type sit on the panel) instead of one
per person, which is what makes a 2,000-person pool fast. People who share an address with someone
else stay singleton types, so the household rule can be written on them.

People who must be selected are taken out of the pool and their seats out of the quotas; people who
must not be selected (drop-outs) and their household members are removed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .model import Instance


@dataclass(frozen=True)
class Pool:
    """The selection problem over types. Arrays are indexed by value (quota row) or by type."""

    value_labels: tuple[tuple[str, str], ...]
    lower: np.ndarray
    upper: np.ndarray
    original_lower: np.ndarray
    original_upper: np.ndarray
    size: int
    type_members: tuple[tuple[str, ...], ...]
    type_values: tuple[tuple[int, ...], ...]
    households: tuple[tuple[int, ...], ...]
    forced: tuple[str, ...]
    removed: tuple[str, ...]
    all_ids: tuple[str, ...]

    @property
    def type_sizes(self) -> np.ndarray:
        return np.array([len(members) for members in self.type_members], dtype=np.int64)

    @property
    def num_types(self) -> int:
        return len(self.type_members)

    def incidence(self) -> np.ndarray:
        """Matrix values x types: 1 where the type has the value."""
        matrix = np.zeros((len(self.value_labels), self.num_types), dtype=np.int64)
        for type_index, values in enumerate(self.type_values):
            matrix[list(values), type_index] = 1
        return matrix

    def respondents_per_value(self) -> np.ndarray:
        """How many free pool members have each value (the diagnosis reports this)."""
        counts: np.ndarray = self.incidence() @ self.type_sizes
        return counts


def compile_pool(instance: Instance) -> Pool:
    """Group interchangeable people into types and account for forced/excluded people."""
    value_labels = tuple((quota.category, quota.value) for quota in instance.quotas)
    value_index = {label: index for index, label in enumerate(value_labels)}
    categories = instance.categories
    forced = tuple(dict.fromkeys(instance.must_include))
    forced_set = set(forced)
    excluded_set = set(instance.must_exclude) - forced_set
    forced_households = {
        person.household for person in instance.people if person.id in forced_set and person.household is not None
    }
    removed: list[str] = []
    forced_counts = np.zeros(len(value_labels), dtype=np.int64)
    free = []
    for person in instance.people:
        values = tuple(value_index[(category, person.features[category])] for category in categories)
        if person.id in forced_set:
            forced_counts[list(values)] += 1
        elif person.id in excluded_set or (person.household is not None and person.household in forced_households):
            removed.append(person.id)
        else:
            free.append((person, values))

    household_sizes: dict[str, int] = {}
    for person, _ in free:
        if person.household is not None:
            household_sizes[person.household] = household_sizes.get(person.household, 0) + 1

    type_of_key: dict[object, int] = {}
    members: list[list[str]] = []
    type_values: list[tuple[int, ...]] = []
    household_types: dict[str, list[int]] = {}
    for person, values in free:
        shared = person.household is not None and household_sizes[person.household] > 1
        key: object = ("person", person.id) if shared else ("values", values)
        if key not in type_of_key:
            type_of_key[key] = len(members)
            members.append([])
            type_values.append(values)
        type_index = type_of_key[key]
        members[type_index].append(person.id)
        if shared and person.household is not None:
            household_types.setdefault(person.household, []).append(type_index)

    lower = np.array([quota.min for quota in instance.quotas], dtype=np.int64)
    upper = np.array([quota.max for quota in instance.quotas], dtype=np.int64)
    return Pool(
        value_labels=value_labels,
        lower=np.maximum(lower - forced_counts, 0),
        upper=upper - forced_counts,
        original_lower=lower,
        original_upper=upper,
        size=instance.panel_size - len(forced),
        type_members=tuple(tuple(group) for group in members),
        type_values=tuple(type_values),
        households=tuple(tuple(types) for types in household_types.values()),
        forced=forced,
        removed=tuple(removed),
        all_ids=instance.person_ids(),
    )
