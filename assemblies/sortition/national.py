"""Seeded national-scale pools (issue 15): the shape of Climate Assembly UK and its peers.

A national assembly draws about 100 members from a few thousand respondents over seven or so
criteria. Respondents are not a random sample: their shares of each value differ from the
population's, and the criteria are correlated (here: attitude with education, age with region), so
the pool has many distinct answer combinations ("types") and the quotas, set at ±``slack`` seats
around the *population's* shares, bind. Nothing here involves real people.

``national_instance(3000, 110, seed=s)`` gives 7 categories with 31 values and about 1,500 types,
the pool the issue was reported on.
"""

from __future__ import annotations

import math

import numpy as np

from .model import Instance, Person, Quota

# (category, number of values): 2 + 6 + 4 + 5 + 9 + 2 + 3 = 31 values.
NATIONAL_CATEGORIES: tuple[tuple[str, int], ...] = (
    ("gender", 2),
    ("age", 6),
    ("education", 4),
    ("ethnicity", 5),
    ("region", 9),
    ("urban_rural", 2),
    ("attitude", 3),
)


def national_instance(
    pool_size: int,
    panel_size: int,
    *,
    seed: int = 0,
    categories: int = len(NATIONAL_CATEGORIES),
    slack: int = 1,
) -> Instance:
    """A pool of ``pool_size`` respondents over the first ``categories`` criteria (5 to 8).

    ``slack`` is the quota width in seats on each side of ``panel_size * population share`` rounded
    (1 is the issue's "±1"; larger is looser). An eighth category (``housing``, 3 values) is added
    when ``categories`` is 8.
    """
    if not 1 <= categories <= len(NATIONAL_CATEGORIES) + 1:
        raise ValueError(f"categories must be between 1 and {len(NATIONAL_CATEGORIES) + 1}")
    if pool_size < panel_size or panel_size < 1:
        raise ValueError("need 1 <= panel_size <= pool_size")
    spec = [*NATIONAL_CATEGORIES, ("housing", 3)][:categories]
    rng = np.random.Generator(np.random.PCG64(seed))
    columns: list[np.ndarray] = []
    quotas: list[Quota] = []
    for index, (category, count) in enumerate(spec):
        population = rng.dirichlet(np.full(count, 4.0))
        # Respondents over-represent some values: skew the population shares by a random factor.
        skew = population * rng.lognormal(0.0, 0.7, size=count)
        skew /= skew.sum()
        if index in (2, 4) and columns:
            # education depends on gender's column, region on age's: shift the weights per value
            # of the earlier column, so that the criteria are correlated.
            parent = columns[index - 1]
            drawn = np.empty(pool_size, dtype=np.int64)
            for value in range(int(parent.max()) + 1):
                rows = np.flatnonzero(parent == value)
                local = skew * rng.lognormal(0.0, 0.4, size=count)
                drawn[rows] = rng.choice(count, size=len(rows), p=local / local.sum())
        else:
            drawn = rng.choice(count, size=pool_size, p=skew)
        columns.append(drawn)
        available = np.bincount(drawn, minlength=count)
        for value in range(count):
            centre = round(panel_size * float(population[value]))
            low = min(max(0, centre - slack), int(available[value]))
            high = max(centre + slack, low)
            quotas.append(Quota(category, f"v{value + 1}", low, high))
    _make_sums_feasible(quotas, spec, panel_size)
    people = tuple(
        Person(
            f"r{index}",
            {category: f"v{int(column[index]) + 1}" for (category, _), column in zip(spec, columns, strict=True)},
        )
        for index in range(pool_size)
    )
    return Instance(people, tuple(quotas), panel_size)


def _make_sums_feasible(quotas: list[Quota], spec: list[tuple[str, int]], panel_size: int) -> None:
    """Widen a category's quotas if rounding made its minimums exceed (or maximums miss) the panel size."""
    start = 0
    for _, count in spec:
        block = quotas[start : start + count]
        excess = sum(q.min for q in block) - panel_size
        shortfall = panel_size - sum(q.max for q in block)
        for offset, quota in enumerate(block):
            low, high = quota.min, quota.max
            if excess > 0:
                cut = min(low, math.ceil(excess / count))
                low -= cut
            if shortfall > 0:
                high += math.ceil(shortfall / count)
            quotas[start + offset] = Quota(quota.category, quota.value, low, high)
        start += count
