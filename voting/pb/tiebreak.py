"""Tie-breaking for participatory-budgeting rules.

Every rule here is resolute: when two projects are exactly tied (same votes for greedy, same price
per unit of utility for MES, same load for Phragmén) one of them has to go first, and the council
has to be able to say which and why before the vote closes. A tie-breaking is therefore a *total
order of the projects fixed in advance*; rules sort by their own criterion first and by this
order second. Validated once, in :func:`parse_tie_break`.

Available orders (the ``--tie-break`` values of ``tally_pb``):

``pabulib`` (default)
    What reproduces the official outcomes published in pabulib: the cheaper project first, then
    ``project_id`` compared as strings (so ``"10"`` comes before ``"9"``), which is the order
    pabulib's reference implementation, pabutools, falls back to. The cost step is evidenced by
    Warsaw 2020 (Rembertów): projects 2146 (23,100 PLN) and 2072 (26,900 PLN) tied at 231 votes,
    the city funded 2146 and, with the money saved, 1509.
``lexicographic``
    ``project_id`` as strings only: pabutools' default, used when comparing with it.
``file-order``
    The order of the PROJECTS section of the file (some cities publish their own ordering).
``min-cost`` / ``max-cost``
    Cheaper (dearer) project first, then ``project_id``.
``lottery:SEED``
    A seeded public lottery: projects are ordered by SHA-256 of ``"SEED:project_id"``. Anyone
    can recompute the order from the seed, so the seed can be drawn in public (a dice roll, a
    lottery result) before the count and the order published with the results.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from fractions import Fraction

from .types import PBError, PBInstance

TIE_BREAKS = ("pabulib", "lexicographic", "file-order", "min-cost", "max-cost", "lottery:SEED")


@dataclass(frozen=True)
class PBTieBreak:
    """A named total order of projects; ``rank(instance)[i]`` is the place of project ``i`` (0 first)."""

    name: str
    seed: str | None = None

    def rank(self, instance: PBInstance) -> list[int]:
        projects = instance.projects
        keys: list[tuple[Fraction | int | str, ...]]
        if self.name == "lexicographic":
            keys = [(p.id,) for p in projects]
        elif self.name == "file-order":
            keys = [(i,) for i in range(len(projects))]
        elif self.name in ("pabulib", "min-cost"):
            keys = [(p.cost, p.id) for p in projects]
        elif self.name == "max-cost":
            keys = [(-p.cost, p.id) for p in projects]
        elif self.name == "lottery":
            keys = [(lottery_ticket(self.seed or "", p.id), p.id) for p in projects]
        else:  # pragma: no cover - parse_tie_break refuses other names
            raise PBError(f"unknown tie-breaking {self.name!r}")
        order = sorted(range(len(projects)), key=keys.__getitem__)
        rank = [0] * len(projects)
        for place, index in enumerate(order):
            rank[index] = place
        return rank

    def describe(self) -> str:
        return f"lottery:{self.seed}" if self.name == "lottery" else self.name


def lottery_ticket(seed: str, project_id: str) -> str:
    """The public lottery number of a project: SHA-256 of ``seed:project_id`` in hex."""
    return hashlib.sha256(f"{seed}:{project_id}".encode()).hexdigest()


def parse_tie_break(spec: str | PBTieBreak | None) -> PBTieBreak:
    """Turn ``"min-cost"`` or ``"lottery:2024-05-01"`` into a :class:`PBTieBreak`; refuse anything else."""
    if spec is None:
        return PBTieBreak("pabulib")
    if isinstance(spec, PBTieBreak):
        return spec
    if spec.startswith("lottery:"):
        seed = spec.split(":", 1)[1]
        if not seed:
            raise PBError("a lottery tie-breaking needs a seed: lottery:SEED")
        return PBTieBreak("lottery", seed)
    if spec in ("pabulib", "lexicographic", "file-order", "min-cost", "max-cost"):
        return PBTieBreak(spec)
    raise PBError(f"unknown tie-breaking {spec!r} (choose from {', '.join(TIE_BREAKS)})")
