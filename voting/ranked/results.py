"""What a ranked count returns: :class:`RankedOutcome`, the engines' outcome envelope with typed rounds.

Every count fills the same envelope (``engines.outcome.Outcome``): rule key, display name, source,
``elected``, typed rounds, a fate per candidate with the reason, notes. The rounds are typed by
what happened in them: an :class:`IrvRound` (one elimination or a winner), an :class:`StvRound`
(a surplus transfer or an exclusion, with the weight moved, the weight exhausted and the weight
lost to rounding, each counted on its own), a :class:`CondorcetRound` (the method's scores on the
pairwise matrix). ``to_dict`` keeps the keys ``tally_ranked --json`` has always printed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from engines.numbers import json_number
from engines.outcome import Fate, Outcome, Round

from .ballots import RankedProfile, Votes
from .registry import RANKED_METHODS, RankedMethod


@dataclass
class RankedRound(Round):
    """One round (stage) of a count, with everything needed to publish it."""

    type: ClassVar[str] = "ranked-round"

    number: int = 0
    tallies: dict[str, Votes] = field(default_factory=dict)
    threshold: Votes | None = None
    elected: list[str] = field(default_factory=list)
    eliminated: list[str] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)
    transfers: dict[str, dict[str, Votes]] = field(default_factory=dict)
    inactive: dict[str, Votes] = field(default_factory=dict)
    exhausted: Votes = 0
    fraction_loss: Votes = 0
    note: str = ""

    def transfers_in(self) -> dict[str, dict[str, Any]]:
        """The same transfers seen from the receiving side: ``{receiver: {giver: votes}}``."""
        received: dict[str, dict[str, Any]] = {}
        for src, dsts in self.transfers.items():
            for dst, amount in dsts.items():
                received.setdefault(dst, {})[src] = json_number(amount)
        return received

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "round": self.number,
            "tallies": _numbers(self.tallies),
            "threshold": json_number(self.threshold),
            "elected": list(self.elected),
            "eliminated": list(self.eliminated),
            "reasons": dict(self.reasons),
            "transfers": {src: _numbers(dsts) for src, dsts in self.transfers.items()},
            "transfers_in": self.transfers_in(),
            "inactive": _numbers(self.inactive),
            "exhausted": json_number(self.exhausted),
            "fraction_loss": json_number(self.fraction_loss),
            "note": self.note,
            **self.extra_dict(),
        }

    def extra_dict(self) -> dict[str, Any]:
        """Keys a round type adds to the common ones."""
        return {}


@dataclass
class IrvRound(RankedRound):
    """An instant-runoff round: tallies of continuing candidates, the majority threshold, who went."""

    type: ClassVar[str] = "irv-round"


@dataclass
class StvRound(RankedRound):
    """An STV stage. ``exhausted`` and ``fraction_loss`` are running totals; the stage's own
    movements are counted separately: ``moved`` (weight that reached continuing candidates),
    ``exhausted_now`` (weight that found no further preference) and ``lost_now`` (weight lost to
    the rounding of transfer values, computed from the rounding remainders themselves)."""

    type: ClassVar[str] = "stv-round"

    moved: Votes = 0
    exhausted_now: Votes = 0
    lost_now: Votes = 0

    def extra_dict(self) -> dict[str, Any]:
        return {
            "moved": json_number(self.moved),
            "exhausted_now": json_number(self.exhausted_now),
            "lost_now": json_number(self.lost_now),
        }


@dataclass
class CondorcetRound(RankedRound):
    """The one round of a pairwise method: its scores (when it has them) and the winners."""

    type: ClassVar[str] = "condorcet-round"


@dataclass
class RankedOutcome(Outcome):
    """Outcome and story of a ranked count; the same object feeds JSON, the results page and tests."""

    engine: ClassVar[str] = "ranked"

    seats: int = 1
    candidates: tuple[str, ...] = ()
    elected: list[str] = field(default_factory=list)
    valid_ballots: Votes = 0
    quota: Votes | None = None
    ranking: list[list[str]] | None = None
    pairwise: dict[str, dict[str, Votes]] | None = None
    paths: dict[str, dict[str, Votes]] | None = None
    scores: dict[str, Votes] | None = None
    condorcet_winner: str | None = None
    locked: list[tuple[str, str]] | None = None
    winning_paths: dict[str, dict[str, list[str]]] | None = None

    @property
    def method(self) -> str:
        """The registry key of the rule (``tally_ranked --json`` has always called it ``method``)."""
        return self.rule

    @property
    def ranked_rounds(self) -> list[RankedRound]:
        return [r for r in self.rounds if isinstance(r, RankedRound)]

    def outcome_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "method": self.rule,
            "seats": self.seats,
            "candidates": list(self.candidates),
            "elected": list(self.elected),
            "valid_ballots": json_number(self.valid_ballots),
            "quota": json_number(self.quota),
        }
        if self.ranking is not None:
            data["ranking"] = self.ranking
        if self.pairwise is not None:
            data["pairwise"] = _matrix(self.pairwise)
            data["condorcet_winner"] = self.condorcet_winner
        if self.paths is not None:
            data["strongest_paths"] = _matrix(self.paths)
        if self.scores is not None:
            data["scores"] = _numbers(self.scores)
        if self.locked is not None:
            data["locked"] = [list(pair) for pair in self.locked]
        if self.winning_paths is not None:
            data["winning_paths"] = self.winning_paths
        return data

    def settle_fates(
        self, withdrawn: Mapping[str, str] | None = None, *, unelected: str = "still continuing when the seats were filled"
    ) -> RankedOutcome:
        """Fill ``fates`` from the rounds: elected (and why, at which round), excluded (why, when),
        withdrawn, or not elected. Called once by every rule before it returns."""
        fates: dict[str, Fate] = {}
        for name, why in (withdrawn or {}).items():
            fates[name] = Fate("withdrawn", why)
        for round_ in self.ranked_rounds:
            for name in round_.elected:
                fates[name] = Fate("elected", round_.reasons.get(name, ""), {"round": round_.number})
            for name in round_.eliminated:
                fates[name] = Fate("excluded", round_.reasons.get(name, ""), {"round": round_.number})
        for name in self.elected:
            fates.setdefault(name, Fate("elected", "", {}))
        for name in self.candidates:
            fates.setdefault(name, Fate("not-elected", unelected))
        self.fates = {name: fates[name] for name in self.candidates if name in fates}
        return self


def withdrawn_fates(profile: RankedProfile) -> dict[str, str]:
    """Fates of the candidates withdrawn before the count (BLT ``-n`` lines, RCTab ``excluded``)."""
    return {profile.candidates[c]: "withdrawn before the count" for c in sorted(profile.withdrawn)}


def _numbers(values: Mapping[str, Votes]) -> dict[str, Any]:
    return {k: json_number(v) for k, v in values.items()}


def _matrix(matrix: Mapping[str, Mapping[str, Votes]]) -> dict[str, dict[str, Any]]:
    return {a: _numbers(row) for a, row in matrix.items()}


@dataclass(frozen=True)
class MethodInfo:
    """A method's registry key, display name and source, written once in its module: the same
    facts go to the registry (:meth:`register`) and into every outcome it returns (:meth:`outcome`)."""

    key: str
    display_name: str
    source: str

    def register(self, **metadata: Any) -> Callable[[RankedMethod], RankedMethod]:
        return RANKED_METHODS.register(
            self.key, display_name=self.display_name, source=self.source, ballot_types=("ranked",), **metadata
        )

    def outcome(self, **fields: Any) -> RankedOutcome:
        return RankedOutcome(rule=self.key, rule_name=self.display_name, source=self.source, **fields)
