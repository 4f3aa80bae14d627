"""The one way in: compute the fair distribution, draw the panel, select replacements.

Commands, the web job (later) and tests all call these functions. The algorithm is looked up in the
registry by name; what it needs besides the instance (a seeded generator, an iteration budget) comes
from its registered metadata, never from its name.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from engines.outcome import Fate

from . import algorithms  # noqa: F401  (fills the registry)
from .draw import draw_index, draw_number, sampling_generator
from .feasibility import require_feasible
from .model import Distribution, Instance, ProgressCallback
from .outcome import DrawRound, LotteryRound, SelectionOutcome
from .registry import ALGORITHMS, DEFAULT_ALGORITHM


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
) -> SelectionOutcome:
    """Compute the algorithm's distribution over panels and draw one from it, reproducibly.

    ``iteration_budget`` caps column generation for algorithms registered as taking one (LEXIMIN's
    later stages); the others ignore it. Raises ``InfeasibleQuotasError`` (with a diagnosis) before
    any optimisation if no panel exists, ``engines.registry.UnknownNameError`` for an unknown name.
    """
    entry, options = ALGORITHMS.resolve(algorithm)
    digest = inputs_sha256 or instance_sha256(instance)
    require_feasible(instance)
    arguments: dict[str, Any] = {**options, "progress": progress}
    if entry.metadata.get("samples"):
        arguments["rng"] = sampling_generator(seed, digest, entry.key)
    if entry.metadata.get("iteration_budget") and iteration_budget is not None:
        arguments["iteration_budget"] = iteration_budget
    distribution = entry.function(instance, **arguments)
    number = draw_number(seed, digest, entry.key)
    index = draw_index(distribution.portfolio, number)
    panel = distribution.portfolio.panels[index]
    return SelectionOutcome(
        rule=entry.key,
        rule_name=entry.display_name,
        source=entry.source,
        rounds=[
            LotteryRound(
                entry.key,
                len(distribution.portfolio),
                distribution.min_probability,
                distribution.iterations,
                distribution.stages,
                distribution.panels_generated,
            ),
            DrawRound(seed, digest, number, index, distribution.portfolio.probabilities[index]),
        ],
        fates=fates(instance, distribution, panel),
        notes=list(distribution.notes),
        distribution=distribution,
        panel=panel,
        seed=seed,
        inputs_sha256=digest,
        draw_number=number,
        draw_index=index,
    )


def fates(instance: Instance, distribution: Distribution, panel: Sequence[str]) -> dict[str, Fate]:
    """Each respondent: drawn or not, with their selection probability (kept / excluded if fixed)."""
    drawn, kept = set(panel), set(instance.must_include)
    excluded = set(distribution.fixed_people) - kept
    result: dict[str, Fate] = {}
    for person in instance.person_ids():
        probability = distribution.probabilities.get(person, 0.0)
        if person in kept:
            status, reason = "kept", "already on the panel; kept in the replacement selection"
        elif person in excluded:
            status, reason = "excluded", "dropped out, excluded, or shares a household with a kept member"
        elif person in drawn:
            status, reason = "drawn", f"drawn by the lottery (selection probability {probability:.6f})"
        else:
            status, reason = "not-drawn", f"not drawn (selection probability {probability:.6f})"
        result[person] = Fate(status, reason, {"probability": probability})
    return result


def select_replacements(
    instance: Instance,
    panel: Sequence[str],
    dropouts: Sequence[str],
    *,
    algorithm: str = DEFAULT_ALGORITHM,
    seed: str = "0",
    inputs_sha256: str | None = None,
    progress: ProgressCallback | None = None,
) -> tuple[tuple[str, ...], SelectionOutcome]:
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
