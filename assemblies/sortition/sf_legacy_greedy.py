"""LEGACY: the Sortition Foundation's legacy greedy randomised selection, kept for comparison.

Source: described in Flanigan, Gölz, Gupta, Hennig & Procaccia, Nature 596 (2021), Methods
("Benchmark: LEGACY"). Seat by seat, it finds the quota value whose unmet minimum is largest relative
to the people still available with that value, and picks one of those people uniformly at random; a
value that reaches its maximum removes everyone with it, and a chosen person removes their household.
A run that paints itself into a corner is restarted. It satisfies the quotas but gives some people far
lower chances than others; its probabilities have no closed form, so we estimate them from many runs
and treat the empirical distribution of those runs as its portfolio.
"""

from __future__ import annotations

import numpy as np

from . import tolerances
from .expand import canonical_portfolio
from .feasibility import require_feasible
from .model import Distribution, Instance, Progress, ProgressCallback
from .pool import Pool, compile_pool
from .registry import algorithm


class _Pool:
    """Person-level arrays for fast repeated greedy runs."""

    def __init__(self, pool: Pool) -> None:
        ids: list[str] = []
        rows: list[tuple[int, ...]] = []
        household: list[int] = []
        household_of_type = {t: h for h, types in enumerate(pool.households) for t in types}
        for type_index, members in enumerate(pool.type_members):
            for member in members:
                ids.append(member)
                rows.append(pool.type_values[type_index])
                household.append(household_of_type.get(type_index, -1))
        self.ids = ids
        self.has_value = np.zeros((len(pool.value_labels), len(ids)), dtype=bool)
        for person, values in enumerate(rows):
            self.has_value[list(values), person] = True
        self.value_counts = self.has_value.astype(np.int64)
        self.household = np.array(household, dtype=np.int64)
        self.lower = pool.lower
        self.upper = pool.upper
        self.size = pool.size


def _one_run(people: _Pool, rng: np.random.Generator) -> list[int] | None:
    eligible = np.ones(len(people.ids), dtype=bool)
    for closed in np.flatnonzero(people.upper <= 0):
        eligible &= ~people.has_value[closed]
    available = people.value_counts @ eligible
    selected_counts = np.zeros(len(people.lower), dtype=np.int64)
    chosen: list[int] = []

    def drop(mask: np.ndarray) -> None:
        nonlocal available
        leaving = eligible & mask
        if leaving.any():
            available = available - people.value_counts[:, leaving].sum(axis=1)
            eligible[leaving] = False

    for _ in range(people.size):
        need = people.lower - selected_counts
        usable = available > 0
        if not usable.any():
            return None
        ratio = np.where(usable, need / np.maximum(available, 1), -np.inf)
        if ratio.max() > 1:
            return None
        best = np.flatnonzero(ratio == ratio.max())
        value = int(best[rng.integers(len(best))])
        candidates = np.flatnonzero(eligible & people.has_value[value])
        person = int(candidates[rng.integers(len(candidates))])
        chosen.append(person)
        single = np.zeros(len(people.ids), dtype=bool)
        single[person] = True
        drop(single)
        if people.household[person] >= 0:
            drop(people.household == people.household[person])
        selected_counts += people.has_value[:, person]
        for full in np.flatnonzero(people.has_value[:, person] & (selected_counts >= people.upper)):
            drop(people.has_value[full])
    if np.any(selected_counts < people.lower):
        return None
    return chosen


def legacy_panel(pool: Pool, rng: np.random.Generator) -> tuple[str, ...] | None:
    """One LEGACY panel (restarting failed runs), or ``None`` if every attempt failed."""
    people = _Pool(pool)
    for _ in range(tolerances.LEGACY_MAX_ATTEMPTS):
        chosen = _one_run(people, rng)
        if chosen is not None:
            return (*pool.forced, *(people.ids[person] for person in chosen))
    return None


@algorithm("legacy", "LEGACY greedy (Sortition Foundation, for comparison)", "\"Benchmark: LEGACY\"", samples=True)
def legacy(
    instance: Instance,
    *,
    progress: ProgressCallback | None = None,
    rng: np.random.Generator | None = None,
    samples: int = tolerances.LEGACY_SAMPLES,
) -> Distribution:
    """Estimate LEGACY's distribution from ``samples`` seeded runs (empirical portfolio)."""
    require_feasible(instance)
    pool = compile_pool(instance)
    people = _Pool(pool)
    rng = rng if rng is not None else np.random.Generator(np.random.PCG64(0))
    position = {person_id: index for index, person_id in enumerate(pool.all_ids)}
    totals: dict[tuple[str, ...], float] = {}
    failures = 0
    for sample in range(samples):
        chosen = None
        for _ in range(tolerances.LEGACY_MAX_ATTEMPTS):
            chosen = _one_run(people, rng)
            if chosen is not None:
                break
            failures += 1
        if chosen is None:
            raise RuntimeError("LEGACY failed to find a panel although the quotas are feasible")
        panel = tuple(sorted((*pool.forced, *(people.ids[p] for p in chosen)), key=position.__getitem__))
        totals[panel] = totals.get(panel, 0.0) + 1.0
        if progress is not None and (sample + 1) % 100 == 0:
            progress(Progress("legacy", 1, sample + 1, 0.0, 0.0, len(totals), "sampling"))
    portfolio = canonical_portfolio(totals, position)
    return Distribution(
        "legacy",
        portfolio,
        portfolio.marginals(pool.all_ids),
        iterations=samples,
        stages=1,
        panels_generated=len(totals),
        notes=(f"probabilities estimated from {samples} runs ({failures} restarts)",),
        fixed_people=(*pool.forced, *pool.removed),
    )
