"""The relaxation + decomposition route (``certified``): it must give the same LEXIMIN vector as column
generation, only valid panels, reproducibly, and fall back to column generation when it cannot work."""

from __future__ import annotations

import numpy as np
import pytest

from assemblies.sortition import certified
from assemblies.sortition.certified import Constraints, certified_leximin, relaxation_leximin
from assemblies.sortition.leximin import leximin
from assemblies.sortition.maximin import maximin
from assemblies.sortition.model import Instance, Person, Quota
from assemblies.sortition.pool import compile_pool
from assemblies.sortition.synthetic import synthetic_instance

from .helpers import SF_SAMPLE, SF_SAMPLE_ADDRESS, load, quota_violations


@pytest.mark.parametrize("shared", [SF_SAMPLE, SF_SAMPLE_ADDRESS], ids=["plain", "address"])
def test_certified_leximin_equals_column_generation_leximin(shared):
    """The LEXIMIN vector is unique, so both routes must give the same sorted probabilities."""
    instance = load(shared)
    fast = leximin(instance)
    slow = leximin(instance, method="column-generation")
    assert any("by certificate" in note for note in fast.notes)
    assert not any("by certificate" in note for note in slow.notes)
    ours = np.sort(np.array(list(fast.probabilities.values())))
    theirs = np.sort(np.array(list(slow.probabilities.values())))
    assert np.max(np.abs(ours - theirs)) <= 1e-6
    for panel in fast.portfolio.panels:
        assert quota_violations(instance, panel) == []


def test_certified_maximin_has_the_column_generation_minimum():
    instance = load(SF_SAMPLE)
    assert maximin(instance).min_probability == pytest.approx(
        maximin(instance, method="column-generation").min_probability, abs=1e-7
    )


def test_decomposition_is_exact_valid_and_reproducible():
    pool = compile_pool(synthetic_instance(300, 30, seed=3))
    first, second = certified_leximin(pool), certified_leximin(pool)
    assert first.certified is not None and second.certified is not None, first.failure
    constraints = Constraints.of(pool)
    for panel in first.certified.panels:
        assert constraints.valid(panel, pool.type_sizes)
    assert first.certified.masses.sum() == pytest.approx(1.0, abs=1e-12)
    achieved = sum(m * p for p, m in zip(first.certified.panels, first.certified.masses, strict=True)) / pool.type_sizes
    relaxed = relaxation_leximin(pool)
    assert relaxed is not None
    assert np.all(achieved >= relaxed.levels - 1e-7)
    assert [p.tobytes() for p in first.certified.panels] == [p.tobytes() for p in second.certified.panels]
    assert np.array_equal(first.certified.masses, second.certified.masses)


def test_failed_decomposition_falls_back_to_column_generation(monkeypatch):
    instance = load(SF_SAMPLE)
    expected = leximin(instance)

    def stuck(pool, target, *args, **kwargs):
        return None, [], "forced for the test"

    monkeypatch.setattr(certified, "decompose", stuck)
    fallback = leximin(instance)
    assert any("forced for the test" in note for note in fallback.notes)
    assert fallback.min_probability == pytest.approx(expected.min_probability, abs=1e-6)


def test_non_integral_relaxation_is_handled_by_the_fallback():
    """Three 2-value categories, one seat per value: half of everyone fits the relaxation, but only
    {p2, p5} is a valid panel, so the relaxation's LEXIMIN point cannot be decomposed."""
    values = {"p1": "ace", "p2": "bde", "p3": "adf", "p4": "bcf", "p5": "acf"}
    people = tuple(
        Person(pid, {"c1": code[0], "c2": code[1], "c3": code[2]}) for pid, code in values.items()
    )
    quotas = tuple(Quota(f"c{i + 1}", value, 1, 1) for i, pair in enumerate(("ab", "cd", "ef")) for value in pair)
    instance = Instance(people, quotas, 2)
    attempt = certified_leximin(compile_pool(instance))
    assert attempt.certified is None
    distribution = leximin(instance)
    assert distribution.probabilities == pytest.approx({"p1": 0, "p2": 1, "p3": 0, "p4": 0, "p5": 1})
    assert any("not decomposed" in note for note in distribution.notes)
