"""Tie-breaking for ranked counts: look-back to earlier rounds, candidate order, public lottery.

Outside RCTab mode every lottery draw is derived from a hash, as PB's ``lottery:SEED`` and the
sortition draw are, so that anyone can redo it by hand from the published seed: draw number ``k``
of a count (``k`` = 1, 2, ... in the order the count meets ties) gives each tied candidate the
ticket ``SHA-256("civic-ranked-tie-v1:SEED:k:NAME")`` (hexadecimal) and the candidate with the
smallest ticket is drawn; a drawn candidate order (``permutation``) sorts all candidates by
``SHA-256("civic-ranked-tie-v1:SEED:permutation:NAME")``. Nothing depends on Python's or NumPy's
random generators, so a library upgrade cannot change a published count.

In RCTab mode (``java_random``) draws replay RCTab's own generator, ``java.util.Random``, because
matching RCTab's published reports is the point of that mode.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from engines.errors import EngineInputError

from .ballots import Votes

TIE_DOMAIN = "civic-ranked-tie-v1"


def tie_ticket(seed: int, draw: int | str, name: str) -> str:
    """The public lottery ticket of ``name`` in draw ``draw`` of a count seeded with ``seed``."""
    return hashlib.sha256(f"{TIE_DOMAIN}:{seed}:{draw}:{name}".encode()).hexdigest()


@dataclass(frozen=True)
class RankedTieBreak:
    """How a tie for exclusion (or election) is broken, chosen once per count.

    - ``"previous_rounds"``: compare the tied candidates' totals at earlier rounds (``backwards``:
      latest round first, as RCTab and most US rules; otherwise earliest first, as the Scottish
      order), then fall back to the public lottery.
    - ``"candidate_order"``: the candidate listed later loses (RCTab ``useCandidateOrder``).
    - ``"random"``: the public lottery (hash-derived, see the module doc) with no look-back.
      ``java_random`` replays RCTab's generator (``java.util.Random``) instead, so that counts
      with random ties match RCTab's published reports.
    - ``"permutation"``: a candidate order drawn once from the lottery (RCTab
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

    def shuffle(self, items: list[int]) -> None:
        """``Collections.shuffle(list, random)`` for a random-access list."""
        for i in range(len(items) - 1, 0, -1):
            j = self.next_int(i + 1)
            items[i], items[j] = items[j], items[i]


class TieBreaker:
    """Stateful tie-breaking for one count: holds the lottery so draws are reproducible."""

    def __init__(self, rule: RankedTieBreak, candidates: Sequence[str], *, source: str = "<ballots>") -> None:
        self.rule = rule
        self.candidates = candidates
        self.source = source
        self._java = JavaRandom(rule.seed) if rule.java_random else None
        self._draws = 0
        self._permutation: list[int] = []
        if rule.mode == "permutation":
            # RCTab sorts the names, then shuffles them once with the seeded generator.
            order = sorted(range(len(candidates)), key=lambda c: candidates[c])
            if self._java is not None:
                self._java.shuffle(order)
            else:
                order.sort(key=lambda c: tie_ticket(rule.seed, "permutation", candidates[c]))
            self._permutation = order

    def _draw(self, tied: list[int]) -> int:
        # RCTab sorts tied candidates by name before drawing.
        ordered = sorted(tied, key=lambda c: self.candidates[c])
        if self._java is not None:
            return ordered[int(self._java.next_double() * len(ordered))]
        self._draws += 1
        return min(ordered, key=lambda c: tie_ticket(self.rule.seed, self._draws, self.candidates[c]))

    def choose(
        self, tied: Sequence[int], history: Sequence[Mapping[int, Votes]], *, lowest: bool
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
        raise EngineInputError(self.source, None, f"tie between {names} must be decided by the returning officer")
