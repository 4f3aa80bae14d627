"""Ranked ballots, profiles and ballot-validity rules (what a ballot says, before any count).

A ranked ballot is kept exactly as the voter marked it: a tuple of *rank positions*, each the
tuple of candidates marked at that rank. An empty position is a skipped rank, a position with two
or more candidates is an overvote (or an equal ranking, where a format allows it). Rules decide
what those marks mean through :class:`BallotRules`, so the same profile can be counted under
RCTab's, Scotland's or a council's own ballot-validity rules without re-reading the file.

Identical ballots are grouped with a weight: a large election usually has far fewer distinct
rankings than ballots, and every rule works per distinct ranking (measured in
``docs/benchmarks/ranked.md``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from itertools import chain
from typing import Literal

import numpy as np

from engines.errors import EngineInputError

Position = tuple[int, ...]
Ranking = tuple[Position, ...]
Votes = int | float | Decimal | Fraction
"""A vote total or ballot weight: whole papers, exact decimals (RCTab), fractions or floats (Meek)."""



def add_votes(a: Votes, b: Votes) -> Votes:
    """``a + b`` for vote totals: exact types stay exact (``Decimal`` with ``Decimal``, anything
    with ``int``), a float makes a float, and ``Decimal`` with ``Fraction`` meets as ``Fraction``."""
    if isinstance(a, int) and isinstance(b, int):
        return a + b
    if isinstance(a, Decimal) and isinstance(b, Decimal | int):
        return a + b
    if isinstance(a, int) and isinstance(b, Decimal):
        return a + b
    if isinstance(a, float) or isinstance(b, float):
        return float(a) + float(b)
    return Fraction(a) + Fraction(b)


# Why a ballot stopped counting. The names follow RCTab's report keys so that our rounds and
# theirs can be compared field by field.
EXHAUSTED = "exhaustedChoices"
OVERVOTE = "overvotes"
SKIPPED = "skippedRankings"
REPEATED = "repeatedRankings"
UNDERVOTE = "undervotes"
INACTIVE_REASONS = (EXHAUSTED, OVERVOTE, SKIPPED, REPEATED)
# A mark that a CVR itself declares an overvote (RCTab ``overvoteLabel``), in place of a candidate.
OVERVOTE_MARK = -1
REASON_CODES = (*INACTIVE_REASONS, UNDERVOTE)


@dataclass(frozen=True)
class RankedBallot:
    """A distinct ranking and how many voters (or how much weight) cast it."""

    ranking: Ranking
    weight: Votes = 1


@dataclass(frozen=True)
class DenseBallots:
    """Distinct strict rankings as a matrix: row ``i`` ranks ``prefs[i, 0]`` first, ``-1`` pads.

    Most ballots mark one candidate per rank with no gaps or repeats. Keeping those as one NumPy
    matrix (already grouped, with weights) lets IRV and STV skip per-ballot Python work entirely,
    which is where most of the speed comes from (figures in ``docs/benchmarks/ranked.md``).
    """

    prefs: np.ndarray
    weights: np.ndarray


class RankedProfile:
    """Candidates and grouped ballots of one contest.

    ``withdrawn`` candidates (BLT ``-n`` lines, RCTab ``excluded``) stay in the candidate list so
    that indexes in ballots remain valid, but they never receive votes. ``write_in`` is the index
    of RCTab's "Undeclared Write-ins" pseudo-candidate, which is dropped first and can never win.
    A profile built from plain strict orders also carries them as :class:`DenseBallots`; the
    ``ballots`` list is then only materialised if a rule asks for it.
    """

    def __init__(
        self,
        candidates: Sequence[str],
        ballots: list[RankedBallot] | None = None,
        *,
        seats: int = 1,
        title: str = "",
        withdrawn: Iterable[int] = frozenset(),
        write_in: int | None = None,
        dense: DenseBallots | None = None,
        source: str = "<ballots>",
    ) -> None:
        if ballots is None and dense is None:
            raise ValueError("a profile needs ballots or dense ballots")
        self.source = source
        self.candidates = tuple(candidates)
        self._ballots = ballots
        self.seats = seats
        self.title = title
        self.withdrawn = frozenset(withdrawn)
        self.write_in = write_in
        self.dense = dense

    def __repr__(self) -> str:
        distinct = self.distinct()
        shown = f"ballots={self._ballots!r}" if self._ballots is not None and distinct <= 20 else f"{distinct} distinct ballots"
        return (
            f"RankedProfile(candidates={self.candidates!r}, {shown}, seats={self.seats}, "
            f"withdrawn={set(self.withdrawn) or '{}'}, write_in={self.write_in})"
        )

    def distinct(self) -> int:
        """How many distinct rankings the profile holds."""
        if self._ballots is not None:
            return len(self._ballots)
        assert self.dense is not None
        return len(self.dense.prefs)

    def error(self, reason: str, line: int | None = None) -> EngineInputError:
        """The bad-input error for this profile's file (a count that cannot be made from it)."""
        return EngineInputError(self.source, line, reason)

    def require_countable(self) -> None:
        """Refuse a contest no count can decide: no ballots, or more seats than candidates standing.

        Without this an empty file would "elect" by tie-break and a count for more seats than
        candidates would quietly elect everyone."""
        standing = [c for c in range(len(self.candidates)) if c not in self.withdrawn and c != self.write_in]
        if self.seats < 1:
            raise self.error(f"the number of seats must be 1 or more, got {self.seats}")
        if not standing:
            raise self.error("no candidate is standing")
        if self.seats > len(standing):
            raise self.error(f"{self.seats} seats but only {len(standing)} candidates standing")
        if self.distinct() == 0 or not self.total_weight > 0:
            raise self.error("the file holds no ballots")

    @property
    def ballots(self) -> list[RankedBallot]:
        if self._ballots is None:
            assert self.dense is not None
            weights = self.dense.weights
            integral = bool(np.all(weights == np.round(weights)))
            self._ballots = [
                RankedBallot(tuple((int(c),) for c in row[row >= 0]), int(w) if integral else float(w))
                for row, w in zip(self.dense.prefs, weights, strict=True)
            ]
        return self._ballots

    @classmethod
    def from_rankings(
        cls,
        candidates: Sequence[str],
        rankings: Iterable[Sequence[int | Sequence[int]]],
        *,
        seats: int = 1,
        title: str = "",
        withdrawn: Iterable[int] = (),
    ) -> RankedProfile:
        """Build a profile from simple rankings (``[2, 0, 1]`` or ``[[2], [0, 1]]``), grouping them."""
        counts: dict[Ranking, int] = {}
        for ranking in rankings:
            key = tuple((p,) if isinstance(p, int | np.integer) else tuple(p) for p in ranking)
            counts[key] = counts.get(key, 0) + 1
        ballots = [RankedBallot(r, w) for r, w in counts.items()]
        return cls(tuple(candidates), ballots, seats=seats, title=title, withdrawn=frozenset(withdrawn))

    @classmethod
    def from_orders(
        cls,
        candidates: Sequence[str],
        orders: Sequence[Sequence[int]],
        *,
        seats: int = 1,
        title: str = "",
        withdrawn: Iterable[int] = (),
    ) -> RankedProfile:
        """Build a profile from strict orders (lists of candidate indexes, best first), vectorised.

        Orders with repeated candidates fall back to :meth:`from_rankings`, which keeps every mark.
        """
        n = len(candidates)
        lengths = np.array(list(map(len, orders)), dtype=np.int64)
        width = int(lengths.max()) if len(lengths) else 0
        flat = np.array(list(chain.from_iterable(orders)), dtype=np.int64)
        if len(flat) and (flat.min() < 0 or flat.max() >= n):
            raise EngineInputError("<ballots>", None, f"ballot names a candidate outside 0..{n - 1}")
        prefs = np.full((len(orders), max(width, 1)), -1, dtype=np.int64)
        rows = np.repeat(np.arange(len(orders)), lengths)
        starts = np.cumsum(lengths) - lengths
        cols = np.arange(len(flat)) - np.repeat(starts, lengths)
        prefs[rows, cols] = flat
        dense = dense_from_matrix(prefs, np.ones(len(orders)), n)
        if dense is None:
            return cls.from_rankings(candidates, orders, seats=seats, title=title, withdrawn=withdrawn)
        return cls(candidates, None, seats=seats, title=title, withdrawn=frozenset(withdrawn), dense=dense)

    def grouped(self) -> RankedProfile:
        """The same profile with identical rankings merged (weights added)."""
        merged: dict[Ranking, Votes] = {}
        for ballot in self.ballots:
            merged[ballot.ranking] = add_votes(merged.get(ballot.ranking, 0), ballot.weight)
        return RankedProfile(
            self.candidates,
            [RankedBallot(r, w) for r, w in merged.items()],
            seats=self.seats,
            title=self.title,
            withdrawn=self.withdrawn,
            write_in=self.write_in,
            source=self.source,
        )

    @property
    def total_weight(self) -> Votes:
        if self._ballots is None and self.dense is not None:
            total = float(self.dense.weights.sum())
            return int(total) if total.is_integer() else total
        return sum((b.weight for b in self.ballots), 0)

    def index(self, name: str) -> int:
        return self.candidates.index(name)

    def validate(self) -> None:
        """Reject ballots naming unknown candidates or with non-positive weight."""
        n = len(self.candidates)
        for ballot in self.ballots:
            if ballot.weight <= 0:
                raise self.error(f"ballot weight must be positive, got {ballot.weight}")
            for position in ballot.ranking:
                for c in position:
                    if not 0 <= c < n:
                        raise self.error(f"ballot names candidate index {c + 1}, only {n} candidates")


