"""LEXIMIN at national scale (issue 15): pools of the issue's shape, generated here (no shared data).

The full 3,000-respondent, ~1,500-type pool takes tens of seconds, so it runs in the benchmark
(``benchmarks/sortition.py --national``); here a smaller pool of the same shape (7 correlated
categories, 31 values, quotas of ±1 seat around population shares) goes through the same route:
peeling with warm starts, stopped early, closed by one LP over the panels found.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from assemblies.sortition.certified import Constraints, certified_leximin, relaxation_leximin
from assemblies.sortition.expand import distribution_from_compositions
from assemblies.sortition.model import Progress
from assemblies.sortition.national import national_instance
from assemblies.sortition.pool import compile_pool

from .helpers import quota_violations

POOL, PANEL = 800, 40


@pytest.mark.parametrize("seed", [1, 2])
def test_national_pool_leximin_is_within_a_thousandth_of_the_bound_with_valid_panels(seed):
    instance = national_instance(POOL, PANEL, seed=seed)
    pool = compile_pool(instance)
    assert pool.num_types > POOL // 2  # many distinct answer combinations, as in the issue
    relaxed = relaxation_leximin(pool)
    assert relaxed is not None
    bound = float(relaxed.levels.min())
    reports: list[Progress] = []
    attempt = certified_leximin(pool, progress=reports.append, stop_mass=1e-3, fast=True)
    certified = attempt.certified
    assert certified is not None, attempt.failure
    assert certified.closing  # the early stop and the closing LP really ran

    constraints = Constraints.of(pool)
    for counts in certified.panels:
        assert constraints.valid(counts, pool.type_sizes)
    assert math.fsum(certified.masses) == pytest.approx(1.0, abs=1e-12)
    achieved = sum(m * c for c, m in zip(certified.panels, certified.masses, strict=True)) / pool.type_sizes
    # The reported gap is the true largest shortfall below the relaxation's levels.
    assert np.all(achieved >= relaxed.levels - certified.gap - 1e-9)
    assert float(achieved.min()) >= 0.999 * bound

    distribution = distribution_from_compositions(pool, "leximin", certified.panels, certified.masses)
    assert distribution.min_probability >= 0.999 * bound
    assert math.fsum(distribution.probabilities.values()) == pytest.approx(PANEL, abs=1e-9)
    assert math.fsum(distribution.portfolio.probabilities) == pytest.approx(1.0, abs=1e-12)
    for panel in distribution.portfolio.panels[:: max(1, len(distribution.portfolio) // 400)]:
        assert quota_violations(instance, panel) == []
    assert reports[-1].lower_bound == pytest.approx(float(achieved.min()), abs=1e-12)


def test_national_pool_generator_has_the_issue_shape_and_is_reproducible():
    instance = national_instance(3000, 110, seed=5)
    assert len(instance.people) == 3000
    assert len(instance.categories) == 7
    assert len(instance.quotas) == 31
    assert all(quota.max - quota.min == 2 for quota in instance.quotas)  # ±1 around the share
    assert 1300 <= compile_pool(instance).num_types <= 1700
    again = national_instance(3000, 110, seed=5)
    assert again == instance
    assert national_instance(3000, 110, seed=6) != instance


@pytest.mark.parametrize("categories", [5, 8])
def test_national_pool_generator_other_category_counts_and_loose_quotas(categories):
    instance = national_instance(1000, 50, seed=3, categories=categories, slack=4)
    assert len(instance.categories) == categories
    for category in instance.categories:
        quotas = [q for q in instance.quotas if q.category == category]
        assert sum(q.min for q in quotas) <= 50 <= sum(q.max for q in quotas)
