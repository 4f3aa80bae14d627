"""Run sortition-algorithms (GPL-3, test-only oracle) on one of our instances.

Only its public entry points are called; none of its code is copied into civic.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest

from assemblies.sortition.model import Instance


def require_oracle() -> ModuleType:
    """sortition-algorithms, or fail under CI (where it must be installed) / skip on a developer machine."""
    try:
        return importlib.import_module("sortition_algorithms")
    except ImportError:
        message = "the sortition-algorithms oracle is not installed (requirements-dev.txt)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def oracle_maximin(instance: Instance) -> float | None:
    """Their maximin minimum probability, or ``None`` if they find the quotas infeasible."""
    from sortition_algorithms.committee_generation import find_distribution_maximin
    from sortition_algorithms.errors import InfeasibleQuotasError, SortitionBaseError
    from sortition_algorithms.features import read_in_features
    from sortition_algorithms.people import read_in_people
    from sortition_algorithms.settings import Settings

    quota_rows = [
        {"feature": q.category, "value": q.value, "min": str(q.min), "max": str(q.max)} for q in instance.quotas
    ]
    people_header = ["id", *instance.categories]
    people_rows = [{"id": p.id, **{c: p.features[c] for c in instance.categories}} for p in instance.people]
    try:
        features, feature_column, _ = read_in_features(["feature", "value", "min", "max"], quota_rows, instance.panel_size)
        settings = Settings(id_column="id", columns_to_keep=[])
        people, _ = read_in_people(people_header, people_rows, features, settings, feature_column)
        committees, probabilities, _ = find_distribution_maximin(features, people, instance.panel_size, [], "highspy")
    except InfeasibleQuotasError:
        return None
    except SortitionBaseError as error:
        message = str(error).lower()
        if any(word in message for word in ("infeasible", "minimum", "maximum")):
            return None  # their quick checks (sum of mins/maxes against the panel size)
        raise
    marginals = dict.fromkeys(instance.person_ids(), 0.0)
    for committee, probability in zip(committees, probabilities, strict=True):
        for person in committee:
            marginals[person] += probability
    return min(marginals.values())
