"""Hypothesis strategies for ranked profiles, shared by the ranked test modules."""

from __future__ import annotations

from hypothesis import strategies as st


@st.composite
def linear_profiles(draw, min_candidates: int = 2, max_candidates: int = 5, max_voters: int = 12):
    """Small profiles of complete strict rankings: small sizes make ties frequent."""
    m = draw(st.integers(min_candidates, max_candidates))
    orders = draw(st.lists(st.permutations(range(m)), min_size=1, max_size=max_voters))
    return m, [list(o) for o in orders]


@st.composite
def truncated_profiles(draw, min_candidates: int = 2, max_candidates: int = 6, max_voters: int = 20):
    """Strict rankings that may stop early (at least one preference each)."""
    m = draw(st.integers(min_candidates, max_candidates))
    orders = draw(st.lists(st.permutations(range(m)), min_size=1, max_size=max_voters))
    lengths = draw(st.lists(st.integers(1, m), min_size=len(orders), max_size=len(orders)))
    return m, [list(o)[:k] for o, k in zip(orders, lengths, strict=True)]
