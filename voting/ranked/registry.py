"""The registry of ranked counting methods (it only creates it; the rule modules register).

Each method registers with its display name, its source and two facts a caller needs:
``multi_winner`` (whether it fills several seats) and ``rctab_modes`` (the RCTab
``winnerElectionMode`` values it implements, so an RCTab configuration finds it here too).
``tally_ranked --method`` choices and ``--help`` come from this registry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engines.registry import Entry, Registry, UnknownNameError

RankedMethod = Callable[..., Any]
"""``method(profile, *, options=None) -> RankedOutcome``."""

RANKED_METHODS: Registry[RankedMethod] = Registry("ranked method")


def method_for_rctab_mode(mode: str) -> Entry[RankedMethod]:
    """The registered method implementing an RCTab ``winnerElectionMode``."""
    for entry in RANKED_METHODS.entries():
        if mode in entry.metadata.get("rctab_modes", ()):
            return entry
    known = sorted(m for e in RANKED_METHODS.entries() for m in e.metadata.get("rctab_modes", ()))
    raise UnknownNameError("RCTab winnerElectionMode", mode, known)
