"""Maximum Nash welfare: the distribution over panels maximising the product of selection probabilities.

Source: Flanigan, Gölz, Gupta, Hennig & Procaccia, "Fair algorithms for selecting citizens' assemblies",
Nature 596 (2021), Methods (Nash welfare as an alternative objective), and the column-generation
scheme used there. Maximising ``sum_i log p_i`` is concave in the panel probabilities ``q``; its
gradient for panel P is ``sum_{i in P} 1 / p_i``, and at the optimum no panel's gradient exceeds the
number of people N, so pricing is the panel integer programme with weights ``1 / p_i``. Concavity gives
the stopping rule: welfare gap <= max_P gradient - N.
"""

from __future__ import annotations

import numpy as np

from . import tolerances
from .columns import cover_pool
from .expand import distribution_from_compositions
from .highs import PanelOracle
from .maximin import unreachable_note
from .model import Distribution, Instance, Progress, ProgressCallback
from .pool import Pool, compile_pool
from .registry import algorithm


def _welfare(matrix: np.ndarray, people: np.ndarray, q: np.ndarray, barrier: float) -> float:
    probabilities = matrix @ q
    if np.any(probabilities <= 0) or np.any(q <= 0):
        return -np.inf
    return float(people @ np.log(probabilities)) + barrier * float(np.log(q).sum())


def _best_mixture(
    matrix: np.ndarray, people: np.ndarray, start: np.ndarray, barrier: float = tolerances.NASH_BARRIER_START
) -> np.ndarray:
    """Maximise sum_t n_t log((matrix @ q)_t) over the simplex by a log-barrier Newton method.

    The restricted problem has at most a few hundred panels, so dense Newton steps on the KKT system
    (with the constraint sum q = 1) are cheap and converge to high accuracy, which the pricing step
    needs: an inexact optimum makes pricing re-propose panels we already have.
    """
    size = len(start)
    q = 0.9 * start / start.sum() + 0.1 / size
    ones = np.ones(size)
    while barrier >= tolerances.NASH_BARRIER_END:
        for _ in range(tolerances.NASH_NEWTON_STEPS):
            probabilities = matrix @ q
            gradient = matrix.T @ (people / probabilities) + barrier / q
            scaled = matrix * np.sqrt(people)[:, None] / probabilities[:, None]
            # einsum, not BLAS: multithreaded BLAS on these small matrices thrashes on busy machines
            hessian = -np.einsum("tp,tq->pq", scaled, scaled, optimize=False) - np.diag(barrier / q**2)
            kkt = np.block([[hessian, ones[:, None]], [ones[None, :], np.zeros((1, 1))]])
            rhs = np.concatenate([-gradient, [0.0]])
            try:
                step = np.linalg.solve(kkt, rhs)[:size]
            except np.linalg.LinAlgError:
                step = np.linalg.lstsq(kkt, rhs, rcond=None)[0][:size]
            decrement = -float(step @ hessian @ step)
            if decrement <= tolerances.NASH_NEWTON_TOLERANCE:
                break
            length = 1.0
            negative = step < 0
            if negative.any():
                length = min(1.0, 0.99 * float(np.min(-q[negative] / step[negative])))
            current = _welfare(matrix, people, q, barrier)
            while length > 1e-12 and _welfare(matrix, people, q + length * step, barrier) < current:
                length /= 2
            q = q + length * step
        barrier *= tolerances.NASH_BARRIER_SHRINK
    normalised: np.ndarray = q / q.sum()
    return normalised


def _column(pool: Pool, reachable: np.ndarray, counts: np.ndarray) -> np.ndarray:
    column: np.ndarray = counts[reachable] / pool.type_sizes[reachable]
    return column


@algorithm("nash", "Maximum Nash welfare", "Nash welfare")
def nash(instance: Instance, *, progress: ProgressCallback | None = None) -> Distribution:
    """Maximise the Nash welfare (product of selection probabilities) over reachable people."""
    pool = compile_pool(instance)
    oracle = PanelOracle(pool)
    cover = cover_pool(pool, oracle)
    reachable = cover.reachable
    if len(reachable) == 0:  # no open seat anyone can take: the only panel is the forced one
        return distribution_from_compositions(pool, "nash", cover.panels[:1], np.ones(1), stages=1)
    people = pool.type_sizes[reachable].astype(float)
    total = float(people.sum())
    panels = [counts for counts in cover.panels]
    keys = {counts.tobytes() for counts in panels}
    matrix = np.column_stack([_column(pool, reachable, counts) for counts in panels])
    q = np.full(len(panels), 1.0 / len(panels))
    iterations = 0
    while True:
        iterations += 1
        # after the first solve we start near the optimum, so a smaller barrier suffices
        barrier = tolerances.NASH_BARRIER_START if iterations == 1 else tolerances.NASH_BARRIER_WARM_START
        q = _best_mixture(matrix, people, q, barrier)
        probabilities = matrix @ q
        weights = np.zeros(pool.num_types)
        weights[reachable] = 1.0 / probabilities
        result = oracle.best_panel(weights)
        assert result is not None
        _, bound, counts = result
        gap = bound / total - 1.0
        if progress is not None:
            progress(Progress("nash", 1, iterations, float(probabilities.min()), gap, len(panels), "relative gap"))
        if gap <= tolerances.NASH_RELATIVE_GAP or counts.tobytes() in keys or iterations >= tolerances.NASH_MAX_ITERATIONS:
            break
        panels.append(counts)
        keys.add(counts.tobytes())
        matrix = np.column_stack([matrix, _column(pool, reachable, counts)])
        q = np.append(q * (1 - 1e-3), 1e-3)
    return distribution_from_compositions(
        pool,
        "nash",
        panels,
        q,
        iterations=iterations,
        stages=1,
        panels_generated=len(panels),
        notes=unreachable_note(pool, cover.unreachable),
    )
