"""MAXIMIN: the distribution over quota-satisfying panels that maximises the smallest selection probability.

Source: Flanigan, Gölz, Gupta, Hennig & Procaccia, "Fair algorithms for selecting citizens' assemblies",
Nature 596 (2021), Methods ("Maximin" and the column-generation scheme of the LEXIMIN algorithm, first
stage). Solved over types of interchangeable people (see ``pool``) with HiGHS.
"""

from __future__ import annotations

import numpy as np

from .columns import cover_pool, maximise_minimum
from .expand import distribution_from_compositions
from .highs import PanelOracle, RestrictedMaster
from .model import Distribution, Instance, ProgressCallback
from .pool import Pool, compile_pool


def start_master(pool: Pool, oracle: PanelOracle) -> tuple[RestrictedMaster, np.ndarray]:
    """Restricted LP seeded with panels covering everyone who can be selected at all."""
    cover = cover_pool(pool, oracle)
    master = RestrictedMaster(pool, cover.reachable)
    for counts in cover.panels:
        if not master.has_panel(counts):
            master.add_panel(counts)
    return master, cover.unreachable


def unreachable_note(pool: Pool, unreachable: np.ndarray) -> tuple[str, ...]:
    if len(unreachable) == 0:
        return ()
    people = sum(len(pool.type_members[t]) for t in unreachable)
    return (f"{people} people are in no panel that satisfies the quotas; their probability is 0",)


def maximin(instance: Instance, *, progress: ProgressCallback | None = None) -> Distribution:
    """Maximise the minimum selection probability (Flanigan et al. 2021)."""
    pool = compile_pool(instance)
    oracle = PanelOracle(pool)
    master, unreachable = start_master(pool, oracle)
    stage = maximise_minimum(master, oracle, algorithm="maximin", stage=1, progress=progress)
    return distribution_from_compositions(
        pool,
        "maximin",
        master.panels,
        stage.weights,
        iterations=stage.iterations,
        stages=1,
        panels_generated=len(master.panels),
        notes=unreachable_note(pool, unreachable),
    )
