"""The registry of selection algorithms, by the names used on the command line, in reports and in the
web form. This module only creates it; each algorithm module registers itself (``algorithms`` imports
them all), so the registry and the algorithms never import each other in a cycle.

Metadata an algorithm registers besides its display name, source and options:

* ``samples``: it draws random numbers and takes ``rng`` (a generator derived from the published seed);
* ``iteration_budget``: it takes ``iteration_budget`` (a reproducible cap on column generation).
"""

from __future__ import annotations

from collections.abc import Callable

from engines.registry import Registry

from .model import Distribution

AlgorithmFunction = Callable[..., Distribution]

ALGORITHMS: Registry[AlgorithmFunction] = Registry("sortition algorithm")
DEFAULT_ALGORITHM = "leximin"
FLANIGAN_2021 = "Flanigan, Gölz, Gupta, Hennig & Procaccia, Nature 596 (2021)"
"""\"Fair algorithms for selecting citizens' assemblies\": the source of every algorithm here."""


def algorithm(
    key: str, display_name: str, section: str, *, samples: bool = False, iteration_budget: bool = False
) -> Callable[[AlgorithmFunction], AlgorithmFunction]:
    """Register a selection algorithm described in ``section`` of Flanigan et al. (2021), with the
    metadata every algorithm declares (see the module docstring)."""
    return ALGORITHMS.register(
        key,
        display_name=display_name,
        source=f"{FLANIGAN_2021}, Methods, {section}",
        samples=samples,
        iteration_budget=iteration_budget,
    )
