"""pref_voting as an oracle: our winners agree with an independent implementation.

pref_voting returns the *set* of winners (all tied winners); our rules return that set as the
first group of ``Result.ranking`` and elect one of them by the tie-break. IRV is compared with
pref_voting's "parallel universes" IRV (every winner under some elimination order), since our
tie-break picks one of those universes.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from tests.voting.ranked_strategies import linear_profiles, truncated_profiles
from voting.rules.condorcet import borda, copeland, ranked_pairs, schulze
from voting.rules.irv import instant_runoff
from voting.rules.ranked import Profile

pv_profiles = pytest.importorskip("pref_voting.profiles")
pv_ties = pytest.importorskip("pref_voting.profiles_with_ties")
from pref_voting.c1_methods import copeland as pv_copeland  # noqa: E402
from pref_voting.iterative_methods import instant_runoff as pv_irv  # noqa: E402
from pref_voting.iterative_methods import instant_runoff_put as pv_irv_put  # noqa: E402
from pref_voting.margin_based_methods import beat_path as pv_schulze  # noqa: E402
from pref_voting.margin_based_methods import ranked_pairs as pv_ranked_pairs  # noqa: E402
from pref_voting.scoring_methods import borda as pv_borda  # noqa: E402

ORACLE = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def ours(m: int, orders: list[list[int]]) -> Profile:
    return Profile.from_rankings([f"c{i}" for i in range(m)], orders)


def winner_set(result) -> set[int]:
    return {int(name[1:]) for name in result.ranking[0]}


def elected(result) -> int:
    return int(result.elected[0][1:])


@ORACLE
@given(linear_profiles())
def test_schulze_winners_match_pref_voting(data):
    m, orders = data
    result = schulze(ours(m, orders))
    assert winner_set(result) == set(pv_schulze(pv_profiles.Profile(orders)))
    assert elected(result) in winner_set(result)


@ORACLE
@given(linear_profiles())
def test_ranked_pairs_winner_is_a_pref_voting_winner(data):
    m, orders = data
    result = ranked_pairs(ours(m, orders))
    expected = set(pv_ranked_pairs(pv_profiles.Profile(orders)))
    assert elected(result) in expected
    assert winner_set(result) <= expected


@ORACLE
@given(linear_profiles())
def test_copeland_winners_match_pref_voting(data):
    m, orders = data
    assert winner_set(copeland(ours(m, orders))) == set(pv_copeland(pv_profiles.Profile(orders)))


@ORACLE
@given(linear_profiles())
def test_borda_winners_match_pref_voting(data):
    m, orders = data
    assert winner_set(borda(ours(m, orders))) == set(pv_borda(pv_profiles.Profile(orders)))


@ORACLE
@given(linear_profiles())
def test_irv_winner_is_a_pref_voting_irv_winner(data):
    m, orders = data
    result = instant_runoff(ours(m, orders))
    put = set(pv_irv_put(pv_profiles.Profile(orders)))
    assert elected(result) in put
    if len(put) == 1:
        assert [elected(result)] == pv_irv(pv_profiles.Profile(orders))


@ORACLE
@given(truncated_profiles())
def test_schulze_and_copeland_on_truncated_ballots_match_pref_voting(data):
    m, orders = data
    theirs = pv_ties.ProfileWithTies([{c: r for r, c in enumerate(o, start=1)} for o in orders], candidates=list(range(m)))
    theirs.use_extended_strict_preference()
    profile = ours(m, orders)
    assert winner_set(schulze(profile)) == set(pv_schulze(theirs))
    assert winner_set(copeland(profile)) == set(pv_copeland(theirs))


def test_condorcet_winner_is_reported_with_the_pairwise_matrix():
    # a beats b 2-1, a beats c 2-1, b beats c 3-0
    profile = Profile.from_rankings(["a", "b", "c"], [[0, 1, 2], [0, 1, 2], [1, 2, 0]])
    result = schulze(profile)
    assert result.condorcet_winner == "a"
    assert result.pairwise["a"]["b"] == 2 and result.pairwise["b"]["a"] == 1
    assert result.paths["b"]["c"] == 3
    assert result.to_dict()["condorcet_winner"] == "a"


def test_cycle_has_no_condorcet_winner():
    profile = Profile.from_rankings(["a", "b", "c"], [[0, 1, 2], [1, 2, 0], [2, 0, 1]])
    assert schulze(profile).condorcet_winner is None