def dense_from_matrix(prefs: np.ndarray, weights: np.ndarray, n: int) -> DenseBallots | None:
    """Group a ``-1``-padded matrix of strict orders; ``None`` if some row repeats a candidate.

    Grouping comes first so that validation only looks at distinct rows.
    """
    base = n + 1
    if prefs.shape[1] * np.log2(base) < 62:
        keys = np.zeros(len(prefs), dtype=np.int64)
        for j in range(prefs.shape[1]):
            keys = keys * base + (prefs[:, j] + 1)
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    else:
        _, first, inverse = np.unique(prefs, axis=0, return_index=True, return_inverse=True)
    rows = prefs[first]
    if rows.size:
        ordered = np.sort(np.where(rows < 0, -1 - np.arange(rows.shape[1]), rows), axis=1)
        if np.any(ordered[:, 1:] == ordered[:, :-1]):
            return None
        padding = rows < 0
        if np.any(padding[:, :-1] & ~padding[:, 1:]):
            return None  # a gap inside a ranking: keep it as marked, not as a dense order
    grouped = np.bincount(inverse.ravel(), weights=weights, minlength=len(first))
    return DenseBallots(rows.astype(np.int32), grouped)


@dataclass(frozen=True)
class BallotRules:
    """How marks on a ballot are read; one set of choices per jurisdiction.

    - ``overvote``: ``"exhaust"`` stops the ballot at a rank with two or more candidates (RCTab
      ``exhaustImmediately``, most US statutes); ``"skip"`` passes over that rank
      (``alwaysSkipToNextRank``).
    - ``max_skipped_ranks``: a ballot exhausts when it jumps over more than this many empty ranks
      in a row (Maine: 1); ``None`` means skipped ranks are simply ignored.
    - ``duplicates``: ``"skip"`` ignores a candidate ranked again later (it can only be counted
      once anyway); ``"exhaust"`` treats a repeat as spoiling the rest of the ballot.

    Equal rankings (``=`` in a .blt file) reach IRV and STV as a rank holding several candidates,
    so they follow the ``overvote`` choice; Condorcet methods and Borda read them as ties.
    """

    overvote: Literal["exhaust", "skip"] = "exhaust"
    max_skipped_ranks: int | None = None
    duplicates: Literal["skip", "exhaust"] = "skip"

    def compile(self, ranking: Ranking) -> tuple[tuple[int, ...], str]:
        """Reduce a marked ranking to the preference order a transfer follows and why it ends.

        Every rank-level decision (skipped ranks, repeats, overvotes) depends only on the ballot,
        never on who is still continuing, so it is made once per distinct ballot here rather than
        in every round. The order of checks at each rank follows RCTab's tabulator.
        """
        order: list[int] = []
        seen: set[int] = set()
        last_rank = 0
        marked = [(r, pos) for r, pos in enumerate(ranking, start=1) if pos]
        if not marked:
            return (), UNDERVOTE
        for rank, position in marked:
            if self.max_skipped_ranks is not None and rank - last_rank > self.max_skipped_ranks + 1:
                return tuple(order), SKIPPED
            last_rank = rank
            if self.duplicates == "exhaust":
                if any(c in seen for c in position):
                    return tuple(order), REPEATED
                seen.update(position)
            if len(position) > 1 or OVERVOTE_MARK in position:
                if self.overvote == "exhaust":
                    return tuple(order), OVERVOTE
                continue
            order.append(position[0])
        return tuple(order), EXHAUSTED


