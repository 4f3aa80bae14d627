"""Types shared by the ranked counting rules: ballots, profiles, ballot handling, results.

A ranked ballot is kept exactly as the voter marked it: a tuple of *rank positions*, each the
tuple of candidates marked at that rank. An empty position is a skipped rank, a position with two
or more candidates is an overvote (or an equal ranking, where a format allows it). Rules decide
what those marks mean through :class:`BallotRules`, so the same profile can be counted under
RCTab's, Scotland's or a council's own ballot-validity rules without re-reading the file.

Identical ballots are grouped with a weight: an 80,000-ballot election with ten candidates
usually has a few thousand distinct rankings, and every rule works per distinct ranking.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from itertools import chain
from typing import Any, Literal

import numpy as np

Position = tuple[int, ...]
Ranking = tuple[Position, ...]
Number = int | float | Decimal | Fraction

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


class BallotError(ValueError):
    """A ballot file or ballot that cannot be counted; says where and why."""

    def __init__(self, reason: str, *, path: str | None = None, line: int | None = None) -> None:
        self.reason = reason
        self.path = path
        self.line = line
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = self.path or "<input>"
        if self.line is not None:
            where += f":{self.line}"
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class Ballot:
    """A distinct ranking and how many voters (or how much weight) cast it."""

    ranking: Ranking
    weight: Number = 1


@dataclass(frozen=True)
class DenseBallots:
    """Distinct strict rankings as a matrix: row ``i`` ranks ``prefs[i, 0]`` first, ``-1`` pads.

    Most ballots mark one candidate per rank with no gaps or repeats. Keeping those as one NumPy
    matrix (already grouped, with weights) lets IRV and STV skip per-ballot Python work entirely,
    which is what makes an 80,000-ballot count take milliseconds.
    """

    prefs: np.ndarray
    weights: np.ndarray


class Profile:
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
        ballots: list[Ballot] | None = None,
        *,
        seats: int = 1,
        title: str = "",
        withdrawn: Iterable[int] = frozenset(),
        write_in: int | None = None,
        dense: DenseBallots | None = None,
    ) -> None:
        if ballots is None and dense is None:
            raise ValueError("a profile needs ballots or dense ballots")
        self.candidates = tuple(candidates)
        self._ballots = ballots
        self.seats = seats
        self.title = title
        self.withdrawn = frozenset(withdrawn)
        self.write_in = write_in
        self.dense = dense

    def __repr__(self) -> str:
        distinct = len(self._ballots) if self._ballots is not None else len(self.dense.prefs)  # type: ignore[union-attr]
        shown = f"ballots={self._ballots!r}" if self._ballots is not None and distinct <= 20 else f"{distinct} distinct ballots"
        return (
            f"Profile(candidates={self.candidates!r}, {shown}, seats={self.seats}, "
            f"withdrawn={set(self.withdrawn) or '{}'}, write_in={self.write_in})"
        )

    @property
    def ballots(self) -> list[Ballot]:
        if self._ballots is None:
            assert self.dense is not None
            weights = self.dense.weights
            integral = bool(np.all(weights == np.round(weights)))
            self._ballots = [
                Ballot(tuple((int(c),) for c in row[row >= 0]), int(w) if integral else float(w))
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
    ) -> Profile:
        """Build a profile from simple rankings (``[2, 0, 1]`` or ``[[2], [0, 1]]``), grouping them."""
        counts: dict[Ranking, int] = {}
        for ranking in rankings:
            key = tuple((p,) if isinstance(p, int | np.integer) else tuple(p) for p in ranking)
            counts[key] = counts.get(key, 0) + 1
        ballots = [Ballot(r, w) for r, w in counts.items()]
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
    ) -> Profile:
        """Build a profile from strict orders (lists of candidate indexes, best first), vectorised.

        Orders with repeated candidates fall back to :meth:`from_rankings`, which keeps every mark.
        """
        n = len(candidates)
        lengths = np.array(list(map(len, orders)), dtype=np.int64)
        width = int(lengths.max()) if len(lengths) else 0
        flat = np.array(list(chain.from_iterable(orders)), dtype=np.int64)
        if len(flat) and (flat.min() < 0 or flat.max() >= n):
            raise BallotError(f"ballot names a candidate outside 0..{n - 1}")
        prefs = np.full((len(orders), max(width, 1)), -1, dtype=np.int64)
        rows = np.repeat(np.arange(len(orders)), lengths)
        starts = np.cumsum(lengths) - lengths
        cols = np.arange(len(flat)) - np.repeat(starts, lengths)
        prefs[rows, cols] = flat
        dense = dense_from_matrix(prefs, np.ones(len(orders)), n)
        if dense is None:
            return cls.from_rankings(candidates, orders, seats=seats, title=title, withdrawn=withdrawn)
        return cls(candidates, None, seats=seats, title=title, withdrawn=frozenset(withdrawn), dense=dense)

    def grouped(self) -> Profile:
        """The same profile with identical rankings merged (weights added)."""
        merged: dict[Ranking, Number] = {}
        for ballot in self.ballots:
            merged[ballot.ranking] = merged.get(ballot.ranking, 0) + ballot.weight
        return Profile(
            self.candidates,
            [Ballot(r, w) for r, w in merged.items()],
            seats=self.seats,
            title=self.title,
            withdrawn=self.withdrawn,
            write_in=self.write_in,
        )

    @property
    def total_weight(self) -> Number:
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
                raise BallotError(f"ballot weight must be positive, got {ballot.weight}")
            for position in ballot.ranking:
                for c in position:
                    if not 0 <= c < n:
                        raise BallotError(f"ballot names candidate index {c + 1}, only {n} candidates")


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
    def from_profile(cls, profile: Profile, rules: BallotRules) -> CompiledBallots:
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
            weights.append(ballot.weight)
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


@dataclass(frozen=True)
class TieBreak:
    """How a tie for exclusion (or election) is broken, chosen once per count.

    - ``"previous_rounds"``: compare the tied candidates' totals at earlier rounds (``backwards``:
      latest round first, as RCTab and most US rules; otherwise earliest first, as the Scottish
      order), then fall back to a seeded lottery.
    - ``"candidate_order"``: the candidate listed later loses (RCTab ``useCandidateOrder``).
    - ``"random"``: a seeded lottery with no look-back. ``java_random`` replays RCTab's generator
      (``java.util.Random``) so that counts with random ties match RCTab's published reports.
    - ``"permutation"``: a candidate order drawn once from the seeded lottery (RCTab
      ``generatePermutation``); the candidate earlier in it wins, the later one loses.
    - ``"ask"``: the returning officer decides; a count that meets such a tie stops with an error
      naming the tied candidates (``fallback_ask`` does the same after ``previous_rounds``).
    """

    mode: Literal["previous_rounds", "candidate_order", "random", "permutation", "ask"] = "previous_rounds"
    seed: int = 0
    backwards: bool = True
    java_random: bool = False
    fallback_ask: bool = False


class JavaRandom:
    """``java.util.Random``'s 48-bit linear congruential generator, as documented in the JDK.

    RCTab breaks random ties with it; reproducing the published sequence is the only way to get
    the same draws from the same seed.
    """

    _MULT = 0x5DEECE66D
    _MASK = (1 << 48) - 1

    def __init__(self, seed: int) -> None:
        self._seed = (seed ^ self._MULT) & self._MASK

    def _next(self, bits: int) -> int:
        self._seed = (self._seed * self._MULT + 0xB) & self._MASK
        return self._seed >> (48 - bits)

    def next_double(self) -> float:
        return ((self._next(26) << 27) + self._next(27)) * (1.0 / (1 << 53))

    def next_int(self, bound: int) -> int:
        """``nextInt(bound)``, including the JDK's rejection of biased draws."""
        if bound & (bound - 1) == 0:
            return (bound * self._next(31)) >> 31
        while True:
            bits = self._next(31)
            value = bits % bound
            if bits - value + (bound - 1) < (1 << 31):
                return value

    def shuffle(self, items: list) -> None:
        """``Collections.shuffle(list, random)`` for a random-access list."""
        for i in range(len(items) - 1, 0, -1):
            j = self.next_int(i + 1)
            items[i], items[j] = items[j], items[i]


