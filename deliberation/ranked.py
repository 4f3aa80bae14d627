"""The one place the live room reaches the ranked engine (for ranked straw polls).

The ranked engine is moving from ``voting.rules`` to ``voting.ranked``; only this adapter knows
where it lives.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def count_ranked_poll(options: Sequence[str], orders: Sequence[Sequence[int]]) -> dict[str, Any]:
    """Count a single-winner ranked poll by instant-runoff: winner and each round's tallies."""
    if not orders:
        return {"winner": None, "rounds": []}
    try:
        from voting.ranked.ballots import RankedProfile as Profile  # type: ignore[import-not-found]
        from voting.ranked.irv import instant_runoff  # type: ignore[import-not-found]
    except ImportError:
        from voting.rules.irv import instant_runoff
        from voting.rules.ranked import Profile  # type: ignore[assignment]
    outcome = instant_runoff(Profile.from_orders(list(options), [list(o) for o in orders]))
    rounds = outcome.to_dict().get("rounds", [])
    return {
        "winner": outcome.elected[0] if outcome.elected else None,
        "rounds": [
            {"tallies": r.get("tallies", {}), "eliminated": r.get("eliminated", [])} for r in rounds
        ],
    }