@dataclass
class CompiledBallots:
    """Distinct ballots as arrays: preference matrix, weights, and why each ballot would end.

    Row ``i`` lists the preferences a transfer follows (after :class:`BallotRules`), padded with
    the sentinel ``n`` (= number of candidates) meaning "no further preference". Counting rules
    keep a pointer per row and only move rows whose current candidate left the count.
    """

    matrix: np.ndarray
    weights: np.ndarray
    reasons: np.ndarray
    sentinel: int

    @classmethod
    def from_profile(cls, profile: RankedProfile, rules: BallotRules) -> CompiledBallots:
        n = len(profile.candidates)
        code_of = {reason: i for i, reason in enumerate(REASON_CODES)}
        if profile.dense is not None:
            # Strict orders without gaps or repeats read the same under every BallotRules.
            prefs = profile.dense.prefs
            matrix = np.full((prefs.shape[0], prefs.shape[1] + 1), n, dtype=np.int32)
            matrix[:, :-1] = np.where(prefs < 0, n, prefs)
            reasons = np.where(prefs[:, 0] < 0, code_of[UNDERVOTE], code_of[REASON_CODES[0]]).astype(np.int8)
            return cls(matrix, profile.dense.weights.astype(np.float64), reasons, n)
        orders: list[tuple[int, ...]] = []
        codes: list[int] = []
        weights: list[float] = []
        for ballot in profile.ballots:
            order, reason = rules.compile(ballot.ranking)
            orders.append(order)
            codes.append(code_of[reason])
            weights.append(float(ballot.weight))
        width = max((len(o) for o in orders), default=0) + 1
        matrix = np.full((len(orders), width), n, dtype=np.int32)
        for row, order in enumerate(orders):
            if order:
                matrix[row, : len(order)] = order
        return cls(matrix, np.asarray(weights, dtype=np.float64), np.asarray(codes, dtype=np.int8), n)


def advance_to_continuing(
    matrix: np.ndarray, pointer: np.ndarray, continuing: np.ndarray, rows: np.ndarray
) -> None:
    """Move each of ``rows`` on to its next continuing preference (the sentinel always 'continues')."""
    if not len(rows):
        return
    stuck = rows[~continuing[matrix[rows, pointer[rows]]]]
    while len(stuck):
        pointer[stuck] += 1
        stuck = stuck[~continuing[matrix[stuck, pointer[stuck]]]]
