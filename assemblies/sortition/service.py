"""The one way in: compute the fair distribution, draw the panel, select replacements.

Commands, the web job (later) and tests all call these functions.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import replace

from .draw import draw_index, draw_number, sampling_generator
from .feasibility import require_feasible
from .model import Instance, ProgressCallback, SelectionResult
from .registry import DEFAULT_ALGORITHM, get_algorithm


def instance_sha256(instance: Instance) -> str:
    """A digest of the instance's content, for callers that have no input files to hash."""
    content = {
        "quotas": [[q.category, q.value, q.min, q.max] for q in instance.quotas],
        "people": [[p.id, [p.features[c] for c in instance.categories], p.household] for p in instance.people],
        "panel_size": instance.panel_size,
        "must_include": list(instance.must_include),
        "must_exclude": list(instance.must_exclude),
    }
    return hashlib.sha256(json.dumps(content, separators=(",", ":")).encode("utf-8")).hexdigest()


def select_panel(
    instance: Instance,
    *,
    algorithm: str = DEFAULT_ALGORITHM,
    seed: str = "0",
    inputs_sha256: str | None = None,
    progress: ProgressCallback | None = None,
    iteration_budget: int | None = None,
) -> SelectionResult:
    """Compute the algorithm's distribution over panels and draw one from it, reproducibly.

    ``iteration_budget`` caps LEXIMIN's later stages (see ``leximin``); other algorithms ignore it.
    Raises ``InfeasibleQuotasError`` (with a diagnosis) before any optimisation if no panel exists.
    """
    chosen = get_algorithm(algorithm)
    digest = inputs_sha256 or instance_sha256(instance)
    require_feasible(instance)
    if chosen.samples:
        distribution = chosen.function(
            instance, progress=progress, rng=sampling_generator(seed, digest, chosen.name)
        )
    elif chosen.name == "leximin" and iteration_budget is not None:
        distribution = chosen.function(instance, progress=progress, iteration_budget=iteration_budget)
    else:
        distribution = chosen.function(instance, progress=progress)
    number = draw_number(seed, digest, chosen.name)
    index = draw_index(distribution.portfolio, number)
    return SelectionResult(
        distribution=distribution,
        panel=distribution.portfolio.panels[index],
        seed=seed,
        inputs_sha256=digest,
        draw_number=number,
        draw_index=index,
    )


def select_replacements(
    instance: Instance,
    panel: Sequence[str],
    dropouts: Sequence[str],
    *,
    algorithm: str = DEFAULT_ALGORITHM,
    seed: str = "0",
    inputs_sha256: str | None = None,
    progress: ProgressCallback | None = None,
) -> tuple[tuple[str, ...], SelectionResult]:
    """Refill the seats of ``dropouts``: same quotas, same fairness objective, remaining pool only.

    The people who stay are fixed on the panel; the drop-outs (and anyone already excluded) cannot be
    chosen. Returns the replacements and the full result for the new panel.
    """
    leaving = set(dropouts)
    staying = tuple(person for person in panel if person not in leaving)
    restricted = replace(
        instance,
        must_include=tuple(dict.fromkeys((*instance.must_include, *staying))),
        must_exclude=tuple(dict.fromkeys((*instance.must_exclude, *dropouts))),
    )
    result = select_panel(restricted, algorithm=algorithm, seed=seed, inputs_sha256=inputs_sha256, progress=progress)
    kept = set(staying)
    return tuple(person for person in result.panel if person not in kept), result
