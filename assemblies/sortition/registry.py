"""The selection algorithms by the names used on the command line, in reports and in the web form."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .legacy import legacy
from .leximin import leximin
from .maximin import maximin
from .model import Distribution
from .nash import nash


@dataclass(frozen=True)
class Algorithm:
    name: str
    function: Callable[..., Distribution]
    title: str
    samples: bool = False


ALGORITHMS: dict[str, Algorithm] = {
    "leximin": Algorithm("leximin", leximin, "LEXIMIN (Flanigan et al. 2021)"),
    "maximin": Algorithm("maximin", maximin, "Maximin"),
    "nash": Algorithm("nash", nash, "Maximum Nash welfare"),
    "legacy": Algorithm("legacy", legacy, "LEGACY greedy (Sortition Foundation, for comparison)", samples=True),
}
DEFAULT_ALGORITHM = "leximin"


def get_algorithm(name: str) -> Algorithm:
    try:
        return ALGORITHMS[name]
    except KeyError:
        raise ValueError(f"unknown algorithm {name!r}; choose one of {', '.join(ALGORITHMS)}") from None
