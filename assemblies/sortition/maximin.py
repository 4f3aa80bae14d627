"""MAXIMIN: the distribution over quota-satisfying panels that maximises the smallest selection probability.

Source: Flanigan, Gölz, Gupta, Hennig & Procaccia, "Fair algorithms for selecting citizens' assemblies",
Nature 596 (2021), Methods ("Maximin" and the column-generation scheme of the LEXIMIN algorithm, first
stage). Solved over types of interchangeable people (see ``pool``) with HiGHS.
"""

from __future__ import annotations

import numpy as np

from .certified import Attempt, certified_leximin
from .columns import cover_pool, maximise_minimum
from .expand import distribution_from_compositions
from .highs import PanelOracle, RestrictedMaster
from .model import Distribution, Instance, ProgressCallback
from .pool import Pool, compile_pool
from .registry import algorithm

METHODS = ("auto", "column-generation")


def start_master(
    pool: Pool, oracle: PanelOracle, seeds: list[np.ndarray] | None = None
) -> tuple[RestrictedMaster, np.ndarray]:
    """Restricted LP seeded with panels covering everyone who can be selected at all (and ``seeds``)."""
    cover = cover_pool(pool, oracle)
    master = RestrictedMaster(pool, cover.reachable)
    for counts in [*cover.panels, *(seeds or [])]:
        if not master.has_panel(counts):
            master.add_panel(counts)
    return master, cover.unreachable


def try_certified(
    pool: Pool, oracle: PanelOracle, algorithm: str, method: str, progress: ProgressCallback | None, claim: str
) -> tuple[Distribution | None, Attempt | None]:
    """The certified lottery as a distribution, or (None, the failed attempt) for the fallback's seeds.

    ``claim`` is what the certificate proves for the calling algorithm (its note starts with it)."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if method != "auto":
        return None, None
    attempt = certified_leximin(pool, oracle, progress, algorithm)
    certified = attempt.certified
    if certified is None:
        return None, attempt
    reached = np.zeros(pool.num_types, dtype=bool)
    for counts in certified.panels:
        reached |= counts > 0
    unreachable = np.flatnonzero(~reached)
    how = (
        f"{certified.steps} decomposition steps, {certified.integer_program_calls} integer programmes"
        if certified.completion_iterations == 0
        else f"{certified.steps} decomposition steps completed by {certified.completion_iterations} "
        "column-generation iterations"
    )
    if certified.closing:
        how += f"; {certified.closing}"
    note = (
        f"{claim} by certificate: the lottery attains the LEXIMIN levels of the LP relaxation "
        f"({certified.stages} LP stages; {len(certified.panels)} panel compositions from {how})"
    )
    if certified.gap > 0:
        note = (
            f"within {certified.gap:.2e} of LEXIMIN-optimal by certificate: every group's probability is at "
            f"most that far below its LEXIMIN level of the LP relaxation, an upper bound on any lottery's "
            f"({certified.stages} LP stages; {len(certified.panels)} panel compositions from {how})"
        )
    distribution = distribution_from_compositions(
        pool,
        algorithm,
        certified.panels,
        certified.masses,
        iterations=0,
        stages=certified.stages,
        panels_generated=len(certified.panels),
        notes=(note, *unreachable_note(pool, unreachable)),
    )
    return distribution, None


ColumnGenerationStart = tuple[Pool, PanelOracle, RestrictedMaster, tuple[str, ...]]
"""What column generation starts from when the certified route gave no answer: the pool, the pricing
oracle, the restricted master seeded with panels, and the notes so far."""


def certified_or_start(
    instance: Instance, algorithm: str, method: str, progress: ProgressCallback | None, claim: str
) -> Distribution | ColumnGenerationStart:
    """The certified lottery if the relaxation route gives one, else a seeded restricted master."""
    pool = compile_pool(instance)
    oracle = PanelOracle(pool)
    distribution, attempt = try_certified(pool, oracle, algorithm, method, progress, claim)
    if distribution is not None:
        return distribution
    master, unreachable = start_master(pool, oracle, attempt.panels if attempt else None)
    return pool, oracle, master, (*fallback_note(attempt), *unreachable_note(pool, unreachable))


def fallback_note(attempt: Attempt | None) -> tuple[str, ...]:
    if attempt is None:
        return ()
    return (
        f"the LP relaxation's LEXIMIN point was not decomposed into panels ({attempt.failure}); column "
        f"generation was used instead, starting from the {len(attempt.panels)} panels found",
    )


def unreachable_note(pool: Pool, unreachable: np.ndarray) -> tuple[str, ...]:
    if len(unreachable) == 0:
        return ()
    people = sum(len(pool.type_members[t]) for t in unreachable)
    return (f"{people} people are in no panel that satisfies the quotas; their probability is 0",)


@algorithm("maximin", "Maximin", "\"Maximin\"")
def maximin(instance: Instance, *, progress: ProgressCallback | None = None, method: str = "auto") -> Distribution:
    """Maximise the minimum selection probability (Flanigan et al. 2021)."""
    start = certified_or_start(instance, "maximin", method, progress, "maximin-optimal (and LEXIMIN-optimal)")
    if isinstance(start, Distribution):
        return start
    pool, oracle, master, notes = start
    stage = maximise_minimum(master, oracle, algorithm="maximin", stage=1, progress=progress)
    return distribution_from_compositions(
        pool,
        "maximin",
        master.panels,
        stage.weights,
        iterations=stage.iterations,
        stages=1,
        panels_generated=len(master.panels),
        notes=notes,
    )
