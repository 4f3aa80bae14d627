"""Plain data for participatory budgeting: instance, profile, result.

A participatory-budgeting *instance* is a set of projects with costs and a budget limit; a *profile*
is the list of ballots cast over those projects. The vocabulary follows the pabulib format
(Faliszewski, Flis, Peters, Pierczyński, Skowron, Stolicki, Szufa, Talmon, "Participatory
Budgeting: Data, Tools and Analysis", IJCAI 2023) so that a file read by ``voting.formats.pabulib``
maps one to one onto these types.

Money is kept exact (``Fraction``) because official outcomes turn on exact comparisons such as
"the next project costs 0.32 more than what is left"; rules that need speed convert to NumPy
arrays internally and say in their docstring how they guard against rounding.

No Django imports and no I/O here: these types are shared by the counting rules, the file
readers and writers, the management command and (later) the public results page.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

Number = int | Fraction

APPROVAL = "approval"
CUMULATIVE = "cumulative"
CHOOSE_1 = "choose-1"
ORDINAL = "ordinal"
SCORING = "scoring"
VOTE_TYPES = (APPROVAL, CUMULATIVE, CHOOSE_1, ORDINAL, SCORING)
"""Ballot formats of pabulib. ``choose-1`` (and choose-k) ballots are approval ballots with a
length limit; ``scoring`` ballots carry points like cumulative ones but without a sum limit."""


class PBError(ValueError):
    """An instance or profile that no rule can count (for example a ballot naming an unknown project)."""


@dataclass(frozen=True, slots=True)
class Project:
    """A project on the ballot. ``id`` is the pabulib ``project_id`` and is always a string."""

    id: str
    cost: Fraction
    name: str = ""
    categories: tuple[str, ...] = ()
    target_groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class Instance:
    """Projects and the budget limit. Project order is the order of the source file."""

    projects: tuple[Project, ...]
    budget: Fraction
    meta: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for project in self.projects:
            if project.id in seen:
                raise PBError(f"duplicate project id {project.id!r}")
            if project.cost < 0:
                raise PBError(f"project {project.id!r} has a negative cost")
            seen.add(project.id)
        if self.budget < 0:
            raise PBError("the budget is negative")

    @property
    def position(self) -> dict[str, int]:
        """Index of each project id in ``projects`` (computed once, the instance is frozen)."""
        cached = self.__dict__.get("_position")
        if cached is None:
            cached = {p.id: i for i, p in enumerate(self.projects)}
            object.__setattr__(self, "_position", cached)
        return cached

    def project(self, project_id: str) -> Project:
        return self.projects[self.position[project_id]]

    def total_cost(self, project_ids: Iterable[str]) -> Fraction:
        return sum((self.project(p).cost for p in project_ids), Fraction(0))


@dataclass(frozen=True, slots=True)
class Ballot:
    """One voter's ballot.

    ``projects`` is in the order the voter gave (preference order for ordinal ballots);
    ``points`` is aligned with it for cumulative and scoring ballots, ``None`` otherwise.
    ``weight`` lets a ballot stand for several identical voters, or for a weighted channel
    (Amsterdam weighted paper and internet votes to count equally).
    """

    projects: tuple[str, ...]
    points: tuple[Number, ...] | None = None
    weight: Number = 1
    voter_id: str = ""


@dataclass(frozen=True)
class Profile:
    """The ballots of one election and the format they were cast in."""

    vote_type: str
    ballots: Sequence[Ballot]
    max_length: int | None = None

    def __post_init__(self) -> None:
        if self.vote_type not in VOTE_TYPES:
            raise PBError(f"unknown vote type {self.vote_type!r}")

    @property
    def total_weight(self) -> Number:
        """Number of voters, counting ballot weights (empty ballots count: they hold a budget share)."""
        return sum((b.weight for b in self.ballots), 0)

    def validate(self, instance: Instance) -> None:
        """Raise ``PBError`` if a ballot names an unknown project, repeats one, or has bad points.

        Rules validate as they merge ballots (``voting.rules.pb_arrays``); this is for code that
        builds a profile by hand, e.g. from the database, and wants to fail before counting.
        """
        known = instance.position
        for number, ballot in enumerate(self.ballots, start=1):
            label = ballot.voter_id or f"#{number}"
            if ballot.weight < 0:
                raise PBError(f"ballot {label} has a negative weight")
            if len(set(ballot.projects)) != len(ballot.projects):
                raise PBError(f"ballot {label} names a project twice")
            for project_id in ballot.projects:
                if project_id not in known:
                    raise PBError(f"ballot {label} names unknown project {project_id!r}")
            if ballot.points is not None:
                if len(ballot.points) != len(ballot.projects):
                    raise PBError(f"ballot {label} has {len(ballot.points)} points for {len(ballot.projects)} projects")
                if any(p < 0 for p in ballot.points):
                    raise PBError(f"ballot {label} gives negative points")

    def utilities(self, instance: Instance, ballot: Ballot) -> list[tuple[int, Number]]:
        """Score a ballot gives each project it names: the basis of greedy, MES and the explanations.

        Approval and choose-k: 1 per approved project. Cumulative and scoring: the points.
        Ordinal: the points column when the file has one, else Borda-style positional points
        ``L - rank`` with ``L = max_length`` (or the ballot's length) — how Kraków turns a ranking
        of three into 3, 2, 1 points.
        """
        position = instance.position
        if ballot.points is not None and self.vote_type != APPROVAL and self.vote_type != CHOOSE_1:
            return [(position[p], pts) for p, pts in zip(ballot.projects, ballot.points, strict=True)]
        if self.vote_type == ORDINAL:
            top = self.max_length or len(ballot.projects)
            top = max(top, len(ballot.projects))
            return [(position[p], top - rank) for rank, p in enumerate(ballot.projects)]
        return [(position[p], 1) for p in ballot.projects]


def as_number(value: Number | float) -> int | float:
    """JSON-friendly number: an int when integral, else a float (costs in pabulib have cents)."""
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, Fraction) and value.denominator != 1:
        return float(value)
    return int(value)


@dataclass
class Result:
    """The outcome of a rule and the story behind it, as shown on the public results page.

    ``selected`` is in order of selection. ``rounds`` is a list of plain dicts, one per step of
    the rule (a greedy step, an MES round, a completion step), and ``projects`` maps every project
    id to what happened to it and why. ``details`` holds rule-level facts (the per-voter budget
    of MES, the number of Add1 steps, the tie-breaking used). Everything in here is JSON-ready
    through ``to_dict``; no number shown to the public is computed anywhere else.
    """

    rule: str
    rule_name: str
    selected: list[str]
    total_cost: Fraction
    budget: Fraction
    rounds: list[dict[str, Any]] = field(default_factory=list)
    projects: dict[str, dict[str, Any]] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "rule_name": self.rule_name,
            "selected": list(self.selected),
            "total_cost": as_number(self.total_cost),
            "budget": as_number(self.budget),
            "leftover": as_number(self.budget - self.total_cost),
            "rounds": _jsonable(self.rounds),
            "projects": _jsonable(self.projects),
            "details": _jsonable(self.details),
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | Fraction | float):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        return as_number(value)
    if hasattr(value, "item"):  # NumPy scalar
        return _jsonable(value.item())
    return str(value)
