"""Column-generation internals: the expected-count relaxation bound and reproducible seed panels."""

from __future__ import annotations

import numpy as np

from assemblies.sortition.highs import PanelOracle, expected_count_optimum
from assemblies.sortition.maximin import maximin
from assemblies.sortition.pool import compile_pool
from assemblies.sortition.synthetic import synthetic_instance
from tests.sortition.helpers import SF_SAMPLE, load


def test_expected_count_relaxation_bounds_maximin_from_above():
    instance = load(SF_SAMPLE)
    pool = compile_pool(instance)
    types = np.arange(pool.num_types)
    relaxation = expected_count_optimum(pool, types, np.full(pool.num_types, np.nan))
    assert relaxation is not None
    assert relaxation.value >= maximin(instance).min_probability - 1e-9
    assert relaxation.duals.min() >= 0


def test_maximin_with_seed_panels_is_reproducible():
    instance = synthetic_instance(120, 12, seed=3)
    first, second = maximin(instance), maximin(instance)
    assert first.portfolio == second.portfolio
    pool = compile_pool(instance)
    oracle = PanelOracle(pool)
    target = expected_count_optimum(pool, np.arange(pool.num_types), np.full(pool.num_types, np.nan))
    assert target is not None
    counts = oracle.rounded_panel(target.counts, np.zeros(pool.num_types))
    assert counts is not None and counts.sum() == pool.size
