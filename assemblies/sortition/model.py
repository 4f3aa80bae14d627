"""Plain data types for panel selection: who is in the pool, what the quotas are, what came out.

Everything here is immutable and ordered (tuples, not sets) so that a run never depends on hash
ordering: the same inputs give the same panels on every platform and every ``PYTHONHASHSEED``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Quota:
    """How many panel members must have ``value`` in ``category``: between ``min`` and ``max``.

    ``min_flex``/``max_flex`` are the Sortition Foundation's outer limits an officer is willing to
    relax to; the diagnosis uses them as bounds when suggesting a relaxation.
    """

    category: str
    value: str
    min: int
    max: int
    min_flex: int | None = None
    max_flex: int | None = None


@dataclass(frozen=True)
class Person:
    """One respondent: an id, one value per category, and a household key (``None`` if unchecked)."""

    id: str
    features: Mapping[str, str]
    household: str | None = None


@dataclass(frozen=True)
class Instance:
    """A selection problem: the pool, the quotas, the panel size and the replacement constraints.

    ``must_include`` are people already on the panel (replacements keep them); ``must_exclude``
    are people who dropped out or may not be chosen.
    """

    people: tuple[Person, ...]
    quotas: tuple[Quota, ...]
    panel_size: int
    must_include: tuple[str, ...] = ()
    must_exclude: tuple[str, ...] = ()

    @property
    def categories(self) -> tuple[str, ...]:
        """Category names in file order (first appearance)."""
        return tuple(dict.fromkeys(quota.category for quota in self.quotas))

    def person_ids(self) -> tuple[str, ...]:
        return tuple(person.id for person in self.people)


@dataclass(frozen=True)
class Portfolio:
    """A probability distribution over panels, in canonical order (see ``draw.canonical_portfolio``)."""

    panels: tuple[tuple[str, ...], ...]
    probabilities: tuple[float, ...]

    def __len__(self) -> int:
        return len(self.panels)

    def marginals(self, person_ids: tuple[str, ...]) -> dict[str, float]:
        """Each person's selection probability: the total probability of the panels that contain them."""
        totals = dict.fromkeys(person_ids, 0.0)
        for panel, probability in zip(self.panels, self.probabilities, strict=True):
            for person_id in panel:
                totals[person_id] += probability
        return totals


@dataclass(frozen=True)
class Progress:
    """A progress report from a long computation (column generation, LEXIMIN stages, sampling).

    These are the fields a progress bar shows, and each means what it says at the moment it is sent:

    * ``lower_bound``: the guaranteed minimum selection probability: a lottery over valid panels
      with at least this minimum exists already (0 while some group of people is on no panel yet);
    * ``upper_bound``: the bound: no lottery can have a higher minimum (the LP relaxation's, or
      the pricing bound in column generation);
    * ``mass_placed``: the share of the lottery's probability mass already given to panels
      (``None`` where the computation does not place mass, e.g. column generation);
    * ``seconds_left``: an estimate of the time left (``None`` when there is no basis for one yet);
    * ``phase``: which part of the computation is running (``relaxation``, ``decomposition``,
      ``closing``, ``column generation``, ``sampling``...).
    """

    algorithm: str
    stage: int
    iteration: int
    lower_bound: float
    upper_bound: float
    panels: int
    message: str = ""
    mass_placed: float | None = None
    seconds_left: float | None = None
    phase: str = ""

    @property
    def relative_gap(self) -> float | None:
        """How far the guaranteed minimum is below the bound, as a share of the bound."""
        if self.upper_bound <= 0:
            return None
        return max(0.0, (self.upper_bound - self.lower_bound) / self.upper_bound)

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready fields (the web progress bar's payload)."""
        return {
            "algorithm": self.algorithm,
            "phase": self.phase,
            "stage": self.stage,
            "iteration": self.iteration,
            "guaranteed_minimum": float(self.lower_bound),
            "bound": float(self.upper_bound),
            "relative_gap": self.relative_gap,
            "mass_placed": None if self.mass_placed is None else float(self.mass_placed),
            "seconds_left": None if self.seconds_left is None else float(self.seconds_left),
            "panels": self.panels,
            "message": self.message,
        }


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class Distribution:
    """What a fairness algorithm returns: the portfolio plus how it got there."""

    algorithm: str
    portfolio: Portfolio
    probabilities: dict[str, float]
    iterations: int = 0
    stages: int = 0
    panels_generated: int = 0
    notes: tuple[str, ...] = ()
    fixed_people: tuple[str, ...] = ()

    @property
    def min_probability(self) -> float:
        """Smallest probability among people whose selection was open (not forced in or ruled out)."""
        fixed = set(self.fixed_people)
        open_people = [p for person, p in self.probabilities.items() if person not in fixed]
        return min(open_people) if open_people else 1.0
