"""Turn a distribution over panel *compositions* (counts per type) into one over named panels.

Within a type all members must end up with the same probability. For a composition with ``c`` of a
type's ``n`` members and probability ``q``, we split ``q`` into ``b = n / gcd(n, c)`` equal slices and
in slice ``r`` take the ``c`` members starting at position ``r*c`` (cyclically, in file order). The
window starts run over the multiples of ``gcd(n, c)``, so every member is in exactly ``c / gcd`` of the
``b`` windows: probability ``q * c / n``, exactly. Slices of different types are combined by cutting
``q`` at the union of their slice boundaries, so a composition becomes at most a few hundred panels and
the marginals are exact, not sampled.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from . import tolerances
from .model import Distribution, Portfolio
from .pool import Pool


def _slices(pool: Pool, counts: np.ndarray) -> tuple[list[Fraction], dict[int, int]]:
    periods: dict[int, int] = {}
    for type_index in np.flatnonzero(counts):
        size = len(pool.type_members[type_index])
        count = int(counts[type_index])
        if count < size:
            periods[int(type_index)] = size // math.gcd(size, count)
    cuts = {Fraction(0), Fraction(1)}
    for period in set(periods.values()):
        cuts.update(Fraction(j, period) for j in range(1, period))
    return sorted(cuts), periods


def named_portfolio(pool: Pool, compositions: list[np.ndarray], masses: np.ndarray) -> Portfolio:
    """Exact expansion (see module docstring); forced people are added to every panel.

    Works on people's file positions (ints) and turns them into ids once at the end. The slice
    boundaries are exact fractions, but a type's window within a slice is read off at the slice's
    midpoint in floating point: boundaries of periods up to the pool size are at least 1/pool_size**2
    apart, so the midpoint is never near a multiple of 1/period and ``floor`` cannot go wrong.
    """
    position = {person_id: index for index, person_id in enumerate(pool.all_ids)}
    member_positions = [[position[m] for m in members] for members in pool.type_members]
    forced = [position[person_id] for person_id in pool.forced]
    totals: dict[tuple[int, ...], float] = {}
    for counts, mass in zip(compositions, masses, strict=True):
        if mass <= tolerances.PROBABILITY_CUTOFF:
            continue
        cuts, periods = _slices(pool, counts)
        whole = list(forced)
        partial: list[tuple[list[int], int, int]] = []
        for type_index in np.flatnonzero(counts):
            members = member_positions[type_index]
            period = periods.get(int(type_index))
            if period is None:
                whole.extend(members)
            else:
                partial.append((members, int(counts[type_index]), period))
        for start, end in zip(cuts, cuts[1:], strict=False):
            middle = float(start + end) / 2
            panel = list(whole)
            for members, count, period in partial:
                first = math.floor(middle * period) * count
                size = len(members)
                panel.extend(members[(first + offset) % size] for offset in range(count))
            key = tuple(sorted(panel))
            totals[key] = totals.get(key, 0.0) + float(mass) * float(end - start)
    ids = pool.all_ids
    return canonical_portfolio({tuple(ids[i] for i in key): total for key, total in totals.items()}, position)


def canonical_portfolio(totals: dict[tuple[str, ...], float], position: dict[str, int]) -> Portfolio:
    """Order panels by their members' file positions and normalise: the draw walks this order."""
    ordered = sorted(totals.items(), key=lambda item: tuple(position[person_id] for person_id in item[0]))
    total = math.fsum(probability for _, probability in ordered)
    return Portfolio(
        tuple(panel for panel, _ in ordered),
        tuple(probability / total for _, probability in ordered),
    )


def distribution_from_compositions(
    pool: Pool,
    algorithm: str,
    compositions: list[np.ndarray],
    masses: np.ndarray,
    *,
    iterations: int = 0,
    stages: int = 0,
    panels_generated: int = 0,
    notes: tuple[str, ...] = (),
) -> Distribution:
    """Build the named portfolio and everyone's probability (forced: 1, removed or unreachable: 0)."""
    masses = np.where(masses > tolerances.PROBABILITY_CUTOFF, masses, 0.0)
    portfolio = named_portfolio(pool, compositions, masses)
    probabilities = portfolio.marginals(pool.all_ids)
    fixed_people = (*pool.forced, *pool.removed)
    return Distribution(
        algorithm,
        portfolio,
        probabilities,
        iterations=iterations,
        stages=stages,
        panels_generated=panels_generated,
        notes=notes,
        fixed_people=fixed_people,
    )
