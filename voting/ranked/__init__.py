"""Ranked-choice counting: ballots and ballot rules, tie-breaking, IRV, STV, Condorcet methods.

Pure Python and NumPy, no Django, no I/O (the file formats are in ``voting.formats``).

- :mod:`.ballots`: :class:`RankedBallot`, :class:`RankedProfile`, :class:`BallotRules` (how marks
  are read: overvotes, skipped ranks, repeats) and the compiled preference matrix the counts use.
- :mod:`.tiebreak`: :class:`RankedTieBreak` and the hash-derived public lottery.
- :mod:`.results`: :class:`RankedOutcome` and its typed rounds.
- :mod:`.irv`, :mod:`.stv`, :mod:`.condorcet`: the methods; each registers itself in
  :data:`.registry.RANKED_METHODS`, which importing this package fills.
"""

from __future__ import annotations

from . import condorcet, irv, stv
from .ballots import BallotRules, RankedBallot, RankedProfile, Votes
from .registry import RANKED_METHODS
from .results import RankedOutcome
from .tiebreak import RankedTieBreak

__all__ = [
    "RANKED_METHODS",
    "BallotRules",
    "RankedBallot",
    "RankedOutcome",
    "RankedProfile",
    "RankedTieBreak",
    "Votes",
    "condorcet",
    "irv",
    "stv",
]
