"""Small readable profiles for ranked tests: ``[(3, "AB")]`` is three ballots ranking A then B."""

from __future__ import annotations

from voting.ranked.ballots import RankedProfile


def profile(spec: list[tuple[int, str]], candidates: str = "ABCD", **kwargs) -> RankedProfile:
    index = {c: i for i, c in enumerate(candidates)}
    rankings = [[index[c] for c in order] for count, order in spec for _ in range(count)]
    return RankedProfile.from_rankings(list(candidates), rankings, **kwargs)
