"""LEGACY, kept for comparison: its panels meet the quotas, and it is less fair than LEXIMIN."""

from __future__ import annotations

import numpy as np

from assemblies.sortition.leximin import leximin
from assemblies.sortition.sf_legacy_greedy import legacy

from .helpers import SMALL_20, expected_min_probability, load, quota_violations


def test_legacy_panels_meet_quotas_and_leave_some_people_far_below_leximin():
    instance = load(SMALL_20)
    distribution = legacy(instance, rng=np.random.Generator(np.random.PCG64(5)), samples=300)
    for panel in distribution.portfolio.panels:
        assert quota_violations(instance, panel) == []
    assert distribution.min_probability < leximin(instance).min_probability
    # the replication repo's 99% upper bound on LEGACY's minimum is 1.21%; with 300 runs we only
    # check the same order of magnitude: the lone female conservative is nearly always left out
    assert distribution.probabilities["0"] <= 10 * expected_min_probability("example_small_20", "legacy_upper_bound_99")
