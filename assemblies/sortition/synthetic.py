"""Seeded synthetic pools for benchmarks and property tests (no real respondents involved).

Volunteers are not a random sample of the area (Flanigan et al. 2021 stress this): some values are
over-represented among respondents. We draw each person's values from skewed weights, and set quotas
around the *area's* shares (taken here as the uniform shares), so the quotas bind.
"""

from __future__ import annotations

import math

import numpy as np

from .model import Instance, Person, Quota

DEFAULT_VALUES_PER_CATEGORY = (2, 4, 3, 5, 3, 4)


def synthetic_instance(
    pool_size: int,
    panel_size: int,
    *,
    values_per_category: tuple[int, ...] = DEFAULT_VALUES_PER_CATEGORY,
    seed: int = 0,
    slack: float = 0.25,
) -> Instance:
    """A pool of ``pool_size`` with one category per entry of ``values_per_category``."""
    rng = np.random.Generator(np.random.PCG64(seed))
    categories = [f"category{index + 1}" for index in range(len(values_per_category))]
    columns = []
    quotas: list[Quota] = []
    for category, count in zip(categories, values_per_category, strict=True):
        weights = rng.dirichlet(np.full(count, 3.0))
        drawn = rng.choice(count, size=pool_size, p=weights)
        columns.append(drawn)
        available = np.bincount(drawn, minlength=count)
        for value in range(count):
            target = panel_size / count
            low = max(0, math.floor(target * (1 - slack)))
            high = math.ceil(target * (1 + slack))
            low = min(low, int(available[value]))
            quotas.append(Quota(category, f"v{value + 1}", low, max(high, low)))
    people = tuple(
        Person(
            f"p{index}",
            {category: f"v{int(column[index]) + 1}" for category, column in zip(categories, columns, strict=True)},
        )
        for index in range(pool_size)
    )
    return Instance(people, tuple(quotas), panel_size)
