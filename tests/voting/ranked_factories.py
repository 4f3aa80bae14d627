"""Small readable profiles for ranked tests: ``[(3, "AB")]`` is three ballots ranking A then B."""

from __future__ import annotations

from voting.rules.ranked import Profile


def profile(spec: list[tuple[int, str]], candidates: str = "ABCD", **kwargs) -> Profile:
    index = {c: i for i, c in enumerate(candidates)}
    rankings = [[index[c] for c in order] for count, order in spec for _ in range(count)]
    return Profile.from_rankings(list(candidates), rankings, **kwargs)
