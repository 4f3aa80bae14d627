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

from assemblies.sortition.certified import (
    Constraints,
    _exchange,
    _fill,
    _violation,
    certified_leximin,
    relaxation_leximin,
)
from assemblies.sortition.expand import distribution_from_compositions
from assemblies.sortition.highs import PanelOracle
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


def test_a_stuck_peeling_keeps_its_panels_and_is_closed_by_roundings_and_column_generation() -> None:
    # On this generated pool (356 types) the fast peeling walks into a face of the relaxation with no
    # integer panel at step 283; the panels placed stay and the leftover is closed by roundings of the
    # residual plus column generation, not by peeling again from the start.
    instance = national_instance(400, 30, seed=1)
    pool = compile_pool(instance)
    relaxed = relaxation_leximin(pool)
    assert relaxed is not None
    bound = float(relaxed.levels.min())
    reports: list[Progress] = []
    attempt = certified_leximin(pool, progress=reports.append, fast=True)
    certified = attempt.certified
    assert certified is not None, attempt.failure
    assert "roundings of the leftover" in certified.closing
    assert "no integer panel on the face" in certified.closing
    assert any(r.phase == "closing" for r in reports)

    constraints = Constraints.of(pool)
    for counts in certified.panels:
        assert constraints.valid(counts, pool.type_sizes)
    assert math.fsum(certified.masses) == pytest.approx(1.0, abs=1e-12)
    achieved = sum(m * c for c, m in zip(certified.panels, certified.masses, strict=True)) / pool.type_sizes
    assert np.all(achieved >= relaxed.levels - certified.gap - 1e-9)
    assert float(achieved.min()) >= 0.999 * bound

    distribution = distribution_from_compositions(pool, "leximin", certified.panels, certified.masses)
    assert distribution.min_probability >= 0.999 * bound
    assert math.fsum(distribution.probabilities.values()) == pytest.approx(30, abs=1e-9)
    for panel in distribution.portfolio.panels[:: max(1, len(distribution.portfolio) // 400)]:
        assert quota_violations(instance, panel) == []
    assert reports[-1].phase == "done"
    assert reports[-1].lower_bound == pytest.approx(float(achieved.min()), abs=1e-12)


def _face_of(constraints: Constraints, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(fractional types, floor, need_lo, need_hi) at ``y``, as one peeling step sees them."""
    floor = np.floor(y)
    fractional = np.flatnonzero(y - floor > 1e-9)
    sums, base = constraints.matrix @ y, constraints.matrix @ floor
    tight = (sums <= constraints.lower + 1e-7) | (sums >= constraints.upper - 1e-7)
    exact = np.rint(sums - base).astype(np.int64)
    need_lo = np.where(tight, exact, constraints.lower - base.astype(np.int64))
    need_hi = np.where(tight, exact, constraints.upper - base.astype(np.int64))
    return fractional, floor, need_lo, need_hi


@pytest.fixture(scope="module")
def tight_face():
    """The relaxation's point of a national 800/40 pool, its face and one rounding on it (IP)."""
    pool = compile_pool(national_instance(POOL, PANEL, seed=2))
    relaxed = relaxation_leximin(pool)
    assert relaxed is not None
    constraints = Constraints.of(pool)
    fractional, floor, need_lo, need_hi = _face_of(constraints, relaxed.counts)
    keys = np.linspace(1.0, 0.0, len(fractional))
    base = constraints.matrix @ floor
    weights = np.zeros(pool.num_types)
    weights[fractional] = keys
    panel = PanelOracle(pool).panel_within(floor, np.ceil(relaxed.counts), base + need_lo, base + need_hi, weights)
    assert panel is not None and constraints.valid(panel, pool.type_sizes)
    return constraints, fractional, need_lo, need_hi, keys, np.flatnonzero(panel > floor)


@pytest.mark.parametrize("dropped", [1, 2, 4])
def test_fill_and_exchange_complete_a_rounding_that_lost_types_on_a_tight_face(tight_face, dropped: int) -> None:
    # After a peeling step several types of the last panel can become integral at once; the panel
    # must then be completed on the face where most quota rows are tight (exact counts). ``_fill``
    # (greedy additions, then ``_exchange``: at most two out and two in) does that without the
    # integer programme.
    constraints, fractional, need_lo, need_hi, keys, rounding = tight_face
    assert np.sum(need_lo == need_hi) >= 10  # a tight face: many rows need exact counts

    start = np.delete(rounding, np.arange(dropped) * 3)  # lose some types, as after a step
    assert _violation(constraints.matrix[:, start].sum(axis=1), need_lo, need_hi) > 0
    repaired = _fill(constraints.matrix, fractional, start, need_lo, need_hi, keys)
    assert repaired is not None
    assert set(repaired.tolist()) <= set(fractional.tolist())
    counts = constraints.matrix[:, repaired].sum(axis=1)
    assert np.all(counts >= need_lo) and np.all(counts <= need_hi)
    assert len(set(start.tolist()) - set(repaired.tolist())) <= 2  # at most two taken out again

    if dropped == 1:
        # One type short: an exchange alone puts in a type with the same tight-row values.
        exchanged = _exchange(constraints.matrix, fractional, start, need_lo, need_hi, keys)
        assert exchanged is not None
        counts = constraints.matrix[:, exchanged].sum(axis=1)
        assert np.all(counts >= need_lo) and np.all(counts <= need_hi)
