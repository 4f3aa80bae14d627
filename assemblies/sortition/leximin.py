"""LEXIMIN: maximise the smallest selection probability, then the next smallest, and so on.

Source: Flanigan, Gölz, Gupta, Hennig & Procaccia, "Fair algorithms for selecting citizens' assemblies",
Nature 596 (2021), Methods, "LEXIMIN algorithm". Each stage is a maximin column generation over the
types not yet fixed; at its optimum the types with positive dual weight cannot do better than the
stage's value in any optimal distribution (complementary slackness), so they are fixed there and the
next stage raises the rest. Stage 1 is exactly our ``maximin``.

By default the same sequence is first run on the LP relaxation of the panel polytope and its optimum
decomposed into panels (``certified``, where the argument is spelled out): if that succeeds, the
lottery attains an upper bound on what any lottery can achieve, so it is LEXIMIN-optimal without any
column generation. If it does not (the relaxation is not always integral), or with
``method="column-generation"``, the stage-by-stage column generation below runs, seeded with the
panels the decomposition found.
"""

from __future__ import annotations

import numpy as np

from . import tolerances
from .columns import maximise_minimum
from .expand import distribution_from_compositions
from .maximin import certified_or_start
from .model import Distribution, Instance, ProgressCallback
from .registry import algorithm


@algorithm("leximin", "LEXIMIN", "\"LEXIMIN algorithm\"", iteration_budget=True)
def leximin(
    instance: Instance,
    *,
    progress: ProgressCallback | None = None,
    iteration_budget: int | None = None,
    method: str = "auto",
) -> Distribution:
    """Lexicographically maximise the sorted selection probabilities (Flanigan et al. 2021).

    With ``iteration_budget``, the stages after the first stop when that many column-generation
    iterations have been spent in total, and the distribution found so far is returned: it is still
    maximin-optimal and respects every level fixed so far, but the higher probabilities are not yet
    levelled; a note says so. The first stage always completes. The budget counts iterations, not
    seconds, so a budgeted run is as reproducible as a full one (``verify`` re-runs it exactly). A
    certified result (module docstring) needs no column generation, so the budget does not apply.
    """
    start = certified_or_start(instance, "leximin", method, progress, "LEXIMIN-optimal")
    if isinstance(start, Distribution):
        return start
    pool, oracle, master, start_notes = start
    iterations = 0
    stage_number = 0
    weights = np.zeros(0)
    notes = list(start_notes)
    while np.isnan(master.fixed).any() and stage_number < tolerances.MAX_LEXIMIN_STAGES:
        stage_number += 1
        stage = maximise_minimum(
            master,
            oracle,
            algorithm="leximin",
            stage=stage_number,
            progress=progress,
            max_iterations=(
                tolerances.MAX_ITERATIONS_PER_STAGE
                if iteration_budget is None or stage_number == 1
                else max(1, min(tolerances.MAX_ITERATIONS_PER_STAGE, iteration_budget - iterations))
            ),
        )
        iterations += stage.iterations
        weights = stage.weights
        if iteration_budget is not None and iterations >= iteration_budget:
            open_types = int(np.isnan(master.fixed).sum())
            notes.append(
                f"iteration budget reached after {stage_number} LEXIMIN stages; {open_types} groups of people "
                "are above the levels fixed so far but not yet levelled (the minimum is optimal)"
            )
            break
        unfixed = np.isnan(master.fixed)
        to_fix = np.flatnonzero(unfixed & (stage.duals > tolerances.LEXIMIN_DUAL_THRESHOLD))
        if len(to_fix) == 0:
            candidates = np.flatnonzero(unfixed)
            to_fix = candidates[[int(np.argmax(stage.duals[candidates]))]]
        master.fix(to_fix, max(0.0, stage.value - tolerances.LEXIMIN_FIX_SLACK))
    if stage_number == 0:  # nobody's probability is open (e.g. every seat is already filled)
        _, _, weights = master.solve()
    return distribution_from_compositions(
        pool,
        "leximin",
        master.panels,
        weights,
        iterations=iterations,
        stages=stage_number,
        panels_generated=len(master.panels),
        notes=tuple(notes),
    )
