"""A panel selection in the engines' one outcome envelope (``engines.outcome.Outcome``).

What came out: the drawn ``panel``, each respondent's selection ``probabilities`` and the smallest of
them, and the lottery (``portfolio``: panels with their probabilities) the panel was drawn from. How:
two typed rounds, the lottery the algorithm computed and the public draw from it. Each respondent's
fate: drawn or not (or kept / excluded in a replacement), with their probability.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from engines.outcome import Outcome, Round

from .model import Distribution, Portfolio


@dataclass
class LotteryRound(Round):
    """The algorithm's distribution over quota-satisfying panels."""

    type: ClassVar[str] = "lottery"
    algorithm: str
    portfolio_size: int
    min_probability: float
    iterations: int
    stages: int
    panels_generated: int


@dataclass
class DrawRound(Round):
    """The public draw: ``number`` in [0, 1) from the seed and the inputs' digest picks panel ``index``."""

    type: ClassVar[str] = "draw"
    seed: str
    inputs_sha256: str
    number: float
    index: int
    panel_probability: float


@dataclass(kw_only=True)
class SelectionOutcome(Outcome):
    """The distribution, the drawn panel and everything needed to reproduce the draw."""

    engine: ClassVar[str] = "sortition"
    distribution: Distribution
    panel: tuple[str, ...]
    seed: str
    inputs_sha256: str
    draw_number: float
    draw_index: int

    @property
    def algorithm(self) -> str:
        return self.distribution.algorithm

    @property
    def portfolio(self) -> Portfolio:
        return self.distribution.portfolio

    @property
    def probabilities(self) -> dict[str, float]:
        return self.distribution.probabilities

    @property
    def min_probability(self) -> float:
        return self.distribution.min_probability

    def outcome_dict(self) -> dict[str, Any]:
        return {
            "algorithm": self.rule,
            "seed": self.seed,
            "panel": list(self.panel),
            "min_probability": self.min_probability,
            "probabilities": self.probabilities,
            "portfolio_size": len(self.portfolio),
            "portfolio": portfolio_rows(self.portfolio),
        }


def portfolio_rows(portfolio: Portfolio) -> list[dict[str, Any]]:
    """The lottery as published: one ``{"probability", "panel"}`` object per panel, in canonical order."""
    return [
        {"probability": probability, "panel": list(panel)}
        for panel, probability in zip(portfolio.panels, portfolio.probabilities, strict=True)
    ]