class TieBreaker:
    """Stateful tie-breaking for one count: holds the lottery so draws are reproducible."""

    def __init__(self, rule: TieBreak, candidates: Sequence[str]) -> None:
        self.rule = rule
        self.candidates = candidates
        self._java = JavaRandom(rule.seed) if rule.java_random else None
        self._lottery = random.Random(rule.seed)
        self._permutation: list[int] = []
        if rule.mode == "permutation":
            # RCTab sorts the names, then shuffles them once with the seeded generator.
            order = sorted(range(len(candidates)), key=lambda c: candidates[c])
            if self._java is not None:
                self._java.shuffle(order)
            else:
                self._lottery.shuffle(order)
            self._permutation = order

    def _draw(self, tied: list[int]) -> int:
        # RCTab sorts tied candidates by name before drawing.
        ordered = sorted(tied, key=lambda c: self.candidates[c])
        if self._java is not None:
            return ordered[int(self._java.next_double() * len(ordered))]
        return self._lottery.choice(ordered)

    def choose(
        self, tied: Sequence[int], history: Sequence[Mapping[int, Number]], *, lowest: bool
    ) -> tuple[int, str]:
        """Pick one of ``tied``: the loser when ``lowest``, else the winner. Returns it and why."""
        tied = list(tied)
        mode = self.rule.mode
        if mode == "candidate_order":
            pick = max(tied) if lowest else min(tied)
            return pick, "tie broken by candidate order"
        if mode == "permutation":
            ranked = sorted(tied, key=self._permutation.index)
            return (ranked[-1] if lowest else ranked[0]), f"tie broken by drawn candidate order (seed {self.rule.seed})"
        if mode == "ask":
            self._ask(tied)
        if mode == "previous_rounds":
            rounds = list(enumerate(history, start=1))
            if self.rule.backwards:
                rounds.reverse()
            for number, tally in rounds:
                values = {c: tally.get(c, 0) for c in tied}
                target = min(values.values()) if lowest else max(values.values())
                remaining = [c for c in tied if values[c] == target]
                if len(remaining) < len(tied):
                    tied = remaining
                    if len(tied) == 1:
                        return tied[0], f"tie broken by totals at round {number}"
        if self.rule.fallback_ask:
            self._ask(tied)
        return self._draw(tied), f"tie broken by lot (seed {self.rule.seed})"

    def _ask(self, tied: list[int]) -> None:
        names = ", ".join(self.candidates[c] for c in sorted(tied))
        raise BallotError(f"tie between {names} must be decided by the returning officer")


