"""What a PB count returns: :class:`PBOutcome`, the engines' envelope with PB's own fields.

Every rule returns one. ``selected`` (in order of selection), ``budget``, ``total_cost`` and
``leftover`` are exact; ``rounds`` are typed (:class:`GreedyStep`, :class:`MESRound`,
:class:`PhragmenRound`, :class:`CompletionStep`), ``fates`` say for every project whether it was
selected and why, with the figures behind the reason (for a rejected project, what it
``lacked``); ``details`` holds rule-level facts (the per-voter budget of MES, the Add1 steps, the
tie-breaking used). ``to_dict`` keeps the keys ``tally_pb --json`` has always had (``selected``,
``total_cost``, ``budget``, ``leftover``, ``rounds``, ``projects``, ``details``) and adds the
envelope's (``engine``, ``source``, ``fates``, ``notes``); numbers go through
:func:`engines.numbers.jsonable` only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, ClassVar, Final, Literal

from engines.outcome import Fate, Outcome, Round

from .types import Amount

SELECTED: Final = "selected"
REJECTED: Final = "rejected"


@dataclass(kw_only=True)
class ProjectStep(Round):
    """A step about one project (every PB round is)."""

    project: str
    cost: Fraction


@dataclass(kw_only=True)
class Purchase(ProjectStep):
    """A round of a proportional rule: the project bought in it, its supporters (weighted), and
    those tied with it (``tied_with``: projects whose price or load was within the tolerance of
    this one's, among which the tie-breaking chose)."""

    round: int
    tied_with: list[str] = field(default_factory=list)
    supporters: Amount | float


@dataclass(kw_only=True)
class GreedyStep(ProjectStep):
    """One project in greedy order: its votes and score, the money left, and what was decided."""

    type: ClassVar[str] = "greedy-step"
    action: Literal["selected", "rejected"]
    reason: str
    place: int
    name: str = ""
    votes: Amount
    """Weighted number of voters who named the project."""
    score: Amount
    """What greedy orders by: votes for approval ballots, points for points ballots."""
    budget_left_before: Fraction
    running_cost: Fraction
    """Total cost of the projects selected so far, this one included if selected."""
    tied_with: list[str] = field(default_factory=list)
    """Projects with the same score (the tie-breaking ordered them)."""


@dataclass(kw_only=True)
class MESRound(Purchase):
    """One project bought by equal shares: its price ``rho`` per unit of utility and who paid."""

    type: ClassVar[str] = "mes-round"
    rho: float
    """Price per unit of utility: each supporter pays ``rho`` x utility, or all they have left."""
    price_per_supporter: float | None
    """What each supporter paid (``rho`` x utility) when they all have the same utility."""
    supporters_paying_all_they_had: float
    paid: float
    """What the supporters paid together (the cost, up to the tolerance)."""
    effective_votes: float = field(init=False)
    """``1 / rho``: with cost utilities, how many voters' worth of support the project had."""

    def __post_init__(self) -> None:
        self.effective_votes = 1 / self.rho


@dataclass(kw_only=True)
class CompletionStep(ProjectStep):
    """A project added after the rule proper (MES's utilitarian top-up): by score, while it fits."""

    type: ClassVar[str] = "completion-step"
    score: Amount
    running_cost: Fraction
    by: str = "utilitarian completion"
    """Which completion added it."""


@dataclass(kw_only=True)
class PhragmenRound(Purchase):
    """One project bought by sequential Phragmén: the load its supporters carry after buying it."""

    type: ClassVar[str] = "phragmen-round"
    load: float
    """Money each supporter has spent once the project is bought (the time it was bought)."""
    running_cost: Fraction


@dataclass
class PBOutcome(Outcome):
    """The outcome of a PB rule and the story behind it (see the module docstring).

    ``rule`` is the name the count was asked for (a registry key or a pabulib META name),
    ``rule_key`` the registry entry that counted it and ``counted_as`` the rule with the options
    that ran (``equalshares/add1-comparison``)."""

    selected: list[str] = field(default_factory=list)
    """Project ids in order of selection."""
    total_cost: Fraction = Fraction(0)
    budget: Fraction = Fraction(0)
    details: dict[str, Any] = field(default_factory=dict)
    """Rule-level facts: tie-breaking, MES's budget per voter and Add1 steps, Phragmén's stop."""
    rule_key: str = ""
    counted_as: str = ""

    engine: ClassVar[str] = "pb"

    @property
    def leftover(self) -> Fraction:
        return self.budget - self.total_cost

    def outcome_dict(self) -> dict[str, Any]:
        return {
            "rule_key": self.rule_key or self.rule,
            "counted_as": self.counted_as or self.rule,
            "selected": list(self.selected),
            "total_cost": self.total_cost,
            "budget": self.budget,
            "leftover": self.leftover,
            "projects": {project: fate.to_dict() for project, fate in self.fates.items()},
            "details": self.details,
        }


def fate(status: str, reason: str, **figures: Any) -> Fate:
    """A project's fate with the figures behind its reason."""
    return Fate(status, reason, figures)
