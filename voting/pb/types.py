"""Plain data for participatory budgeting: instance, profile, ballots, the one error.

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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from engines.errors import EngineInputError

Amount = int | Fraction
"""A cost, a score, points or a ballot weight: exact, an ``int`` when whole."""

APPROVAL = "approval"
CUMULATIVE = "cumulative"
CHOOSE_1 = "choose-1"
ORDINAL = "ordinal"
SCORING = "scoring"
VOTE_TYPES = (APPROVAL, CUMULATIVE, CHOOSE_1, ORDINAL, SCORING)
"""PBBallot formats of pabulib. ``choose-1`` (and choose-k) ballots are approval ballots with a
length limit; ``scoring`` ballots carry points like cumulative ones but without a sum limit."""


class PBError(EngineInputError):
    """An instance, profile or option that no rule can count (e.g. a ballot naming an unknown project).

    Rules do not know which file or line their input came from, so they raise it with the reason
    only (``path`` empty); a reader raises it located (:class:`voting.formats.pabulib.PabulibError`),
    and a command adds the location it knows with :meth:`located`."""

    def __init__(self, reason: str, path: str = "", line: int | None = None) -> None:
        super().__init__(path, line, reason)

    def located(self, path: str, line: int | None) -> EngineInputError:
        """This error at ``path:line`` unless it already names a file."""
        return self if self.path else EngineInputError(path, line, self.reason)

    def __str__(self) -> str:
        return self.location_line() if self.path else self.reason


@dataclass(frozen=True, slots=True)
class Project:
    """A project on the ballot. ``id`` is the pabulib ``project_id`` and is always a string."""

    id: str
    cost: Fraction
    name: str = ""
    categories: tuple[str, ...] = ()
    target_groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class PBInstance:
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
class PBBallot:
    """One voter's ballot.

    ``projects`` is in the order the voter gave (preference order for ordinal ballots);
    ``points`` is aligned with it for cumulative and scoring ballots, ``None`` otherwise.
    ``weight`` lets a ballot stand for several identical voters, or for a weighted channel
    (Amsterdam weighted paper and internet votes to count equally).
    """

    projects: tuple[str, ...]
    points: tuple[Amount, ...] | None = None
    weight: Amount = 1
    voter_id: str = ""


@dataclass(frozen=True)
class PBProfile:
    """The ballots of one election and the format they were cast in."""

    vote_type: str
    ballots: Sequence[PBBallot]
    max_length: int | None = None

    def __post_init__(self) -> None:
        if self.vote_type not in VOTE_TYPES:
            raise PBError(f"unknown vote type {self.vote_type!r}")

    @property
    def total_weight(self) -> Amount:
        """Amount of voters, counting ballot weights (empty ballots count: they hold a budget share)."""
        return sum((b.weight for b in self.ballots), 0)

    def validate(self, instance: PBInstance) -> None:
        """Raise ``PBError`` if a ballot names an unknown project, repeats one, or has bad points.

        Rules validate as they merge ballots (``voting.pb.arrays``); this is for code that
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

    def utilities(self, instance: PBInstance, ballot: PBBallot) -> list[tuple[int, Amount]]:
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