@dataclass
class Round:
    """One round (stage) of a count, with everything needed to publish it."""

    number: int
    tallies: dict[str, Number]
    threshold: Number | None = None
    elected: list[str] = field(default_factory=list)
    eliminated: list[str] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)
    transfers: dict[str, dict[str, Number]] = field(default_factory=dict)
    inactive: dict[str, Number] = field(default_factory=dict)
    exhausted: Number = 0
    fraction_loss: Number = 0
    note: str = ""

    def transfers_in(self) -> dict[str, dict[str, int | float]]:
        """The same transfers seen from the receiving side: ``{receiver: {giver: votes}}``."""
        received: dict[str, dict[str, int | float]] = {}
        for src, dsts in self.transfers.items():
            for dst, amount in dsts.items():
                received.setdefault(dst, {})[src] = _json_number(amount)
        return received

    def to_dict(self) -> dict[str, Any]:
        return {
            "round": self.number,
            "tallies": {k: _json_number(v) for k, v in self.tallies.items()},
            "threshold": _json_number(self.threshold) if self.threshold is not None else None,
            "elected": list(self.elected),
            "eliminated": list(self.eliminated),
            "reasons": dict(self.reasons),
            "transfers": {
                src: {dst: _json_number(v) for dst, v in dsts.items()} for src, dsts in self.transfers.items()
            },
            "transfers_in": self.transfers_in(),
            "inactive": {k: _json_number(v) for k, v in self.inactive.items()},
            "exhausted": _json_number(self.exhausted),
            "fraction_loss": _json_number(self.fraction_loss),
            "note": self.note,
        }


@dataclass
class Result:
    """Outcome and story of a count; the same object feeds JSON, the results page and tests."""

    method: str
    seats: int
    candidates: tuple[str, ...]
    elected: list[str]
    rounds: list[Round] = field(default_factory=list)
    valid_ballots: Number = 0
    quota: Number | None = None
    ranking: list[list[str]] | None = None
    pairwise: dict[str, dict[str, Number]] | None = None
    paths: dict[str, dict[str, Number]] | None = None
    scores: dict[str, Number] | None = None
    condorcet_winner: str | None = None
    locked: list[tuple[str, str]] | None = None
    winning_paths: dict[str, dict[str, list[str]]] | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "method": self.method,
            "seats": self.seats,
            "candidates": list(self.candidates),
            "elected": list(self.elected),
            "valid_ballots": _json_number(self.valid_ballots),
            "quota": _json_number(self.quota) if self.quota is not None else None,
            "rounds": [r.to_dict() for r in self.rounds],
        }
        if self.ranking is not None:
            data["ranking"] = self.ranking
        if self.pairwise is not None:
            data["pairwise"] = _json_matrix(self.pairwise)
        if self.paths is not None:
            data["strongest_paths"] = _json_matrix(self.paths)
        if self.scores is not None:
            data["scores"] = {k: _json_number(v) for k, v in self.scores.items()}
        if self.pairwise is not None:
            data["condorcet_winner"] = self.condorcet_winner
        if self.locked is not None:
            data["locked"] = [list(pair) for pair in self.locked]
        if self.winning_paths is not None:
            data["winning_paths"] = self.winning_paths
        if self.notes:
            data["notes"] = list(self.notes)
        return data


def _json_matrix(matrix: Mapping[str, Mapping[str, Number]]) -> dict[str, dict[str, Any]]:
    return {a: {b: _json_number(v) for b, v in row.items()} for a, row in matrix.items()}


def _json_number(value: Number) -> int | float:
    """Integers stay integers in JSON; exact decimals become the nearest float for display."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, Fraction | Decimal):
        if value == int(value):
            return int(value)
        return float(value)
    as_float = float(value)
    return int(as_float) if as_float.is_integer() else round(as_float, 9)
